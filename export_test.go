package memtomem

// SetDayFileRollBytesForTest lowers the day-file roll-over size and returns
// a function that restores it.
func SetDayFileRollBytesForTest(n int64) (restore func()) {
	old := dayFileRollBytes
	dayFileRollBytes = n
	return func() { dayFileRollBytes = old }
}

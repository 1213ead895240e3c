package store

import "time"

// UnixNano is how backends store a time: nanoseconds since the epoch, 0 for
// the zero time (unknown).
func UnixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromUnixNano reads what UnixNano wrote, in UTC.
func FromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

//go:build !crashtest

package crashpoint

// Hit does nothing in normal builds.
func Hit(string) {}

// Enabled says whether crash points are compiled in: a writer that must
// be caught halfway through a write (MidAppend) splits it only then.
const Enabled = false

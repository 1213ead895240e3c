package chunk

import (
	"os"
	"testing"
	"time"
)

func init() {
	hangHook = func(data []byte, n uint16) func() {
		tm := time.AfterFunc(2*time.Second, func() {
			os.WriteFile("/tmp/chk/hang.bin", data, 0o644)
			os.WriteFile("/tmp/chk/hang.n", []byte{byte(n), byte(n >> 8)}, 0o644)
		})
		return func() { tm.Stop() }
	}
}

var _ = testing.Short

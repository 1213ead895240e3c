package sqlite

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// codeSlab holds the dense index's int8 codes outside the Go heap, in an
// anonymous private mapping. In the heap, ~37 MiB of codes at 100k chunks
// would double the garbage collector's goal, and the process would carry
// up to as much again of uncollected garbage in its RSS; outside it, the
// collector paces itself by the small heap that is left, and RSS is the
// codes plus what it was before. Only the index's write lock holder
// changes a slab; scans hold the read lock, so no mapping is released
// under a reader.
type codeSlab struct {
	mem   []byte // the mapping (len = capacity)
	codes []int8 // its first n bytes, as codes
}

// grow makes room for n more codes and returns them (uninitialised).
func (s *codeSlab) grow(n int) ([]int8, error) {
	old := len(s.codes)
	if err := s.reserve(old + n); err != nil {
		return nil, err
	}
	s.codes = s.codes[:old+n]
	return s.codes[old:], nil
}

// reserve makes the capacity at least n codes, moving to a larger mapping
// (25% headroom, so that a run of appends moves rarely) when needed.
func (s *codeSlab) reserve(n int) error {
	if n <= len(s.mem) {
		if s.codes == nil && len(s.mem) > 0 {
			s.codes = asCodes(s.mem)[:0]
		}
		return nil
	}
	size := max(n+n/4, 64<<10)
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return fmt.Errorf("dense index: map %d bytes for vector codes: %w", size, err)
	}
	codes := asCodes(mem)[:len(s.codes)]
	copy(codes, s.codes)
	s.free()
	s.mem, s.codes = mem, codes
	return nil
}

// replace swaps codes[i:j] for src, as slices.Replace does.
func (s *codeSlab) replace(i, j int, src []int8) error {
	n := len(s.codes) - (j - i) + len(src)
	if err := s.reserve(n); err != nil {
		return err
	}
	tail := len(s.codes) - j
	s.codes = s.codes[:max(n, len(s.codes))]
	copy(s.codes[i+len(src):], s.codes[j:j+tail])
	copy(s.codes[i:], src)
	s.codes = s.codes[:n]
	return nil
}

// free releases the mapping.
func (s *codeSlab) free() {
	if len(s.mem) > 0 {
		_ = unix.Munmap(s.mem)
	}
	s.mem, s.codes = nil, nil
}

func asCodes(b []byte) []int8 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), len(b))
}

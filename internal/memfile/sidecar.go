package memfile

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/memtomem/memtomem/internal/atomicfile"
)

// Sidecars are the small files a writer keeps beside a memory file's lock:
// its journal and its append intent. Every append rewrites both, so their
// write is on the path of every add, under the file's lock.
//
// They are rewritten in place (atomicfile.Overwrite), not through O_TRUNC,
// which on ext4 made closing each one start its writeback: about a third
// of the time an add held the file's lock. In-place writes are cheap, but a write cut short (a
// SIGKILL stops a write between pages; a power cut keeps any mix of pages)
// can leave the start of the new content followed by the rest of the old,
// which could read as a valid but wrong journal: an old entry's tail glued
// to a new entry's head, or a deleted entry still listed. So a sidecar
// starts with a frame line giving the length and CRC-32C of what follows,
// and a sidecar whose frame does not match its content reads as absent,
// which costs a settle wait at most, never a memory (journal.go).
//
// Files written by an earlier version, without a frame, are read whole, as
// that version wrote them (through O_TRUNC, so never a mix).

// sidecarMagic starts the frame line: "mm-sidecar 1 <len> <crc>\n", with
// the length in 10 decimal digits and the CRC-32C in 8 hex digits, so the
// frame line has one fixed width and a cut inside it never parses.
const sidecarMagic = "mm-sidecar 1 "

const sidecarFrameLen = len(sidecarMagic) + 10 + 1 + 8 + 1

// errSidecarTorn means a sidecar's frame does not match its content.
var errSidecarTorn = errors.New("sidecar file cut short or mixed with an older version of itself")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frameSidecar returns payload behind its frame line.
func frameSidecar(payload []byte) []byte {
	b := make([]byte, 0, sidecarFrameLen+len(payload))
	b = append(b, sidecarMagic...)
	b = append(b, fmt.Sprintf("%010d %08x\n", len(payload), crc32.Checksum(payload, castagnoli))...)
	return append(b, payload...)
}

// unframeSidecar returns the payload of a sidecar's content b, or
// errSidecarTorn; content without a frame is returned as it is.
func unframeSidecar(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, []byte(sidecarMagic)) {
		return b, nil
	}
	if len(b) < sidecarFrameLen || b[sidecarFrameLen-1] != '\n' || b[sidecarFrameLen-10] != ' ' {
		return nil, errSidecarTorn
	}
	frame := b[len(sidecarMagic) : sidecarFrameLen-1]
	n, err1 := strconv.ParseUint(string(frame[:10]), 10, 31)
	sum, err2 := strconv.ParseUint(string(frame[11:]), 16, 32)
	rest := b[sidecarFrameLen:]
	if err1 != nil || err2 != nil || uint64(len(rest)) < n {
		return nil, errSidecarTorn
	}
	payload := rest[:n]
	if crc32.Checksum(payload, castagnoli) != uint32(sum) {
		return nil, errSidecarTorn
	}
	return payload, nil
}

// writeBeneath replaces the sidecar at path with payload (framed, in
// place, see above) through a descriptor of its directory (created 0700 if
// missing). It is not fsynced: sidecars are read only under the memory
// file's lock, by the writer that holds it, and one lost or cut short by a
// crash reads as absent or older, which costs a settle wait at most.
func writeBeneath(path string, payload []byte) error {
	dir, base := filepath.Split(path)
	r, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		r, err = os.OpenRoot(dir)
	}
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := r.OpenFile(base, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	err = atomicfile.Overwrite(f, frameSidecar(payload))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readBeneath reads the payload of the sidecar base in dir through a
// descriptor of dir (a name planted there as a link to elsewhere is not
// followed out); a torn one is errSidecarTorn.
func readBeneath(dir, base string) ([]byte, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := r.ReadFile(base)
	if err != nil {
		return nil, err
	}
	return unframeSidecar(b)
}

package coord

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The registry is a directory of small JSON files, one per open process, each
// flock'ed exclusively by its owner for as long as the owner lives. Liveness is
// the lock, never the pid: pids are reused, and a pid check cannot tell a
// crashed memtomem from an unrelated process that got the same number. The
// kernel drops the lock when the owner dies, however it dies, so a reader that
// can take the lock knows the entry is stale.
const instancesDirName = "instances"

// tempPrefix marks registry files that are still being written. Readers skip
// them; they only become entries by being renamed after they are locked.
const tempPrefix = ".tmp-"

// staleTempAge is how old an unlocked temp file must be before a sweep removes
// it. A fresh temp file is unlocked for the microseconds between its creation
// and its owner's flock, and must not be deleted from under it in that window;
// one left over from a crash at that instant is harmless until swept.
const staleTempAge = time.Minute

func instancesDir(runDir string) string { return filepath.Join(runDir, instancesDirName) }

// register writes info as this process's registry entry and returns the open,
// exclusively locked entry file. The entry is written and locked under a temp
// name and only then renamed into place, so a reader never sees a live entry
// that is unlocked (it would take it for a crashed process and delete it) or
// half written.
func register(runDir string, info Instance) (*os.File, string, error) {
	dir := instancesDir(runDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("registry dir: %w", err)
	}
	data, err := json.Marshal(info)
	if err != nil {
		return nil, "", fmt.Errorf("registry entry: %w", err)
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return nil, "", fmt.Errorf("registry entry: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) (*os.File, string, error) {
		f.Close()
		os.Remove(tmp)
		return nil, "", fmt.Errorf("registry entry: %w", err)
	}
	// No fsync: the registry describes running processes, so after a power
	// loss every entry is stale anyway, and a torn one is swept like any
	// other stale entry.
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := flockNB(f, true); err != nil {
		return fail(err)
	}
	// The random suffix makes names unique even when a pid is reused, so a
	// sweeper that deletes by name can never hit a newer process's entry.
	name := fmt.Sprintf("%d-%08x.json", info.PID, rand.Uint32())
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	return f, path, nil
}

// flockNB takes a non-blocking flock on an already open file.
func flockNB(f *os.File, exclusive bool) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if err != unix.EINTR {
			return err
		}
	}
}

// Live lists the processes that have the store open, oldest first, and
// deletes the entries of processes that died without leaving (kill -9, a
// crash, a power cut). An entry whose JSON cannot be read is still listed if
// its owner is alive, with the pid taken from its file name, because refusing
// a reset needs to know the process exists more than what it is.
func Live(runDir string) ([]Instance, error) {
	dir := instancesDir(runDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list instances: %w", err)
	}
	var live []Instance
	for _, e := range ents {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case strings.HasPrefix(name, tempPrefix):
			sweepTemp(path)
			continue
		case e.IsDir() || !strings.HasSuffix(name, ".json"):
			continue
		}
		in, alive, err := probeEntry(path)
		if err != nil {
			// Gone meanwhile (its owner left, or another reader
			// swept it) or unreadable: neither is worth failing the
			// whole listing for.
			continue
		}
		if alive {
			if in.PID == 0 {
				in.PID = pidFromName(name)
			}
			live = append(live, in)
		}
	}
	slices.SortFunc(live, func(a, b Instance) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return a.PID - b.PID
	})
	return live, nil
}

// probeEntry opens a registry entry and tries to lock it shared without
// blocking. Failing means its owner holds it: alive, decode it. Succeeding
// means the owner is gone: delete it while holding the lock. The file is
// opened without O_CREATE so that probing an entry that vanished meanwhile
// cannot recreate it.
func probeEntry(path string) (in Instance, alive bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return Instance{}, false, err
	}
	defer f.Close()
	switch err := flockNB(f, false); {
	case err == nil:
		removeIfSame(path, f)
		return Instance{}, false, nil
	case errors.Is(err, unix.EWOULDBLOCK):
	default:
		return Instance{}, false, err
	}
	// The owner wrote the whole file before locking and renaming it, so a
	// live entry is complete; a decode error means it was written by
	// something else, and the caller falls back to the pid in its name.
	data, _ := io.ReadAll(io.LimitReader(f, 1<<16))
	_ = json.Unmarshal(data, &in)
	return in, true, nil
}

// removeIfSame deletes path only if it still names the file f has open. Names
// are unique, so this is belt and braces against deleting something that was
// renamed into place after we opened the old file.
func removeIfSame(path string, f *os.File) {
	fi, err := f.Stat()
	if err != nil {
		return
	}
	cur, err := os.Lstat(path)
	if err != nil || !os.SameFile(fi, cur) {
		return
	}
	_ = os.Remove(path)
}

// sweepTemp removes a temp file left by a process that crashed between
// creating and renaming its entry. Only old ones are touched (see
// staleTempAge), and only if unlocked.
func sweepTemp(path string) {
	fi, err := os.Lstat(path)
	if err != nil || time.Since(fi.ModTime()) < staleTempAge {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if flockNB(f, false) == nil {
		removeIfSame(path, f)
	}
}

// pidFromName reads the pid from an entry name "<pid>-<rand>.json"; 0 if the
// name is not of that form.
func pidFromName(name string) int {
	pid, _, _ := strings.Cut(strings.TrimSuffix(name, ".json"), "-")
	n, err := strconv.Atoi(pid)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

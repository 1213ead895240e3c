package memfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/memtomem/memtomem/internal/atomicfile"
	"github.com/memtomem/memtomem/internal/crashpoint"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/fspath"

	"github.com/memtomem/memtomem/internal/wait"
)

// Writer is the only way memtomem writes memory files. Many processes write
// the same files, so every change is a read-modify-write under the file's
// lock, written to a temp file and renamed into place: readers (ours, editors,
// sync tools) only ever see the old or the new file, never half of one.
type Writer struct {
	Locks *coord.FileLocks
	// Roots, when set, are the only directories the Writer writes under
	// (the memory directories): a path that resolves outside them, such as a
	// day file someone replaced with a symlink to ~/.bashrc, is refused
	// with ErrOutsideRoots and nothing is written. Every use of the file
	// goes through a descriptor of the root holding it (beneath.go), so the
	// same holds for a link swapped in after that check.
	Roots []string
	// Absent, when set, answers from an index of the files (the store)
	// whether none of ids is an entry of the file at path whose whole
	// content hashes to sha (hex SHA-256); false means it cannot tell. With
	// it, entries that come with their own ids (an add with an idempotency
	// key) are appended without reading the file when the journal vouches
	// for the file's content, as entries with new ids are.
	Absent func(ctx context.Context, path, sha string, ids []string) bool
}

// ErrOutsideRoots refuses a write whose file resolves outside Writer.Roots.
var ErrOutsideRoots = errors.New("resolves outside the memory directories")

// maxAttempts bounds how often Mutate re-runs fn when a program that ignores
// our lock keeps rewriting the file under us.
const maxAttempts = 5

// crashHook lets crash tests stop the process at the points where a crash is
// most interesting. Nil outside tests.
var crashHook atomic.Pointer[func(point string)]

// SetCrashHookForTest installs f to be called at "after-temp-write" and
// "before-rename" inside Mutate. Only for tests (it is process-global); pass
// nil to remove it.
func SetCrashHookForTest(f func(point string)) {
	if f == nil {
		crashHook.Store(nil)
		return
	}
	crashHook.Store(&f)
}

func hook(point string) {
	crashpoint.Hit(point)
	if f := crashHook.Load(); f != nil {
		(*f)(point)
	}
}

// fileState is what we remember about the file we read, to notice a writer
// that does not take our lock (a text editor) replacing it in the meantime.
type fileState struct {
	exists bool
	size   int64
	mtime  time.Time
	ino    uint64
	dev    uint64
	mode   fs.FileMode
}

func stateOf(fi fs.FileInfo) fileState {
	s := fileState{exists: true, size: fi.Size(), mtime: fi.ModTime(), mode: fi.Mode()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ino, s.dev = uint64(st.Ino), uint64(st.Dev)
	}
	return s
}

func (s fileState) same(o fileState) bool {
	return s.exists == o.exists && s.size == o.size && s.mtime.Equal(o.mtime) &&
		s.ino == o.ino && s.dev == o.dev
}

// Mutate replaces the content of the memory file at path with fn(old). A
// missing file reads as empty. fn may run more than once (see above), so it
// must be a pure function of old apart from recording its result. When fn
// returns old unchanged nothing is written. A symlinked memory file is written
// through: the link target is replaced and the link stays a link.
//
// Programs that do not take our lock (text editors) are handled by the rule
// in journal.go: a file an outside program wrote is waited on until it has
// settled and used as it then is, entries of ours it dropped without having
// seen them are put back, and a save that lands in the instant between our
// last check and our rename is noticed on the replaced file and merged in.
func (w *Writer) Mutate(ctx context.Context, path string, fn func(old []byte) ([]byte, error)) error {
	return w.mutate(ctx, path, change{fn: fn})
}

// change is one write of mutate: fn is the read-modify-write; the rest
// is optional.
type change struct {
	fn func(old []byte) ([]byte, error)
	// delta, called after fn's last run, says what fn did to the entries
	// (nil: no entry changed), which spares parsing the file again to
	// update the journal.
	delta func() journalDelta
	// fast is tried first, under the lock (see fastWrite).
	fast fastWrite
	// locked runs after the change succeeded, while the file's lock is
	// still held: what the caller does there (index the change) happens in
	// the file's write order.
	locked func()
	// begin, when set, runs once the lock is held, before anything is
	// read: a change whose content is decided only then (a group commit
	// taking every entry queued while it waited) settles it here. An error
	// ends the change with nothing written.
	begin func() error
}

// fastWrite, when a writer has one, is tried under the file's lock before
// the read-modify-write: ok says it did the whole change (and next is the
// journal to keep), errInterfered that the slow path must follow.
type fastWrite func(d *memDir, base, jpath string, j journal, known bool) (next journal, ok bool, err error)

// mutate is Mutate with the options of a change.
func (w *Writer) mutate(ctx context.Context, path string, c change) (err error) {
	fn, delta, fast := c.fn, c.delta, c.fast
	if w == nil || w.Locks == nil {
		return errors.New("memfile: Writer has no Locks")
	}
	target, err := resolve(path)
	if err != nil {
		return err
	}
	root, ok := w.rootOf(target)
	if !ok {
		return fmt.Errorf("memory file %s %w (to %s): memtomem writes only inside them; remove the link or move the file", path, ErrOutsideRoots, target)
	}
	if afterCheck != nil {
		afterCheck(target)
	}
	unlock, err := w.Locks.Lock(ctx, target)
	if err != nil {
		return err
	}
	defer unlock()
	if c.begin != nil {
		if err := c.begin(); err != nil {
			return err
		}
	}
	if c.locked != nil {
		defer func() {
			if err == nil {
				c.locked()
			}
		}()
	}
	// From here on, the file is reached through its directory's descriptor
	// only (beneath.go).
	d, err := openMemDir(root, filepath.Dir(target))
	if err != nil {
		if err = outside(err, path); errors.Is(err, ErrOutsideRoots) {
			return err
		}
		return fmt.Errorf("memory dir for %s: %w", path, err)
	}
	defer d.close()
	base := filepath.Base(target)
	jpath := w.Locks.JournalFile(target)
	j, known := loadJournal(jpath)
	j = recoverAppend(d, base, jpath, j, known)
	if fast != nil {
		next, ok, err := fast(d, base, jpath, j, known)
		switch {
		case errors.Is(err, errInterfered):
		case err != nil:
			return err
		case ok:
			return keepJournal(jpath, next)
		}
	}
	j.decodeEntries()
	d.removeStaleTemps(base) // before our own temp: only the lock holder writes them
	settleBy := time.Now().Add(settleMax)
	for range maxAttempts {
		r, err := readSettled(ctx, d, base, j, known, settleBy)
		if err != nil {
			return err
		}
		old := r.data
		if known && r.state.exists && !j.State.matches(r.state) {
			if restored, ok := withEntries(r.data, j.missingFrom(r.data, time.Now())); ok {
				old = restored
			}
		}
		updated, err := fn(old)
		if err != nil {
			r.close()
			return err
		}
		if bytes.Equal(updated, r.data) {
			r.close()
			if r.state.exists && (!known || !j.State.matches(r.state)) {
				// Remember the outside program's save as the file's state, so
				// the next writer does not take it for a new one.
				next := j.next(r.data, r.data, r.state, time.Now())
				next.Tail = tailOf(r.data)
				_ = saveJournal(jpath, next)
			}
			return nil
		}
		now, displaced, raced, err := replace(d, base, r.state, updated)
		if err != nil || raced {
			r.close()
			if err != nil {
				return err
			}
			continue
		}
		if known && r.state.exists && j.State.matches(r.state) || !r.state.exists && len(j.Entries) == 0 {
			// Ours was the last write: the journal needs only what fn did.
			var d journalDelta
			if delta != nil {
				d = delta()
			}
			j = j.apply(d, now, time.Now())
		} else {
			j = j.next(r.data, updated, now, time.Now())
		}
		known = true
		// An outside program's save that landed between our last check and
		// the rename is either in the inode we read (written in place) or in
		// the file our rename displaced (renamed into place): it would be
		// lost with it. Take that save as the file's content and put our
		// entries back into it.
		lost, changed, err := savedInto(ctx, r.f, r.state, settleBy)
		if displaced != nil {
			lost, changed, err = savedInto(ctx, displaced, fileState{}, settleBy)
			displaced.Close()
		}
		r.close()
		if err != nil {
			return err
		}
		if !changed {
			j.Tail = tailOf(updated)
			return keepJournal(jpath, j)
		}
		merged, _ := withEntries(lost, j.missingFrom(lost, time.Now()))
		now2, displaced2, raced, err := replace(d, base, now, merged)
		if displaced2 != nil {
			displaced2.Close() // a third save within microseconds: the next round sees it
		}
		if err != nil {
			return err
		}
		if !raced && displaced2 == nil {
			next := j.next(lost, merged, now2, time.Now())
			next.Tail = tailOf(merged)
			return keepJournal(jpath, next)
		}
		if !raced {
			j = j.next(lost, merged, now2, time.Now())
		}
		// The file changed yet again: the next round reads and merges it.
	}
	return fmt.Errorf("%w: memory file %s kept changing while we wrote it (another program is writing it without memtomem's lock); retry the operation", coord.ErrBusy, path)
}

// Heal brings a memory file in line with the journal without changing it
// otherwise: after an outside program saved it, entries of ours the save
// dropped without having seen them are put back. The indexer calls it before
// indexing a memory file that changed on disk.
func (w *Writer) Heal(ctx context.Context, path string) error {
	err := w.Mutate(ctx, path, func(old []byte) ([]byte, error) { return old, nil })
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// resolve gives the file's canonical path (fspath), so the lock, the write
// and the index all name one file; a symlinked memory file is followed to
// its target, because renaming over the link would turn it into a plain
// file. A link whose target is gone is refused rather than replaced.
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("memory file %s: %w", path, err)
	}
	if fi, err := os.Lstat(abs); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if _, err := filepath.EvalSymlinks(abs); err != nil {
			return "", fmt.Errorf("memory file %s is a symlink that cannot be followed: %w", path, err)
		}
	}
	return fspath.Canonical(abs)
}

// Settling: an outside write younger than settleQuiet may be an editor
// between truncating the file and writing it, so the writer waits until the
// file has been left alone that long, for at most settleMax. (settleQuiet is
// a variable only so that sequential tests of the journal can skip waits.)
var settleQuiet = 100 * time.Millisecond

const (
	settleMax  = 2 * time.Second
	settlePoll = 10 * time.Millisecond
)

// readResult is the file as read, with the descriptor kept open so that a
// write into this inode after our rename can still be seen and read.
type readResult struct {
	data  []byte
	state fileState
	f     *os.File // nil when the file did not exist
}

func (r readResult) close() {
	if r.f != nil {
		r.f.Close()
	}
}

// readSettled reads the file, first waiting for it to settle when it was
// written by someone else (it does not match the journal) very recently. A
// file still being rewritten at deadline is not used: replacing it could
// keep half of an editor's save, so the caller gets a retryable busy error.
func readSettled(ctx context.Context, d *memDir, base string, j journal, known bool, deadline time.Time) (readResult, error) {
	path := d.name(base)
	for {
		r, err := readState(d, base)
		if err != nil || !r.state.exists || (known && j.State.matches(r.state)) {
			return r, err
		}
		age := time.Since(r.state.mtime)
		if age >= settleQuiet {
			return r, nil
		}
		r.close()
		if !time.Now().Before(deadline) {
			return readResult{}, fmt.Errorf("%w: memory file %s keeps being rewritten by another program (a text editor saving it?); retry the operation", coord.ErrBusy, path)
		}
		if err := wait.Sleep(ctx, min(settleQuiet-age+settlePoll, time.Until(deadline)+settlePoll)); err != nil {
			return readResult{}, err
		}
	}
}

// savedInto reports whether the file open as f was written since it was in
// state read (any write, when read is the zero state) and, if so, returns
// its content once it has settled. Past the deadline the content is taken
// as it is: our file already replaced it, so waiting longer could only lose
// more of it.
func savedInto(ctx context.Context, f *os.File, read fileState, deadline time.Time) ([]byte, bool, error) {
	if f == nil {
		return nil, false, nil
	}
	if least := time.Now().Add(settleQuiet + settlePoll); deadline.Before(least) {
		deadline = least
	}
	for {
		fi, err := f.Stat()
		if err != nil {
			return nil, false, nil
		}
		st := stateOf(fi)
		if st.same(read) {
			return nil, false, nil
		}
		if age := time.Since(st.mtime); age < settleQuiet && time.Now().Before(deadline) {
			if err := wait.Sleep(ctx, settleQuiet-age+settlePoll); err != nil {
				return nil, false, err
			}
			continue
		}
		data, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<62))
		if err != nil {
			return nil, false, fmt.Errorf("read memory file saved during our write: %w", err)
		}
		return data, true, nil
	}
}

// readState stats the open file before reading it, so a write that lands
// while we read also shows up as a change. The file stays open (see
// readResult).
func readState(d *memDir, base string) (readResult, error) {
	path := d.name(base)
	f, err := d.root.Open(base)
	if errors.Is(err, fs.ErrNotExist) {
		return readResult{}, nil
	}
	if err != nil {
		return readResult{}, fmt.Errorf("read memory file: %w", outside(err, path))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return readResult{}, fmt.Errorf("read memory file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return readResult{}, fmt.Errorf("memory file %s is not a regular file", path)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return readResult{}, fmt.Errorf("read memory file %s: %w", path, err)
	}
	return readResult{data: data, state: stateOf(fi), f: f}, nil
}

func statState(d *memDir, base string) (fileState, error) {
	fi, err := d.root.Stat(base)
	if errors.Is(err, fs.ErrNotExist) {
		return fileState{}, nil
	}
	if err != nil {
		return fileState{}, outside(err, d.name(base))
	}
	return stateOf(fi), nil
}

// replace writes data over path atomically unless path no longer matches
// was, in which case it writes nothing and reports raced. It returns the
// state of the file it put in place. A window remains between the final
// check and the rename; only the lock could close it, and outside editors do
// not take it. So Mutate looks afterwards at the inode it read (an in-place
// save into it) and at displaced (a save renamed into place meanwhile).
func replace(d *memDir, base string, was fileState, data []byte) (now fileState, displaced *os.File, raced bool, err error) {
	path := d.name(base)
	tmp, tmpName, err := d.createTemp(base)
	if err != nil {
		return fileState{}, nil, false, fmt.Errorf("write memory file %s: %w", path, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			d.root.Remove(tmpName)
		}
	}()
	// A new memory file is private (0600, which no umask that leaves its
	// owner able to read it makes looser); an existing one keeps its mode.
	mode := fs.FileMode(0o600)
	if was.exists {
		mode = was.mode.Perm()
	}
	if err := tmp.Chmod(mode); err != nil {
		return fileState{}, nil, false, fmt.Errorf("write memory file %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fileState{}, nil, false, fmt.Errorf("write memory file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fileState{}, nil, false, fmt.Errorf("sync memory file %s: %w", path, err)
	}
	// The state we put in place is our inode's, taken from the descriptor:
	// a stat of the path after the rename could already see an outside
	// program's save, and the journal would then vouch for it as ours.
	fi, err := tmp.Stat()
	if err != nil {
		return fileState{}, nil, false, fmt.Errorf("stat memory file %s: %w", path, err)
	}
	now = stateOf(fi)
	if err := tmp.Close(); err != nil {
		return fileState{}, nil, false, fmt.Errorf("write memory file %s: %w", path, err)
	}
	hook("after-temp-write")
	cur, err := statState(d, base)
	if err != nil {
		return fileState{}, nil, false, fmt.Errorf("stat memory file %s: %w", path, err)
	}
	if !cur.same(was) {
		return fileState{}, nil, true, nil
	}
	hook("before-rename")
	displaced, err = putInPlace(d, tmpName, base, was)
	if err != nil {
		if errors.Is(err, errRaced) {
			return fileState{}, nil, true, nil
		}
		return fileState{}, nil, false, fmt.Errorf("replace memory file %s: %w", path, err)
	}
	renamed = true
	if err := atomicfile.SyncOpenDir(d.f); err != nil {
		if displaced != nil {
			displaced.Close()
		}
		return fileState{}, nil, false, err
	}
	return now, displaced, false, nil
}

var errRaced = errors.New("the file appeared while we wrote it")

// putInPlace renames tmp to path. Where the filesystem can, it swaps the two
// names instead, so that whatever path held at that instant can be looked at
// afterwards: if it is not the file we read (an editor renamed its save into
// place after our last check), it is returned, open, for the caller to merge
// rather than lose. A path that did not exist must still not exist.
func putInPlace(d *memDir, tmp, base string, was fileState) (displaced *os.File, err error) {
	if !was.exists {
		ok, exists, err := renameNew(d.f, tmp, base)
		switch {
		case err != nil:
			return nil, err
		case exists:
			return nil, errRaced
		case ok:
			return nil, nil
		}
		return nil, d.root.Rename(tmp, base)
	}
	ok, err := swapNames(d.f, tmp, base)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, d.root.Rename(tmp, base)
	}
	// tmp now names what base held (opened beneath d: had someone put a
	// link out there at that instant, it is not followed).
	f, openErr := d.root.Open(tmp)
	d.root.Remove(tmp)
	if openErr != nil {
		return nil, nil
	}
	if fi, err := f.Stat(); err == nil {
		if st := stateOf(fi); st.ino == was.ino && st.dev == was.dev {
			f.Close() // the file we read; Mutate watches it through its own descriptor
			return nil, nil
		}
	}
	return f, nil
}

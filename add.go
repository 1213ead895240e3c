package memtomem

import (
	"github.com/memtomem/memtomem/internal/store"

	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/dayfile"
	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/index"
	"github.com/memtomem/memtomem/internal/memfile"
)

// MaxContentChars bounds one memory; longer text belongs in a file that is
// indexed, not in a single entry.
const MaxContentChars = 100_000

// AddRequest is one new memory.
type AddRequest struct {
	Content   string
	Title     string
	Tags      []string
	Namespace string
	// File is a markdown file inside a memory directory (relative paths are
	// taken from the first one); empty means today's day file.
	File string
	// IdempotencyKey makes a retried add (after a timeout or a crash) a
	// no-op: the same key always yields the same entry, written once.
	IdempotencyKey string
	// EntryID, when set, is the id the entry gets (import keeps ids); an
	// entry with this id that already exists is returned, not written again.
	EntryID string
	// Created overrides the creation time (import keeps times).
	Created time.Time
}

// AddResult says where the memory went.
type AddResult struct {
	EntryID   string    `json:"entry_id"`
	File      string    `json:"file"`
	Namespace string    `json:"namespace"`
	Created   time.Time `json:"created"`
	ChunkIDs  []string  `json:"chunk_ids"`
	// Added is false when an entry with the same id was already there (a
	// retried write); nothing was written twice.
	Added bool `json:"added"`
	// Warnings say what went only partly well: the memory is saved and
	// keyword-searchable, but e.g. got no vector, or had a credential
	// redacted.
	Warnings []string `json:"warnings,omitempty"`
	// Redacted lists the credentials replaced by [REDACTED:<rule>]
	// (security.secrets = redact).
	Redacted []Redaction `json:"redacted,omitempty"`
}

// Add appends a memory entry to its markdown file and indexes the file before
// returning, so the memory is searchable as soon as Add returns.
func (m *Memory) Add(ctx context.Context, req AddRequest) (AddResult, error) {
	if err := m.guard(ctx); err != nil {
		return AddResult{}, err
	}
	if err := m.writable(); err != nil {
		return AddResult{}, err
	}
	a, err := m.prepareAdd(ctx, req)
	if err != nil || a.answered {
		return a.res, err
	}
	p, lead := m.enqueueAdd(a.path, a.ns, a.entry)
	m.awaitAdd(ctx, p, lead)
	return m.finishAdd(ctx, a, p)
}

// preparedAdd is an add checked and given its file, ready to be queued;
// answered says it needs no writing (an entry an earlier attempt wrote:
// res is the answer).
type preparedAdd struct {
	entry    memfile.Entry
	ns, path string
	redacted []Redaction
	answered bool
	res      AddResult
}

// prepareAdd does everything of an add before its write: the checks, the
// look for an earlier attempt's entry, and the choice of file.
func (m *Memory) prepareAdd(ctx context.Context, req AddRequest) (preparedAdd, error) {
	var a preparedAdd
	var err error
	a.entry, a.ns, a.redacted, err = m.newEntry(req)
	if err != nil {
		return a, err
	}
	ns := a.ns
	id := a.entry.ID
	if id != "" {
		prev, ok, err := m.indexedEntry(ctx, id)
		if err != nil || ok {
			a.answered, a.res = true, prev
			return a, err
		}
	}
	if a.path, a.ns, err = m.memoryFile(ctx, req.File, a.ns, req.Namespace == "", len(a.entry.Body)+len(a.entry.Title)); err != nil {
		return a, err
	}
	if id != "" {
		prev, ok, err := m.unindexedEntry(ctx, id, req.File, ns, a.path)
		if err != nil || ok {
			a.answered, a.res = true, prev
			return a, err
		}
	}
	// A new file's namespace frontmatter goes in with the batch's append
	// (commitBatch), under the same lock turn.
	if err := ctx.Err(); err != nil {
		return a, nothingWritten(err)
	}
	return a, m.roomToAdd(a.path)
}

// finishAdd turns a queued add's outcome into its result.
func (m *Memory) finishAdd(ctx context.Context, a preparedAdd, done *pendingAdd) (AddResult, error) {
	if done.writeErr != nil {
		return AddResult{}, nothingWritten(wrapStore(done.writeErr))
	}
	entry, path := done.got, a.path
	// From here on the memory is on disk: an error still returns res with
	// the entry's id and file, so a caller (a batch) can say it was stored.
	res := AddResult{EntryID: entry.ID, File: path, Namespace: a.ns, Created: entry.Created, Added: done.added, Redacted: a.redacted}
	if len(a.redacted) > 0 {
		res.Warnings = append(res.Warnings, redactionNote(a.redacted))
	}
	fr, err := done.fr, done.indexErr
	if err != nil {
		// Retrying is safe: an add with the same id (or idempotency key)
		// finds the saved entry and indexes it instead of writing it twice.
		return res, wrapStore(fmt.Errorf("the memory was saved to %s as entry %s but indexing it failed (retry the add with the same idempotency_key, or run mm index %s): %w", path, entry.ID, filepath.Dir(path), err))
	}
	if fr.EmbedErr != nil {
		res.Warnings = append(res.Warnings, "saved and keyword-searchable, but not embedded: "+fr.EmbedErr.Error())
	}
	for _, c := range fr.Chunks {
		if c.EntryID == entry.ID {
			res.ChunkIDs = append(res.ChunkIDs, c.ID)
		}
	}
	if len(res.ChunkIDs) == 0 {
		res.ChunkIDs, err = m.entryChunkIDs(ctx, path, entry.ID)
	}
	return res, wrapStore(err)
}

// roomToAdd refuses an add while the disk holding the memory file or the
// database is full (coord.ProbeDisk). An append writes only its entry's
// bytes, which a nearly full disk may still take before the database then
// refuses the index: the memory would be saved yet unsearchable, and the
// caller told it failed. One statfs each.
func (m *Memory) roomToAdd(path string) error {
	dirs := []string{filepath.Dir(path)}
	if local, ok := m.store.(store.LocalDB); ok {
		dirs = append(dirs, filepath.Dir(local.LocalFiles()[0]))
	}
	for _, dir := range dirs {
		if e := coord.ProbeDisk(dir); e != 0 {
			return &Error{Kind: KindUnavailable, Err: &DiskError{Errno: e, Dir: dir, NothingWritten: true}}
		}
	}
	return nil
}

// newEntry checks a new memory (Add's and import's rules, credentials
// included) and returns the entry to write, its namespace, and what was
// redacted from it (security.secrets = redact); nothing is written.
func (m *Memory) newEntry(req AddRequest) (memfile.Entry, string, []Redaction, error) {
	fail := func(err error) (memfile.Entry, string, []Redaction, error) { return memfile.Entry{}, "", nil, err }
	content := strings.TrimSpace(req.Content)
	switch {
	case content == "":
		return fail(invalidf("content is empty: give the text of the memory"))
	case !utf8.ValidString(content):
		return fail(invalidf("content is not valid UTF-8 text"))
	case utf8.RuneCountInString(content) > MaxContentChars:
		return fail(invalidf("content is %d characters, over the %d limit: split it, or save it as a file and run mm index on it", utf8.RuneCountInString(content), MaxContentChars))
	}
	title, reqTags := req.Title, append([]string(nil), req.Tags...)
	redacted, err := m.screenSecrets(&content, &title, reqTags)
	if err != nil {
		return fail(err)
	}
	if err := checkText(content, title); err != nil {
		return fail(err)
	}
	tags, err := validTags(reqTags)
	if err != nil {
		return fail(err)
	}
	ns := req.Namespace
	if ns == "" {
		ns = m.project
	}
	if ns == "" {
		ns = m.cfg.Search.DefaultNamespace
	}
	if err := config.ValidNamespace(ns); err != nil {
		return fail(invalidf("%v", err))
	}
	entryID, err := requestedID(req)
	if err != nil {
		return fail(err)
	}
	return memfile.Entry{
		Title: strings.TrimSpace(title),
		Meta:  memfile.Meta{Tags: tags, ID: entryID, Created: req.Created.UTC().Truncate(time.Second)},
		Body:  content,
	}, ns, redacted, nil
}

// requestedID is the entry id an add must use: the explicit one, or one
// derived from the idempotency key, so that every retry of the same call
// names the same entry.
func requestedID(req AddRequest) (string, error) {
	if req.EntryID != "" {
		if !memfile.ValidID(req.EntryID) {
			return "", invalidf("entry id %q: use up to 64 letters, digits, '-' or '_'", req.EntryID)
		}
		return req.EntryID, nil
	}
	if req.IdempotencyKey == "" {
		return "", nil
	}
	if len(req.IdempotencyKey) > 256 {
		return "", invalidf("idempotency_key is %d bytes; use at most 256", len(req.IdempotencyKey))
	}
	sum := sha256.Sum256([]byte("memtomem idempotency\x00" + req.IdempotencyKey))
	return hex.EncodeToString(sum[:6]), nil
}

// indexedEntry finds an entry written by an earlier attempt of the same
// add in the store, where it is in the usual case.
func (m *Memory) indexedEntry(ctx context.Context, entryID string) (AddResult, bool, error) {
	chunks, err := m.store.ChunksByEntry(ctx, entryID)
	if err != nil {
		return AddResult{}, false, wrapStore(err)
	}
	if len(chunks) == 0 {
		return AddResult{}, false, nil
	}
	res := AddResult{EntryID: entryID, File: chunks[0].Source, Namespace: chunks[0].Namespace, Created: chunks[0].CreatedAt}
	for _, c := range chunks {
		res.ChunkIDs = append(res.ChunkIDs, c.ID)
	}
	return res, true, nil
}

// unindexedEntry finds an entry an earlier attempt of the same add wrote
// but did not index (it crashed in between, or the entry's chunks were
// left out) in the day file it went to (today's or, across midnight,
// yesterday's), which is then indexed. The file the add writes to
// (target) is not read here: the append checks it under the file's lock,
// where no other writer can change it meanwhile, and writes an id the
// file already holds no second time (the entry is then indexed with the
// file). Reading it here raced every other process's appends, so under
// load most keyed adds read the whole day file.
func (m *Memory) unindexedEntry(ctx context.Context, entryID, file, ns, target string) (AddResult, bool, error) {
	var candidates []string
	if file != "" {
		p, err := m.explicitFile(file)
		if err != nil {
			return AddResult{}, false, err
		}
		candidates = append(candidates, p)
	} else {
		now := time.Now().UTC()
		for _, day := range []time.Time{now, now.Add(-24 * time.Hour)} {
			candidates = append(candidates, m.dayFileParts(day, ns)...)
		}
	}
	for _, p := range candidates {
		if p == target {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			continue // no such file (yesterday's, often): nothing to look at
		}
		if m.indexer.Complete(ctx, p) {
			continue // the store holds its ids, and the id is not among them
		}
		content, err := m.readFile(p)
		// An entry's id is written verbatim into its file ("> id: …" or
		// an "Entry <time> <id>" heading), so a file without the id's
		// bytes cannot hold the entry: a search for them spares parsing
		// a whole file that Complete cannot vouch for.
		if err != nil || !bytes.Contains(content, []byte(entryID)) {
			continue
		}
		for _, e := range memfile.Parse(content) {
			if e.ID != entryID {
				continue
			}
			if _, err := m.indexer.IndexFile(ctx, p, index.FileOptions{Namespace: ns}); err != nil {
				return AddResult{}, false, wrapStore(err)
			}
			ids, err := m.entryChunkIDs(ctx, p, entryID)
			return AddResult{EntryID: entryID, File: p, Namespace: ns, Created: e.Created, ChunkIDs: ids}, true, wrapStore(err)
		}
	}
	return AddResult{}, false, nil
}

// memoryFile resolves where an entry of size bytes goes, as the canonical
// path the store keys the file by, and the entry's namespace: an explicit
// file's own when the add named none (implied: ns is the project's or the
// default). Explicit files must stay inside a memory directory: an agent
// must not be able to write anywhere on disk.
func (m *Memory) memoryFile(ctx context.Context, file, ns string, implied bool, size int) (string, string, error) {
	if file == "" {
		return m.dayFile(time.Now().UTC(), ns, size), ns, nil
	}
	path, err := m.explicitFile(file)
	if err != nil {
		return "", "", err
	}
	// A file holds the memories of one namespace, recorded in the file, so
	// that a re-index or a rebuild puts every entry back where it was added.
	content, err := m.readFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("read %s: %w", path, err)
	}
	if len(bytes.TrimSpace(content)) > 0 {
		if has := m.indexer.FileNamespace(path, content); has != ns && implied {
			ns = has
		} else if has != ns {
			return "", "", invalidf("file %s holds memories of namespace %q, not %q: add to it with namespace %q, or give another file (or none) for namespace %q", path, has, ns, has, ns)
		}
	}
	return path, ns, nil
}

// explicitFile checks a file an add names and makes it absolute.
func (m *Memory) explicitFile(file string) (string, error) {
	if !filepath.IsAbs(file) {
		file = filepath.Join(m.cfg.MemoryDir(), file)
	}
	file = filepath.Clean(file)
	if ext := strings.ToLower(filepath.Ext(file)); ext != ".md" && ext != ".markdown" {
		return "", invalidf("file %s: memories are written to markdown files; use a name ending in .md", file)
	}
	// The test is on the canonical path, so a symlink inside a memory
	// directory that leads out of it does not count as inside.
	canon := fspath.MustCanonical(file)
	if !m.inMemoryDir(canon) {
		return "", invalidf("file %s is outside the memory directories (%s); give a path inside one, or add its folder to indexing.memory_dirs", file, strings.Join(m.cfg.Indexing.MemoryDirs, ", "))
	}
	file = canon
	if info, err := os.Stat(file); err == nil && !info.Mode().IsRegular() {
		return "", invalidf("file %s is not a regular file", file)
	}
	return file, nil
}

// namespaceHeader is the frontmatter that records namespace ns in a new
// (or blank) file at path, nil when the file needs none: only a file of
// namespace "default" that would be read as "default" anyway goes
// without. A day file's name records its namespace too, but the name is
// lost if the file is moved or renamed. A file that already holds text
// keeps it as it is (memoryFile checked its namespace).
func (m *Memory) namespaceHeader(path, ns string) []byte {
	if ns == dayfile.Default && m.indexer.FileNamespace(path, nil) == ns {
		return nil
	}
	return []byte(frontmatterBlock(ns))
}

// recordNamespace writes namespaceHeader into a new (or blank) file, for
// writers that do not append through the add queue (which writes it with
// the entries).
func (m *Memory) recordNamespace(ctx context.Context, path, ns string) error {
	header := m.namespaceHeader(path, ns)
	if header == nil {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() >= 64 {
		// The common case: the file holds entries and memoryFile checked
		// its namespace; no locked read-modify-write.
		return nil
	}
	err := m.writer.Mutate(ctx, path, func(old []byte) ([]byte, error) {
		if len(bytes.TrimSpace(old)) > 0 {
			return old, nil
		}
		return header, nil
	})
	return wrapStore(err)
}

// frontmatterBlock is the frontmatter that records a file's namespace. The
// value is quoted so YAML reads names like "2026" or "yes" as strings.
func frontmatterBlock(ns string) string {
	return "---\n" + frontmatterLine(ns) + "\n---\n"
}

func frontmatterLine(ns string) string { return "namespace: " + strconv.Quote(ns) }

// DayFileRollBytes is the size at which a day file rolls over to its next
// part (2026-12-01.2.md, …): day files stay small enough to edit, to diff
// and to index quickly, however much is written in one day.
const DayFileRollBytes = 1 << 20

// dayFileRollBytes is DayFileRollBytes, lowered by tests.
var dayFileRollBytes int64 = DayFileRollBytes

// dayFile is where an entry of about size bytes goes on day: the day's
// newest part for ns, or the next part once that one would pass
// DayFileRollBytes. Processes that roll over at once agree on the new part,
// since each takes the first part with room.
func (m *Memory) dayFile(day time.Time, ns string, size int) string {
	parts := m.dayFileParts(day, ns)
	last := parts[len(parts)-1]
	if fi, err := os.Stat(last); err == nil && fi.Size() > 0 && fi.Size()+int64(size) > dayFileRollBytes {
		return fspath.MustCanonical(filepath.Join(m.cfg.MemoryDir(), dayfile.Name(day, ns, len(parts)+1)))
	}
	return last
}

// dayFileParts lists the day's files for ns that exist, in order; at least
// the first part, existing or not.
func (m *Memory) dayFileParts(day time.Time, ns string) []string {
	dir := fspath.MustCanonical(m.cfg.MemoryDir())
	first, _ := fspath.CanonicalChild(dir, dayfile.Name(day, ns, 1))
	parts := []string{first}
	for n := 2; ; n++ {
		p, ok := fspath.CanonicalChild(dir, dayfile.Name(day, ns, n))
		if !ok {
			return parts
		}
		parts = append(parts, p)
	}
}

func validTags(tags []string) ([]string, error) {
	tags = memfile.NormalizeTags(tags)
	if err := memfile.CheckTags(tags); err != nil {
		return nil, invalidf("%v", err)
	}
	return tags, nil
}

// checkText applies memfile's rules for content and title (no control
// characters, the title limit), so a bad request is refused before anything
// is written, with the position of the offending character.
func checkText(content, title string) error {
	if err := memfile.CheckText(content); err != nil {
		return invalidf("content: %v", err)
	}
	if err := memfile.CheckTitle(strings.TrimSpace(title)); err != nil {
		return invalidf("%v", err)
	}
	return nil
}

func (m *Memory) entryChunkIDs(ctx context.Context, path, entryID string) ([]string, error) {
	chunks, err := m.store.ChunksByEntry(ctx, entryID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range chunks {
		if c.Source == path {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

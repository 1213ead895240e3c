package memtomem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/memtomem/memtomem/internal/config"
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
	// keyword-searchable, but e.g. got no vector.
	Warnings []string `json:"warnings,omitempty"`
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
	var res AddResult
	content := strings.TrimSpace(req.Content)
	switch {
	case content == "":
		return res, invalidf("content is empty: give the text of the memory")
	case !utf8.ValidString(content):
		return res, invalidf("content is not valid UTF-8 text")
	case utf8.RuneCountInString(content) > MaxContentChars:
		return res, invalidf("content is %d characters, over the %d limit: split it, or save it as a file and run mm index on it", utf8.RuneCountInString(content), MaxContentChars)
	}
	tags, err := validTags(req.Tags)
	if err != nil {
		return res, err
	}
	ns := req.Namespace
	if ns == "" {
		ns = m.cfg.Search.DefaultNamespace
	}
	if err := config.ValidNamespace(ns); err != nil {
		return res, invalidf("%v", err)
	}
	entryID, err := requestedID(req)
	if err != nil {
		return res, err
	}
	if entryID != "" {
		if prev, ok, err := m.existingEntry(ctx, entryID, req.File, ns); err != nil || ok {
			return prev, err
		}
	}
	path, err := m.memoryFile(req.File, ns)
	if err != nil {
		return res, err
	}
	if ns != m.cfg.Search.DefaultNamespace && req.File == "" {
		// A namespace's day file says which namespace it is in, so that any
		// later re-index (by any process, or after a reset) puts it back there.
		err := m.writer.Mutate(ctx, path, func(old []byte) ([]byte, error) {
			if len(old) > 0 {
				return old, nil
			}
			return []byte(fmt.Sprintf("---\nnamespace: %s\n---\n", ns)), nil
		})
		if err != nil {
			return res, wrapStore(err)
		}
	}
	entry, added, err := m.writer.Append(ctx, path, memfile.Entry{
		Title: strings.TrimSpace(req.Title),
		Meta:  memfile.Meta{Tags: tags, ID: entryID, Created: req.Created.UTC().Truncate(time.Second)},
		Body:  content,
	})
	if err != nil {
		return res, wrapStore(err)
	}
	fr, err := m.indexer.IndexFile(ctx, path, index.FileOptions{Namespace: ns})
	if err != nil {
		return res, wrapStore(fmt.Errorf("the memory was saved to %s but indexing it failed (run mm index %s): %w", path, filepath.Dir(path), err))
	}
	res = AddResult{EntryID: entry.ID, File: path, Namespace: ns, Created: entry.Created, Added: added}
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

// existingEntry finds an entry written by an earlier attempt of the same
// add. It is indexed in the usual case; if that attempt crashed between
// writing the markdown and indexing it, the entry is found in the day file it
// went to (today's or, across midnight, yesterday's), which is then indexed.
func (m *Memory) existingEntry(ctx context.Context, entryID, file, ns string) (AddResult, bool, error) {
	chunks, err := m.store.ChunksByEntry(ctx, entryID)
	if err != nil {
		return AddResult{}, false, wrapStore(err)
	}
	if len(chunks) > 0 {
		res := AddResult{EntryID: entryID, File: chunks[0].Source, Namespace: chunks[0].Namespace, Created: chunks[0].CreatedAt}
		for _, c := range chunks {
			res.ChunkIDs = append(res.ChunkIDs, c.ID)
		}
		return res, true, nil
	}
	var candidates []string
	if file != "" {
		p, err := m.memoryFile(file, ns)
		if err != nil {
			return AddResult{}, false, err
		}
		candidates = append(candidates, p)
	} else {
		now := time.Now().UTC()
		for _, day := range []time.Time{now, now.Add(-24 * time.Hour)} {
			candidates = append(candidates, m.dayFile(day, ns))
		}
	}
	for _, p := range candidates {
		content, err := os.ReadFile(p)
		if err != nil {
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

// memoryFile resolves where an entry goes. Explicit files must stay inside a
// memory directory: an agent must not be able to write anywhere on disk.
func (m *Memory) memoryFile(file, ns string) (string, error) {
	dir := m.cfg.MemoryDir()
	if file == "" {
		return m.dayFile(time.Now().UTC(), ns), nil
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	file = filepath.Clean(file)
	if ext := strings.ToLower(filepath.Ext(file)); ext != ".md" && ext != ".markdown" {
		return "", invalidf("file %s: memories are written to markdown files; use a name ending in .md", file)
	}
	for _, d := range m.cfg.Indexing.MemoryDirs {
		if rel, err := filepath.Rel(d, file); err == nil && !strings.HasPrefix(rel, "..") {
			if info, err := os.Stat(file); err == nil && !info.Mode().IsRegular() {
				return "", invalidf("file %s is not a regular file", file)
			}
			return file, nil
		}
	}
	return "", invalidf("file %s is outside the memory directories (%s); give a path inside one, or add its folder to indexing.memory_dirs", file, strings.Join(m.cfg.Indexing.MemoryDirs, ", "))
}

// dayFile is where entries of one UTC day and namespace go.
func (m *Memory) dayFile(day time.Time, ns string) string {
	name := day.UTC().Format("2006-01-02")
	if ns != m.cfg.Search.DefaultNamespace {
		name += "--" + slug(ns)
	}
	return filepath.Join(m.cfg.MemoryDir(), name+".md")
}

// slug makes a namespace safe as part of a file name.
func slug(ns string) string {
	return strings.Map(func(r rune) rune {
		if r == ':' || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, ns)
}

func validTags(tags []string) ([]string, error) {
	tags = memfile.NormalizeTags(tags)
	for _, t := range tags {
		if len(t) > 64 || strings.ContainsAny(t, "\n\r,\"") {
			return nil, invalidf("tag %q: tags are up to 64 characters without commas, quotes or newlines", t)
		}
	}
	return tags, nil
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

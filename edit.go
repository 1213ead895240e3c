package memtomem

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/memtomem/memtomem/internal/index"
	"github.com/memtomem/memtomem/internal/memfile"
)

// EditRequest changes one memory entry, addressed by any of its chunk ids.
// Nil fields are left as they are.
type EditRequest struct {
	ChunkID string
	Content *string
	Title   *string
	Tags    *[]string
}

// EditResult says what changed.
type EditResult struct {
	File     string   `json:"file"`
	EntryID  string   `json:"entry_id,omitempty"`
	ChunkIDs []string `json:"chunk_ids"`
	// Redacted lists the credentials replaced by [REDACTED:<rule>]
	// (security.secrets = redact); Warnings says so in words.
	Redacted []Redaction `json:"redacted,omitempty"`
	Warnings []string    `json:"warnings,omitempty"`
}

// Edit rewrites the entry that holds a chunk: only that entry's lines in its
// markdown file change, then the file is re-indexed.
func (m *Memory) Edit(ctx context.Context, req EditRequest) (EditResult, error) {
	if err := m.guard(ctx); err != nil {
		return EditResult{}, err
	}
	if err := m.writable(); err != nil {
		return EditResult{}, err
	}
	if req.Content == nil && req.Title == nil && req.Tags == nil {
		return EditResult{}, invalidf("nothing to change: give new content, a title or tags")
	}
	var newTags []string
	if req.Tags != nil {
		newTags = append([]string(nil), *req.Tags...)
		req.Tags = &newTags
	}
	if req.Content != nil {
		c := *req.Content
		req.Content = &c
	}
	if req.Title != nil {
		t := *req.Title
		req.Title = &t
	}
	redacted, err := m.screenSecrets(req.Content, req.Title, newTags)
	if err != nil {
		return EditResult{}, err
	}
	if req.Content != nil {
		c := strings.TrimSpace(*req.Content)
		switch {
		case c == "":
			return EditResult{}, invalidf("new content is empty: to remove the memory, delete it instead")
		case !utf8.ValidString(c):
			return EditResult{}, invalidf("new content is not valid UTF-8 text")
		case utf8.RuneCountInString(c) > MaxContentChars:
			return EditResult{}, invalidf("new content is over the %d character limit", MaxContentChars)
		}
		if err := memfile.CheckText(c); err != nil {
			return EditResult{}, invalidf("new content: %v", err)
		}
		req.Content = &c
	}
	if req.Title != nil {
		if err := memfile.CheckTitle(strings.TrimSpace(*req.Title)); err != nil {
			return EditResult{}, invalidf("%v", err)
		}
	}
	var tags []string
	if req.Tags != nil {
		var err error
		if tags, err = validTags(*req.Tags); err != nil {
			return EditResult{}, err
		}
	}
	c, err := m.Read(ctx, req.ChunkID)
	if err != nil {
		return EditResult{}, err
	}
	if err := m.memoryWrite(req.ChunkID, c.Source); err != nil {
		return EditResult{}, err
	}
	entry, err := m.writer.Edit(ctx, c.Source, memfile.Selector{ID: c.EntryID, Line: c.StartLine, Text: c.Content}, func(e *memfile.Entry) error {
		if req.Content != nil {
			e.Body = *req.Content
		}
		if req.Title != nil {
			e.Title = strings.TrimSpace(*req.Title)
		}
		if req.Tags != nil {
			e.Tags = tags
		}
		return nil
	})
	if errors.Is(err, memfile.ErrMismatch) {
		return EditResult{}, mismatch(req.ChunkID, c.Source, err)
	}
	if errors.Is(err, memfile.ErrNotFound) {
		return EditResult{}, invalidf("chunk %s is not part of a memory entry (a \"## \" section) in %s: edit that file directly, then run mm index on it", req.ChunkID, c.Source)
	}
	if err != nil {
		return EditResult{}, nothingWritten(wrapStore(err))
	}
	res, err := m.reindexAfterEdit(ctx, c.Source, c.Namespace, entry.ID)
	if len(redacted) > 0 {
		res.Redacted, res.Warnings = redacted, []string{redactionNote(redacted)}
	}
	return res, err
}

// DeleteResult says what was removed.
type DeleteResult struct {
	File    string `json:"file"`
	EntryID string `json:"entry_id,omitempty"`
	Title   string `json:"title"`
}

// Delete removes the entry that holds a chunk from its markdown file and
// re-indexes the file.
func (m *Memory) Delete(ctx context.Context, chunkID string) (DeleteResult, error) {
	if err := m.guard(ctx); err != nil {
		return DeleteResult{}, err
	}
	if err := m.writable(); err != nil {
		return DeleteResult{}, err
	}
	c, err := m.Read(ctx, chunkID)
	if err != nil {
		return DeleteResult{}, err
	}
	if err := m.memoryWrite(chunkID, c.Source); err != nil {
		return DeleteResult{}, err
	}
	entry, err := m.writer.Delete(ctx, c.Source, memfile.Selector{ID: c.EntryID, Line: c.StartLine, Text: c.Content})
	if errors.Is(err, memfile.ErrMismatch) {
		return DeleteResult{}, mismatch(chunkID, c.Source, err)
	}
	if errors.Is(err, memfile.ErrNotFound) {
		return DeleteResult{}, invalidf("chunk %s is not part of a memory entry (a \"## \" section) in %s: edit that file directly, then run mm index on it", chunkID, c.Source)
	}
	if err != nil {
		return DeleteResult{}, nothingWritten(wrapStore(err))
	}
	if _, err := m.reindexAfterEdit(ctx, c.Source, c.Namespace, ""); err != nil {
		return DeleteResult{}, err
	}
	return DeleteResult{File: c.Source, EntryID: entry.ID, Title: entry.Title}, nil
}

// memoryWrite refuses to change a file outside the memory directories:
// memtomem writes only its own memory files. A chunk of an indexed note,
// README or source file is read-only, whoever asks (an agent's edit must
// never rewrite a user's project file), and so is another host's memory in
// a shared store (source //host/path): only that host has the file.
func (m *Memory) memoryWrite(chunkID, source string) error {
	if m.inMemoryDir(source) {
		return nil
	}
	if rest, ok := strings.CutPrefix(source, "//"); ok {
		host, _, _ := strings.Cut(rest, "/")
		return newError(KindRefused, "chunk %s is a memory of host %s in the shared store, and only that host has its file: edit it there (or add a corrected memory here); nothing was changed", chunkID, host)
	}
	return newError(KindRefused, "chunk %s is from %s, which is not in a memory directory (%s): memtomem changes only its memory files; edit that file directly, then run mm index on it",
		chunkID, source, strings.Join(m.cfg.Indexing.MemoryDirs, ", "))
}

// mismatch refuses an edit or delete whose chunk is not text of the entry
// it names in the file as it is now: the index is behind the file (or the
// chunk was made to claim another entry's id). Nothing was changed.
func mismatch(chunkID, source string, err error) error {
	return newError(KindRefused, "chunk %s is not part of the entry it names in %s (%v); nothing was changed: run mm index %s, search again and use the new chunk id", chunkID, source, err, source)
}

func (m *Memory) reindexAfterEdit(ctx context.Context, path, ns, entryID string) (EditResult, error) {
	res := EditResult{File: path, EntryID: entryID}
	if _, err := m.indexer.IndexFile(ctx, path, index.FileOptions{Namespace: ns, Written: true}); err != nil {
		return res, wrapStore(fmt.Errorf("the file %s was changed but re-indexing it failed (run mm index on it): %w", path, err))
	}
	if entryID != "" {
		ids, err := m.entryChunkIDs(ctx, path, entryID)
		if err != nil {
			return res, wrapStore(err)
		}
		res.ChunkIDs = ids
	}
	return res, nil
}

package memtomem

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/memtomem/memtomem/internal/index"
	"github.com/memtomem/memtomem/internal/memfile"
)

// ExportVersion is the version of the export format.
const ExportVersion = 1

// ExportRequest selects what to export; zero fields select everything.
type ExportRequest struct {
	Namespace    string
	Tags         []string
	Since, Until time.Time
	// Limit (0 = MaxImport, at most MaxImport) and Offset page through the
	// selected entries, oldest first: each page is one import's worth.
	Limit, Offset int
}

// Export is a portable copy of memory entries, read from the markdown (the
// source of truth), not from the index.
type Export struct {
	Version  int              `json:"version"`
	Exported time.Time        `json:"exported"`
	Memories []ExportedMemory `json:"memories"`
	// Total counts the selected entries of every page; NextOffset is where
	// the next page starts, when there is one.
	Total      int  `json:"total"`
	NextOffset *int `json:"next_offset,omitempty"`
}

// ExportedMemory is one entry.
type ExportedMemory struct {
	ID        string    `json:"id"`
	Title     string    `json:"title,omitempty"`
	Content   string    `json:"content"`
	Tags      []string  `json:"tags,omitempty"`
	Namespace string    `json:"namespace"`
	Created   time.Time `json:"created"`
	Source    string    `json:"source,omitempty"`
}

// ImportResult counts an import.
type ImportResult struct {
	Added   int      `json:"added"`
	Skipped int      `json:"skipped"` // already present (same id)
	Errors  []string `json:"errors,omitempty"`
	// Warnings say what was stored only in part (a redacted credential).
	Warnings []string `json:"warnings,omitempty"`
}

// Export returns the memory entries of the indexed memory files.
func (m *Memory) Export(ctx context.Context, req ExportRequest) (Export, error) {
	if err := m.guard(ctx); err != nil {
		return Export{}, err
	}
	out := Export{Version: ExportVersion, Exported: time.Now().UTC(), Memories: []ExportedMemory{}}
	if req.Limit == 0 {
		req.Limit = MaxImport
	}
	if req.Limit < 1 || req.Limit > MaxImport || req.Offset < 0 {
		return out, invalidf("limit must be between 1 and %d and offset 0 or more (got %d, %d): export a larger store a page at a time, with the next_offset each page gives", MaxImport, req.Limit, req.Offset)
	}
	filter, err := buildFilter(req.Namespace, req.Tags, "", req.Since, req.Until)
	if err != nil {
		return out, err
	}
	files, err := m.store.Files(ctx, "")
	if err != nil {
		return out, wrapStore(err)
	}
	wantNS := func(ns string) bool {
		if len(filter.Namespaces) == 0 {
			return true
		}
		for _, p := range filter.Namespaces {
			if ok, _ := filepath.Match(p, ns); ok {
				return true
			}
		}
		return false
	}
	for _, f := range files {
		if !m.indexer.InMemoryDir(f.Path) || !wantNS(f.Namespace) {
			continue
		}
		content, err := m.readFile(f.Path)
		if err != nil {
			continue
		}
		for _, e := range memfile.Parse(content) {
			if len(req.Tags) > 0 && !anyOf(e.Tags, req.Tags) {
				continue
			}
			if (!req.Since.IsZero() && e.Created.Before(req.Since)) || (!req.Until.IsZero() && !e.Created.Before(req.Until)) {
				continue
			}
			out.Memories = append(out.Memories, ExportedMemory{
				ID: e.ID, Title: e.Title, Content: e.Body, Tags: e.Tags,
				Namespace: f.Namespace, Created: e.Created, Source: f.Path,
			})
		}
	}
	sort.SliceStable(out.Memories, func(i, j int) bool { return out.Memories[i].Created.Before(out.Memories[j].Created) })
	out.Total = len(out.Memories)
	from, to := min(req.Offset, out.Total), min(req.Offset+req.Limit, out.Total)
	out.Memories = out.Memories[from:to]
	if to < out.Total {
		out.NextOffset = &to
	}
	return out, nil
}

// MaxImport bounds one import, so that one call's work and reply stay
// bounded; a larger export is imported in parts.
const MaxImport = 5000

// Import adds exported memories, keeping their ids, titles, tags,
// namespaces and creation times. Entries whose id is already present are
// skipped, so importing the same export twice adds nothing. It stops,
// keeping what it imported, when ctx ends (a cancelled call, a shutdown).
//
// The memories go to today's day files of their namespaces, as mem_add's
// do, but each file is written once (one locked write of all its new
// entries) and indexed once: appending and indexing them one by one
// re-read and re-chunked the growing file for every memory, so an import
// took time quadratic in its size.
func (m *Memory) Import(ctx context.Context, data Export) (ImportResult, error) {
	if err := m.guard(ctx); err != nil {
		return ImportResult{}, err
	}
	if err := m.writable(); err != nil {
		return ImportResult{}, err
	}
	res, groups, order, err := m.planImport(ctx, data)
	if err != nil {
		return res, err
	}
	done := 0
	for _, ns := range order {
		items := groups[ns]
		for len(items) > 0 {
			if err := ctx.Err(); err != nil {
				// Cancelled or shutting down: what was imported stays, and the
				// rest can be imported again (ids make it a no-op for the done part).
				res.Errors = append(res.Errors, fmt.Sprintf("stopped after %d of %d memories: %v; import again to finish (memories already imported are skipped)", done, len(data.Memories), err))
				return res, nil
			}
			n, err := m.importPart(context.WithoutCancel(ctx), ns, items, &res)
			if err != nil {
				return res, err
			}
			items, done = items[n:], done+n
		}
	}
	return res, nil
}

// CheckImport is an import's dry run: it applies every check Import does
// and counts what Import would add and skip, writing nothing. (A memory
// whose text the secret rules would redact counts as added, with the
// warning.)
func (m *Memory) CheckImport(ctx context.Context, data Export) (ImportResult, error) {
	if err := m.guard(ctx); err != nil {
		return ImportResult{}, err
	}
	res, groups, _, err := m.planImport(ctx, data)
	for _, items := range groups {
		for _, it := range items {
			res.Added++
			if len(it.redacted) > 0 {
				res.Warnings = append(res.Warnings, fmt.Sprintf("memory %d: %s", it.index, redactionNote(it.redacted)))
			}
		}
	}
	return res, err
}

// planImport checks an import's memories and leaves out those the store
// holds (by id) or that it gives twice, grouping the rest by namespace in
// the order they come.
func (m *Memory) planImport(ctx context.Context, data Export) (res ImportResult, groups map[string][]importItem, order []string, err error) {
	if data.Version != ExportVersion {
		return res, nil, nil, invalidf("export version %d is not supported (this mm reads version %d)", data.Version, ExportVersion)
	}
	if n := len(data.Memories); n > MaxImport {
		return res, nil, nil, invalidf("%d memories in one import, over the %d limit: split the export into parts (each part is safe to import again)", n, MaxImport)
	}
	groups = map[string][]importItem{}
	seen := map[string]bool{}
	for i, mem := range data.Memories {
		it, err := m.importItem(i, mem)
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("memory %d: %v", i, err))
			continue
		}
		if it.entry.ID != "" {
			if seen[it.entry.ID] {
				res.Skipped++ // given twice in this import
				continue
			}
			seen[it.entry.ID] = true
			chunks, err := m.store.ChunksByEntry(ctx, it.entry.ID)
			if err != nil {
				return res, nil, nil, wrapStore(err)
			}
			if len(chunks) > 0 {
				res.Skipped++
				continue
			}
		}
		if _, ok := groups[it.ns]; !ok {
			order = append(order, it.ns)
		}
		groups[it.ns] = append(groups[it.ns], it)
	}
	return res, groups, order, nil
}

// importItem is one checked memory of an import and its namespace.
type importItem struct {
	index    int
	ns       string
	entry    memfile.Entry
	redacted []Redaction // what security.secrets = redact took out
}

// importItem applies Add's checks to one exported memory.
func (m *Memory) importItem(i int, mem ExportedMemory) (importItem, error) {
	e, ns, redacted, err := m.newEntry(AddRequest{Content: mem.Content, Title: mem.Title, Tags: mem.Tags,
		Namespace: mem.Namespace, EntryID: mem.ID, Created: mem.Created})
	return importItem{index: i, ns: ns, entry: e, redacted: redacted}, err
}

// importPart writes a leading run of items (all of namespace ns) to one day
// file, as many as fit before it rolls over, indexes that file, and returns
// how many items it took. A failed write is the import's error; a failed
// index is reported in res and the next part goes on.
func (m *Memory) importPart(ctx context.Context, ns string, items []importItem, res *ImportResult) (int, error) {
	size := func(it importItem) int { return len(it.entry.Body) + len(it.entry.Title) + 64 }
	path := m.dayFile(time.Now().UTC(), ns, size(items[0]))
	var have int64
	if fi, err := os.Stat(path); err == nil {
		have = fi.Size()
	}
	n, total := 0, have
	for n < len(items) && (n == 0 || total+int64(size(items[n])) <= dayFileRollBytes) {
		total += int64(size(items[n]))
		n++
	}
	if err := m.recordNamespace(ctx, path, ns); err != nil {
		return 0, err
	}
	entries := make([]memfile.Entry, n)
	for i, it := range items[:n] {
		entries[i] = it.entry
	}
	_, added, err := m.writer.AppendAll(ctx, path, entries)
	if err != nil {
		return 0, wrapStore(fmt.Errorf("import into %s (memories %d to %d): %w; nothing of this part was written, and the earlier parts are imported: fix the cause and import again", path, items[0].index, items[n-1].index, err))
	}
	for i, a := range added {
		if a {
			res.Added++
			if r := items[i].redacted; len(r) > 0 {
				res.Warnings = append(res.Warnings, fmt.Sprintf("memory %d: %s", items[i].index, redactionNote(r)))
			}
		} else {
			res.Skipped++
		}
	}
	fr, err := m.indexer.IndexFile(ctx, path, index.FileOptions{Namespace: ns, Written: true})
	switch {
	case err != nil:
		res.Errors = append(res.Errors, fmt.Sprintf("memories %d to %d were saved to %s but indexing it failed (run mm index %s): %v", items[0].index, items[n-1].index, path, filepath.Dir(path), err))
	case fr.EmbedErr != nil:
		res.Errors = append(res.Errors, fmt.Sprintf("memories in %s are saved and keyword-searchable, but not embedded: %v", path, fr.EmbedErr))
	}
	return n, nil
}

func anyOf(have, want []string) bool {
	for _, w := range want {
		if contains(have, w) {
			return true
		}
	}
	return false
}

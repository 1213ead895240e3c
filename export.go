package memtomem

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/memtomem/memtomem/internal/memfile"
)

// ExportVersion is the version of the export format.
const ExportVersion = 1

// ExportRequest selects what to export; zero fields select everything.
type ExportRequest struct {
	Namespace    string
	Tags         []string
	Since, Until time.Time
}

// Export is a portable copy of memory entries, read from the markdown (the
// source of truth), not from the index.
type Export struct {
	Version  int              `json:"version"`
	Exported time.Time        `json:"exported"`
	Memories []ExportedMemory `json:"memories"`
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
	return out, nil
}

// MaxImport bounds one import: every memory is appended and indexed in
// turn, so a larger export is better imported in parts.
const MaxImport = 5000

// Import adds exported memories, keeping their ids, titles, tags,
// namespaces and creation times. Entries whose id is already present are
// skipped, so importing the same export twice adds nothing. It stops,
// keeping what it imported, when ctx ends (a cancelled call, a shutdown).
func (m *Memory) Import(ctx context.Context, data Export) (ImportResult, error) {
	if err := m.guard(ctx); err != nil {
		return ImportResult{}, err
	}
	if err := m.writable(); err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	if data.Version != ExportVersion {
		return res, invalidf("export version %d is not supported (this mm reads version %d)", data.Version, ExportVersion)
	}
	if n := len(data.Memories); n > MaxImport {
		return res, invalidf("%d memories in one import, over the %d limit: split the export into parts (each part is safe to import again)", n, MaxImport)
	}
	for i, mem := range data.Memories {
		if err := ctx.Err(); err != nil {
			// Cancelled or shutting down: what was imported stays, and the
			// rest can be imported again (ids make it a no-op for the done part).
			res.Errors = append(res.Errors, fmt.Sprintf("stopped after %d of %d memories: %v; import again to finish (memories already imported are skipped)", i, len(data.Memories), err))
			break
		}
		r, err := m.Add(ctx, AddRequest{
			Content: mem.Content, Title: mem.Title, Tags: mem.Tags, Namespace: mem.Namespace,
			EntryID: mem.ID, Created: mem.Created,
		})
		switch {
		case err != nil:
			res.Errors = append(res.Errors, fmt.Sprintf("memory %d: %v", i, err))
		case r.Added:
			res.Added++
			for _, w := range r.Warnings {
				res.Warnings = append(res.Warnings, fmt.Sprintf("memory %d: %s", i, w))
			}
		default:
			res.Skipped++
		}
	}
	return res, nil
}

func anyOf(have, want []string) bool {
	for _, w := range want {
		if contains(have, w) {
			return true
		}
	}
	return false
}

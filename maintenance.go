package memtomem

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/index"
	"github.com/memtomem/memtomem/internal/memfile"
	"github.com/memtomem/memtomem/internal/store"
)

// MaintenanceResult counts what a tag, namespace or cleanup operation did.
type MaintenanceResult struct {
	Files   int      `json:"files"`
	Entries int      `json:"entries"`
	Chunks  int      `json:"chunks"`
	Notes   []string `json:"notes,omitempty"`
}

// DefaultCountPage is the page size of the tag and namespace listings.
const DefaultCountPage = 100

// PageRequest asks for one page of a listing: at most Limit (0 = the
// listing's default, at most MaxPage) after skipping Offset.
type PageRequest struct {
	Limit, Offset int
}

// TagCounts pages through the chunk counts per tag, by tag name.
func (m *Memory) TagCounts(ctx context.Context, req PageRequest) (store.CountPage, error) {
	return m.counts(ctx, store.ByTag, req)
}

// NamespaceCounts pages through the chunk counts per namespace, by name.
func (m *Memory) NamespaceCounts(ctx context.Context, req PageRequest) (store.CountPage, error) {
	return m.counts(ctx, store.ByNamespace, req)
}

func (m *Memory) counts(ctx context.Context, of store.CountOf, req PageRequest) (store.CountPage, error) {
	if err := m.guard(ctx); err != nil {
		return store.CountPage{}, err
	}
	limit, err := checkPage(req.Limit, DefaultCountPage, req.Offset)
	if err != nil {
		return store.CountPage{}, err
	}
	page, err := m.store.Counts(ctx, store.CountQuery{Of: of, Limit: limit, Offset: req.Offset})
	return page, wrapStore(err)
}

// RenameTag renames a tag on every memory entry that carries it. The
// markdown is changed (entry "> tags:" lines), then the files re-indexed.
func (m *Memory) RenameTag(ctx context.Context, from, to string) (MaintenanceResult, error) {
	if err := m.guard(ctx); err != nil {
		return MaintenanceResult{}, err
	}
	if err := m.writable(); err != nil {
		return MaintenanceResult{}, err
	}
	if strings.TrimSpace(to) == "" {
		return MaintenanceResult{}, invalidf("new tag is empty: give a non-empty tag without commas, quotes or newlines")
	}
	if _, err := validTags([]string{to}); err != nil {
		return MaintenanceResult{}, invalidf("new tag: %v", err)
	}
	return m.retag(ctx, from, func(tags []string) []string {
		out := make([]string, 0, len(tags))
		for _, t := range tags {
			if t == from {
				t = strings.TrimSpace(to)
			}
			out = append(out, t)
		}
		return memfile.NormalizeTags(out)
	})
}

// DeleteTag removes a tag from every memory entry that carries it; the
// entries themselves stay.
func (m *Memory) DeleteTag(ctx context.Context, tag string) (MaintenanceResult, error) {
	if err := m.guard(ctx); err != nil {
		return MaintenanceResult{}, err
	}
	if err := m.writable(); err != nil {
		return MaintenanceResult{}, err
	}
	return m.retag(ctx, tag, func(tags []string) []string {
		var out []string
		for _, t := range tags {
			if t != tag {
				out = append(out, t)
			}
		}
		return out
	})
}

func (m *Memory) retag(ctx context.Context, tag string, change func([]string) []string) (MaintenanceResult, error) {
	var res MaintenanceResult
	if strings.TrimSpace(tag) == "" {
		return res, invalidf("tag is empty")
	}
	chunks, err := m.store.List(ctx, store.ListQuery{Filter: store.Filter{Tags: []string{tag}, IncludeArchive: true}, Limit: 1 << 30})
	if err != nil {
		return res, wrapStore(err)
	}
	if len(chunks) == 0 {
		return res, newError(KindNotFound, "no memory has the tag %q (mem_do tag_list shows the tags in use)", tag)
	}
	frontmatter := 0
	for _, src := range sources(chunks) {
		content, err := m.readFile(src.path)
		if err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: %v", src.path, err))
			continue
		}
		entries := memfile.Parse(content)
		// Bottom-up, so an edit never shifts the lines of entries still to do.
		changed := 0
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			if !contains(e.Tags, tag) {
				continue
			}
			_, err := m.writer.Edit(ctx, src.path, memfile.Selector{ID: e.ID, Line: e.StartLine}, func(x *memfile.Entry) error {
				x.Tags = change(x.Tags)
				return nil
			})
			if err != nil {
				return res, wrapStore(err)
			}
			changed++
		}
		if changed == 0 {
			frontmatter++
			continue
		}
		res.Files++
		res.Entries += changed
		fr, err := m.indexer.IndexFile(ctx, src.path, index.FileOptions{Namespace: src.namespace})
		if err != nil {
			return res, wrapStore(err)
		}
		res.Chunks += fr.Diff.Indexed + fr.Diff.Unchanged
	}
	if frontmatter > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d file(s) set the tag in their frontmatter; edit those by hand", frontmatter))
	}
	return res, nil
}

type sourceFile struct{ path, namespace string }

func sources(chunks []store.Chunk) []sourceFile {
	seen := map[string]bool{}
	var out []sourceFile
	for _, c := range chunks {
		if !seen[c.Source] {
			seen[c.Source] = true
			out = append(out, sourceFile{c.Source, c.Namespace})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RenameNamespace moves a namespace. Namespace day files record their
// namespace in frontmatter, which is rewritten so the change survives a
// rebuild; every other file keeps it in the index.
func (m *Memory) RenameNamespace(ctx context.Context, from, to string) (MaintenanceResult, error) {
	if err := m.guard(ctx); err != nil {
		return MaintenanceResult{}, err
	}
	if err := m.writable(); err != nil {
		return MaintenanceResult{}, err
	}
	var res MaintenanceResult
	if err := config.ValidNamespace(to); err != nil {
		return res, invalidf("new namespace: %v", err)
	}
	files, err := m.namespaceFiles(ctx, from)
	if err != nil {
		return res, err
	}
	if len(files) == 0 {
		return res, newError(KindNotFound, "namespace %q has nothing in it (mem_do ns_list shows the namespaces in use)", from)
	}
	var rewritten []string
	for _, f := range files {
		ok, err := m.rewriteNamespaceFrontmatter(ctx, f.Path, from, to)
		if err != nil {
			return res, wrapStore(err)
		}
		if ok {
			rewritten = append(rewritten, f.Path)
		}
	}
	n, err := m.store.RenameNamespace(ctx, from, to)
	if err != nil {
		return res, wrapStore(err)
	}
	for _, p := range rewritten {
		if _, err := m.indexer.IndexFile(ctx, p, index.FileOptions{Namespace: to, Written: true}); err != nil {
			return res, wrapStore(err)
		}
	}
	res.Files, res.Chunks = len(files), n
	return res, nil
}

// DeleteNamespace deletes a namespace: its own day files (those whose
// frontmatter names it, inside a memory directory) are removed from disk;
// any other file in it is only dropped from the index, since it is the
// user's file, and a later mm index brings it back.
func (m *Memory) DeleteNamespace(ctx context.Context, ns string) (MaintenanceResult, error) {
	if err := m.guard(ctx); err != nil {
		return MaintenanceResult{}, err
	}
	if err := m.writable(); err != nil {
		return MaintenanceResult{}, err
	}
	var res MaintenanceResult
	if ns == m.cfg.Search.DefaultNamespace {
		return res, invalidf("the default namespace %q cannot be deleted; delete its memories one by one", ns)
	}
	files, err := m.namespaceFiles(ctx, ns)
	if err != nil {
		return res, err
	}
	if len(files) == 0 {
		return res, newError(KindNotFound, "namespace %q has nothing in it (mem_do ns_list shows the namespaces in use)", ns)
	}
	kept := 0
	for _, f := range files {
		if !m.indexer.InMemoryDir(f.Path) || m.statedNamespace(f.Path) != ns {
			// Not the namespace's own file: out of the index only.
			kept++
			n, err := m.store.DeleteFile(ctx, f.Path)
			if err != nil {
				return res, wrapStore(err)
			}
			res.Files++
			res.Chunks += n
			continue
		}
		content, _ := m.readFile(f.Path)
		if err := m.writer.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, wrapStore(err)
		}
		res.Entries += len(memfile.Parse(content))
		// A process adding to the namespace right now may have recreated
		// the day file: IndexFile forgets it only if it is still gone.
		fr, err := m.indexer.IndexFile(ctx, f.Path, index.FileOptions{Namespace: ns})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, wrapStore(err)
		}
		res.Files++
		res.Chunks += fr.Diff.Deleted
	}
	if kept > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d indexed file(s) outside the namespace's day files were only removed from the index; they come back on re-index unless excluded", kept))
	}
	return res, nil
}

func (m *Memory) namespaceFiles(ctx context.Context, ns string) ([]store.File, error) {
	all, err := m.store.Files(ctx, "")
	if err != nil {
		return nil, wrapStore(err)
	}
	var out []store.File
	for _, f := range all {
		if f.Namespace == ns {
			out = append(out, f)
		}
	}
	return out, nil
}

// statedNamespace is the namespace a file's content and name give it ("" if
// it cannot be read).
func (m *Memory) statedNamespace(path string) string {
	content, err := m.readFile(path)
	if err != nil {
		return ""
	}
	return m.indexer.FileNamespace(path, content)
}

// frontmatterNamespace finds the "namespace: x" line of a leading
// frontmatter block and returns its value and byte span.
func frontmatterNamespace(content []byte) (string, int, int) {
	if !bytes.HasPrefix(content, []byte("---\n")) {
		return "", -1, -1
	}
	off := 4
	for off < len(content) {
		end := bytes.IndexByte(content[off:], '\n')
		if end < 0 {
			end = len(content) - off
		}
		line := string(content[off : off+end])
		if strings.TrimSpace(line) == "---" || strings.TrimSpace(line) == "..." {
			break
		}
		if v, ok := strings.CutPrefix(line, "namespace:"); ok {
			return strings.Trim(strings.TrimSpace(v), `"'`), off, off + end
		}
		off += end + 1
	}
	return "", -1, -1
}

func (m *Memory) rewriteNamespaceFrontmatter(ctx context.Context, path, from, to string) (bool, error) {
	changed := false
	err := m.writer.Mutate(ctx, path, func(old []byte) ([]byte, error) {
		ns, start, end := frontmatterNamespace(old)
		switch {
		case start >= 0 && ns == from:
			changed = true
			out := append([]byte{}, old[:start]...)
			out = append(out, frontmatterLine(to)...)
			return append(out, old[end:]...), nil
		case start < 0 && m.indexer.InMemoryDir(path) && m.indexer.FileNamespace(path, old) == from:
			// A day file that records its namespace only in its name (one
			// written by memtomem for Python): record the new one inside.
			changed = true
			if rest, ok := bytes.CutPrefix(old, []byte("---\n")); ok {
				return append([]byte("---\n"+frontmatterLine(to)+"\n"), rest...), nil
			}
			return append([]byte(frontmatterBlock(to)), old...), nil
		}
		changed = false
		return old, nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return changed, err
}

// CleanupOrphans drops index entries of files that no longer exist, and
// copies stored under a path that is not the file's canonical one.
func (m *Memory) CleanupOrphans(ctx context.Context) (MaintenanceResult, error) {
	if err := m.guard(ctx); err != nil {
		return MaintenanceResult{}, err
	}
	if err := m.writable(); err != nil {
		return MaintenanceResult{}, err
	}
	var res MaintenanceResult
	files, err := m.store.Files(ctx, "")
	if err != nil {
		return res, wrapStore(err)
	}
	for _, f := range files {
		if canon := fspath.MustCanonical(f.Path); canon != f.Path {
			// Stored under a spelling that is not canonical (indexed by a
			// version that did not resolve symlinks): a ghost copy. Drop
			// it, and make sure the file is indexed under its one path.
			n, err := m.store.DeleteFile(ctx, f.Path)
			if err != nil {
				return res, wrapStore(err)
			}
			res.Files++
			res.Chunks += n
			if _, err := m.indexer.IndexFile(ctx, canon, index.FileOptions{}); err != nil && !errors.Is(err, os.ErrNotExist) {
				res.Notes = append(res.Notes, err.Error())
			}
			continue
		}
		if _, err := os.Stat(f.Path); !errors.Is(err, os.ErrNotExist) {
			continue
		}
		// IndexFile asks again inside the write transaction, so a file
		// recreated meanwhile by another process is indexed, not dropped.
		fr, err := m.indexer.IndexFile(ctx, f.Path, index.FileOptions{})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, wrapStore(err)
		}
		if fr.Diff.Forgotten {
			res.Files++
			res.Chunks += fr.Diff.Deleted
		}
	}
	return res, nil
}

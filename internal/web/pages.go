package web

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

func (s *Server) ok(w http.ResponseWriter, r *http.Request, nav string, p page) {
	s.render(w, r, http.StatusOK, nav, p)
}

func (s *Server) memory(w http.ResponseWriter, r *http.Request) *memtomem.Memory {
	m, err := s.lazy.Get(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	return m
}

func parseTime(rfc3339 string) time.Time {
	t, _ := time.Parse(time.RFC3339, rfc3339)
	return t
}

func snippet(s string) string {
	if r := []rune(s); len(r) > 280 {
		return string(r[:280]) + "…"
	}
	return s
}

// body is a chunk's text without its first line when that line is the
// heading the page shows as its title.
func body(c view.Chunk) string {
	if n := len(c.Hierarchy); n > 0 {
		first, rest, _ := strings.Cut(c.Content, "\n")
		if _, title, ok := strings.Cut(first, " "); ok && strings.HasPrefix(first, "#") && strings.TrimSpace(title) == c.Hierarchy[n-1] {
			return strings.TrimSpace(rest)
		}
	}
	return c.Content
}

// chunkTitle is the heading a chunk is under, or for an untitled memory
// its first line, shortened.
func chunkTitle(c view.Chunk) string {
	if n := len(c.Hierarchy); n > 0 {
		return c.Hierarchy[n-1]
	}
	first, _, _ := strings.Cut(strings.TrimSpace(c.Content), "\n")
	if r := []rune(first); len(r) > 80 {
		first = string(r[:80]) + "…"
	}
	if first == "" {
		return filepath.Base(c.Source) + ":" + strconv.Itoa(c.StartLine)
	}
	return first
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// splitTags reads a comma-separated tag field.
func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// pager is the previous/next links of a listing.
type pager struct {
	Offset, Limit, Total int
	Prev, Next           string
}

func newPager(r *http.Request, offset, limit, total int) pager {
	p := pager{Offset: offset, Limit: limit, Total: total}
	link := func(o int) string {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(o))
		return r.URL.Path + "?" + q.Encode()
	}
	if offset > 0 {
		p.Prev = link(max(offset-limit, 0))
	}
	if offset+limit < total {
		p.Next = link(offset + limit)
	}
	return p
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := map[string]string{}
	for _, k := range []string{"q", "ns", "tags", "source", "since", "until", "k"} {
		f[k] = q.Get(k)
	}
	if strings.TrimSpace(f["q"]) == "" {
		s.ok(w, r, "search", searchView{form: f})
		return
	}
	m := s.memory(w, r)
	if m == nil {
		return
	}
	now := time.Now()
	since, err := memtomem.ParseTime(f["since"], now)
	if err != nil {
		s.fail(w, r, &memtomem.Error{Kind: memtomem.KindInvalid, Err: fmt.Errorf("since: %w", err)})
		return
	}
	until, err := memtomem.ParseTime(f["until"], now)
	if err != nil {
		s.fail(w, r, &memtomem.Error{Kind: memtomem.KindInvalid, Err: fmt.Errorf("until: %w", err)})
		return
	}
	resp, err := m.Search(r.Context(), memtomem.SearchRequest{Query: f["q"], TopK: atoi(f["k"]), Namespace: f["ns"],
		Tags: splitTags(f["tags"]), Source: f["source"], Since: since, Until: until})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	results := view.FromSearch(f["q"], resp)
	s.ok(w, r, "search", searchView{form: f, results: &results, legs: resp.Legs})
}

func (s *Server) sources(w http.ResponseWriter, r *http.Request) {
	m := s.memory(w, r)
	if m == nil {
		return
	}
	files, err := m.Files(r.Context(), "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	srcs, srcErr := m.Sources()
	v := sourcesView{files: files, sources: srcs, memoryDirs: m.Config().Indexing.MemoryDirs}
	if srcErr != nil {
		v.sourcesError = srcErr.Error()
	}
	s.ok(w, r, "sources", v)
}

const listPage = 50

// source lists the chunks of one file.
func (s *Server) source(w http.ResponseWriter, r *http.Request) {
	m := s.memory(w, r)
	if m == nil {
		return
	}
	path, offset := r.URL.Query().Get("path"), atoi(r.URL.Query().Get("offset"))
	page, err := m.List(r.Context(), memtomem.ListRequest{Source: path, Limit: listPage, Offset: offset})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, r, "sources", sourceView{path: path, chunks: view.Chunks(page.Chunks), pager: newPager(r, offset, listPage, page.Total)})
}

func (s *Server) chunk(w http.ResponseWriter, r *http.Request) {
	m := s.memory(w, r)
	if m == nil {
		return
	}
	c, err := m.Read(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := chunkView{chunk: view.FromChunk(c)}
	if c.EntryID != "" {
		// The form edits the whole entry as its markdown has it, not this
		// chunk's text (which carries the heading, and is only a part of
		// a long entry).
		e, err := m.Entry(r.Context(), c.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.entry = &e
	}
	s.ok(w, r, "chunk", v)
}

func (s *Server) memories(w http.ResponseWriter, r *http.Request) {
	m := s.memory(w, r)
	if m == nil {
		return
	}
	q := r.URL.Query()
	offset := atoi(q.Get("offset"))
	now := time.Now()
	since, err1 := memtomem.ParseTime(q.Get("since"), now)
	until, err2 := memtomem.ParseTime(q.Get("until"), now)
	if err1 != nil || err2 != nil {
		s.fail(w, r, &memtomem.Error{Kind: memtomem.KindInvalid, Err: fmt.Errorf("since/until: give a date (2026-11-01), a time or an age (7d)")})
		return
	}
	page, err := m.Recall(r.Context(), memtomem.RecallRequest{Since: since, Until: until, Namespace: q.Get("ns"),
		Tags: splitTags(q.Get("tag")), Limit: listPage, Offset: offset})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, r, "memories", memoriesView{chunks: view.Chunks(page.Chunks), pager: newPager(r, offset, listPage, page.Total),
		filter: map[string]string{"ns": q.Get("ns"), "tag": q.Get("tag"), "since": q.Get("since"), "until": q.Get("until")}})
}

func (s *Server) addMemory(w http.ResponseWriter, r *http.Request, m *memtomem.Memory) (string, error) {
	res, err := m.Add(r.Context(), memtomem.AddRequest{Content: formText(r, "content"), Title: strings.TrimSpace(r.PostFormValue("title")),
		Tags: splitTags(r.PostFormValue("tags")), Namespace: strings.TrimSpace(r.PostFormValue("namespace"))})
	if err != nil {
		return "", err
	}
	s.sessions.setFlash(r, note("Memory added to "+res.File, res.Warnings))
	if len(res.ChunkIDs) > 0 {
		return "/chunk/" + url.PathEscape(res.ChunkIDs[0]), nil
	}
	return "/memories", nil
}

// formText is a text field as typed: browsers send a textarea's line
// breaks as CRLF, which the markdown should not get.
func formText(r *http.Request, name string) string {
	return strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n")
}

func note(msg string, warnings []string) string {
	if len(warnings) > 0 {
		msg += " (" + strings.Join(warnings, "; ") + ")"
	}
	return msg
}

func (s *Server) editMemory(w http.ResponseWriter, r *http.Request, m *memtomem.Memory) (string, error) {
	req := memtomem.EditRequest{ChunkID: r.PathValue("id")}
	content, title, tags := formText(r, "content"), r.PostFormValue("title"), splitTags(r.PostFormValue("tags"))
	// Only what the form changed is sent: an untouched field stays as the
	// markdown has it (the hidden "was_" fields hold what the page showed).
	if content != formText(r, "was_content") {
		req.Content = &content
	}
	if title != r.PostFormValue("was_title") {
		req.Title = &title
	}
	if strings.Join(tags, ",") != strings.Join(splitTags(r.PostFormValue("was_tags")), ",") {
		req.Tags = &tags
	}
	if req.Content == nil && req.Title == nil && req.Tags == nil {
		s.sessions.setFlash(r, "Nothing changed.")
		return "/chunk/" + url.PathEscape(req.ChunkID), nil
	}
	res, err := m.Edit(r.Context(), req)
	if err != nil {
		return "", err
	}
	s.sessions.setFlash(r, note("Memory saved in "+res.File, res.Warnings))
	if len(res.ChunkIDs) > 0 {
		return "/chunk/" + url.PathEscape(res.ChunkIDs[0]), nil
	}
	return "/memories", nil
}

func (s *Server) deleteMemory(w http.ResponseWriter, r *http.Request, m *memtomem.Memory) (string, error) {
	res, err := m.Delete(r.Context(), r.PathValue("id"))
	if err != nil {
		return "", err
	}
	s.sessions.setFlash(r, fmt.Sprintf("Deleted %q from %s.", res.Title, res.File))
	return "/memories", nil
}

// counts lists tags or namespaces with their chunk counts.
func (s *Server) counts(of string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.memory(w, r)
		if m == nil {
			return
		}
		offset := atoi(r.URL.Query().Get("offset"))
		req := memtomem.PageRequest{Limit: memtomem.DefaultCountPage, Offset: offset}
		var page memtomem.CountPage
		var err error
		if of == "tags" {
			page, err = m.TagCounts(r.Context(), req)
		} else {
			page, err = m.NamespaceCounts(r.Context(), req)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.ok(w, r, of, countsView{of: of, page: page, pager: newPager(r, offset, memtomem.DefaultCountPage, page.Total)})
	}
}

func (s *Server) rename(of string) func(http.ResponseWriter, *http.Request, *memtomem.Memory) (string, error) {
	return func(w http.ResponseWriter, r *http.Request, m *memtomem.Memory) (string, error) {
		from, to := strings.TrimSpace(r.PostFormValue("from")), strings.TrimSpace(r.PostFormValue("to"))
		var res memtomem.MaintenanceResult
		var err error
		if of == "tags" {
			res, err = m.RenameTag(r.Context(), from, to)
		} else {
			res, err = m.RenameNamespace(r.Context(), from, to)
		}
		if err != nil {
			return "", err
		}
		s.sessions.setFlash(r, note(fmt.Sprintf("Renamed %q to %q: %d entries in %d files, %d chunks.", from, to, res.Entries, res.Files, res.Chunks), res.Notes))
		return "/" + of, nil
	}
}

func (s *Server) remove(of string) func(http.ResponseWriter, *http.Request, *memtomem.Memory) (string, error) {
	return func(w http.ResponseWriter, r *http.Request, m *memtomem.Memory) (string, error) {
		name := strings.TrimSpace(r.PostFormValue("name"))
		if of == "namespaces" && r.PostFormValue("confirm") != "yes" {
			// The form's checkbox: deleting a namespace deletes memories.
			return "", &memtomem.Error{Kind: memtomem.KindInvalid, Err: fmt.Errorf("deleting namespace %q deletes every memory in it: tick the box to confirm", name)}
		}
		var res memtomem.MaintenanceResult
		var err error
		if of == "tags" {
			res, err = m.DeleteTag(r.Context(), name)
		} else {
			res, err = m.DeleteNamespace(r.Context(), name)
		}
		if err != nil {
			return "", err
		}
		s.sessions.setFlash(r, note(fmt.Sprintf("Deleted %q: %d entries in %d files, %d chunks.", name, res.Entries, res.Files, res.Chunks), res.Notes))
		return "/" + of, nil
	}
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	m := s.memory(w, r)
	if m == nil {
		return
	}
	st, err := m.Status(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, r, "status", statusView{status: view.FromStatus(st), indexer: m.IndexerPID(r.Context())})
}

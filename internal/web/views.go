package web

import (
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

// The pages' bodies, one type each, written through doc (see doc.go).

type loginView struct{ message string }

func (loginView) title() string { return "Log in" }

func (v loginView) body(d *doc) {
	d.raw("<h1>Log in</h1>\n")
	if v.message != "" {
		d.raw(`<p class="error">`).text(v.message).raw("</p>\n")
	}
	d.raw(`<p>Open the one-time login link that <code>mm web</code> printed when it started
(<code>http://…/login?t=…</code>); each link works once. Or paste the token
from the token file (by default <code>~/.memtomem/http-token</code>, shared with <code>mm serve --http</code>):</p>
<form method="post" action="/login" class="row">
  <input type="password" name="token" autocomplete="off" placeholder="token" aria-label="token" required>
  <button>Log in</button>
</form>
`)
}

type refusedView struct {
	status  int
	message string
	login   bool // the browser has no session: say how to get one
}

func (refusedView) title() string { return "Refused" }

func (v refusedView) body(d *doc) {
	if v.login {
		d.raw("<h1>Not logged in</h1>\n")
	} else {
		d.raw("<h1>Refused (").num(v.status).raw(")</h1>\n")
	}
	d.raw(`<p class="error">`).text(v.message).raw("</p>\n")
	if v.login {
		d.raw("<p>Open the one-time login link printed by <code>mm web</code>, or <a href=\"/login\">log in with the token</a>.</p>\n")
	}
}

type errorView struct {
	status  int
	message string
}

func (errorView) title() string { return "Error" }

func (v errorView) body(d *doc) {
	d.raw("<h1>Could not do that (").num(v.status).raw(")</h1>\n<p class=\"error\">").text(v.message).
		raw("</p>\n<p><a href=\"javascript:history.back()\">Back</a></p>\n")
}

type searchView struct {
	form    map[string]string // the query and filters as typed
	results *view.Search      // nil before a query
	legs    []string
}

func (searchView) title() string { return "Search" }

func (v searchView) body(d *doc) {
	f := v.form
	d.raw(`<form method="get" action="/search" class="search">
  <input type="search" name="q" value="`).text(f["q"]).raw(`" placeholder="search your memory" aria-label="query" autofocus>
  <button>Search</button>
  <details`)
	if f["ns"]+f["tags"]+f["source"]+f["since"]+f["until"]+f["k"] != "" {
		d.raw(` open`)
	}
	d.raw(">\n    <summary>filters</summary>\n    <div class=\"filters\">\n")
	field := func(label markup, name, placeholder markup, extra markup) {
		d.raw(`      <label>`).raw(label).raw(` <input name="`).raw(name).raw(`" value="`).text(f[string(name)]).raw(`"`).raw(extra).
			raw(` placeholder="`).raw(placeholder).raw("\"></label>\n")
	}
	field("namespace", "ns", "work, proj:*", "")
	field("tags", "tags", "a, b (any)", "")
	field("source", "source", "path or glob", "")
	field("since", "since", "2026-11-01 or 7d", "")
	field("until", "until", "date or age", "")
	field("results", "k", "10", ` size="3"`)
	d.raw("    </div>\n  </details>\n</form>\n")
	r := v.results
	if r == nil {
		return
	}
	n := len(r.Results)
	d.raw(`<p class="meta">`).num(n).raw(" ").text(plural(n, "result", "results")).raw(" · legs: ").text(strings.Join(v.legs, ", "))
	if u := r.Unreachable; u != nil {
		d.raw(` · <span class="error">`).text(u.Provider).raw(" unreachable since ").text(localDate(u.Since)).raw(": keyword results only</span>")
	}
	d.raw("</p>\n")
	for _, h := range r.Hints {
		d.raw(`<p class="hint">`).text(h).raw("</p>\n")
	}
	d.raw("<ol class=\"results\">\n")
	for _, res := range r.Results {
		c := res.Chunk
		d.raw("<li>\n  <div class=\"head\">\n    ")
		chunkLink(d, c)
		d.raw("\n    <span class=\"score\" title=\"score scale: ").text(res.ScoreScale).raw(`">`).
			text(strconv.FormatFloat(res.Score, 'g', 4, 64)). // BM25 on a small store scores around 1e-6
			raw(" <small>").text(res.ScoreScale).raw("</small></span>\n  </div>\n  <div class=\"meta\">").
			text(filepath.Base(c.Source)).raw(":").num(c.StartLine).raw("–").num(c.EndLine).raw(" · ").text(c.Namespace)
		tagList(d, c.Tags)
		d.raw(" · ").text(whenRFC(c.Created)).raw("</div>\n")
		snippetOf(d, c)
		d.raw("</li>\n")
	}
	d.raw("</ol>\n")
}

type sourcesView struct {
	files        []memtomem.IndexedFile
	sources      []memtomem.Source
	memoryDirs   []string
	sourcesError string
}

func (sourcesView) title() string { return "Sources" }

func (v sourcesView) body(d *doc) {
	d.raw("<h1>Sources</h1>\n<p class=\"meta\">Memory directories: ")
	for _, dir := range v.memoryDirs {
		d.raw("<code>").text(dir).raw("</code> ")
	}
	d.raw("</p>\n")
	if v.sourcesError != "" {
		d.raw(`<p class="error">`).text(v.sourcesError).raw("</p>\n")
	}
	if len(v.sources) > 0 {
		d.raw(`<p class="meta">Remembered sources (<code>mm index PATH</code>): `)
		for _, s := range v.sources {
			d.raw("<code>").text(s.Path).raw("</code> ")
		}
		d.raw("</p>\n")
	}
	d.raw("<table>\n<thead><tr><th>file</th><th>namespace</th><th>size</th><th>indexed</th></tr></thead>\n<tbody>\n")
	for _, f := range v.files {
		d.raw(`<tr><td><a href="`).link("/source?path=" + url.QueryEscape(f.Path)).raw(`">`).text(f.Path).raw("</a></td><td>").
			text(f.Namespace).raw(`</td><td class="num">`).text(humanBytes(f.Size)).raw("</td><td>").text(localDate(f.IndexedAt)).raw("</td></tr>\n")
	}
	if len(v.files) == 0 {
		d.raw("<tr><td colspan=\"4\">Nothing indexed yet: add a memory, or run <code>mm index PATH</code>.</td></tr>\n")
	}
	d.raw("</tbody>\n</table>\n")
}

type sourceView struct {
	path   string
	chunks []view.Chunk
	pager  pager
}

func (v sourceView) title() string { return filepath.Base(v.path) }

func (v sourceView) body(d *doc) {
	d.raw("<h1>").text(filepath.Base(v.path)).raw("</h1>\n<p class=\"meta\"><code>").text(v.path).raw("</code> · ").
		num(v.pager.Total).raw(" chunks</p>\n<ol class=\"results\">\n")
	for _, c := range v.chunks {
		d.raw("<li>\n  <div class=\"head\">")
		chunkLink(d, c)
		d.raw("</div>\n  <div class=\"meta\">lines ").num(c.StartLine).raw("–").num(c.EndLine).raw(" · ").text(c.Namespace)
		tagList(d, c.Tags)
		d.raw("</div>\n")
		snippetOf(d, c)
		d.raw("</li>\n")
	}
	d.raw("</ol>\n")
	v.pager.write(d, "← newer", "older →")
}

type chunkView struct {
	chunk view.Chunk
	entry *memtomem.MemoryEntry // nil for a chunk of an indexed file
}

func (v chunkView) title() string { return chunkTitle(v.chunk) }

func (v chunkView) body(d *doc) {
	c := v.chunk
	d.raw("<h1>").text(v.title()).raw("</h1>\n<dl class=\"facts\">\n  <dt>source</dt><dd><a href=\"").
		link("/source?path=" + url.QueryEscape(c.Source)).raw(`">`).text(c.Source).raw("</a>, lines ").num(c.StartLine).raw("–").num(c.EndLine).
		raw("</dd>\n  <dt>namespace</dt><dd>").text(c.Namespace).raw("</dd>\n  <dt>tags</dt><dd>")
	for _, t := range c.Tags {
		d.raw(`<a class="tag" href="`).link("/memories?tag=" + url.QueryEscape(t)).raw(`">`).text(t).raw("</a> ")
	}
	if len(c.Tags) == 0 {
		d.raw("none")
	}
	d.raw("</dd>\n  <dt>created</dt><dd>").text(whenRFC(c.Created)).raw("</dd>\n  <dt>chunk id</dt><dd><code>").text(c.ChunkID).raw("</code>")
	if c.EntryID != "" {
		d.raw(" · entry <code>").text(c.EntryID).raw("</code>")
	}
	d.raw("</dd>\n</dl>\n<pre class=\"content\">").text(body(c)).raw("</pre>\n")
	e := v.entry
	if e == nil {
		d.raw("<p class=\"meta\">This chunk comes from an indexed file, not a memory entry: edit the file itself.</p>\n")
		return
	}
	action := "/chunk/" + url.PathEscape(c.ChunkID)
	tags := strings.Join(e.Tags, ", ")
	d.raw("<details class=\"edit\">\n  <summary>Edit this memory</summary>\n  <form method=\"post\" action=\"").link(action+"/edit").raw("\" class=\"stack\">\n    ").
		csrfField().raw("\n    ").hidden("was_title", e.Title).raw("\n    ").hidden("was_tags", tags).raw("\n    ").hidden("was_content", e.Body).
		raw("\n    <label>title <input name=\"title\" value=\"").text(e.Title).raw("\" placeholder=\"none\"></label>\n" +
		"    <label>tags <input name=\"tags\" value=\"").text(tags).raw("\" placeholder=\"a, b\"></label>\n" +
		"    <label>content <textarea name=\"content\" rows=\"10\">").text(e.Body).raw("</textarea></label>\n" +
		"    <button>Save</button>\n  </form>\n</details>\n<form method=\"post\" action=\"").link(action + "/delete").raw("\" class=\"danger\">\n  ").
		csrfField().raw("\n  <button>Delete this memory</button> <small>removes the entry from <code>").text(filepath.Base(e.File)).
		raw("</code></small>\n</form>\n")
}

type memoriesView struct {
	chunks []view.Chunk
	pager  pager
	filter map[string]string // ns, tag, since, until as typed
}

func (memoriesView) title() string { return "Memories" }

func (v memoriesView) body(d *doc) {
	d.raw(`<h1>Memories</h1>
<details class="add" open>
  <summary>Add a memory</summary>
  <form method="post" action="/memories" class="stack">
    `).csrfField().raw(`
    <label>content <textarea name="content" rows="5" required></textarea></label>
    <div class="row">
      <label>title <input name="title" placeholder="optional"></label>
      <label>tags <input name="tags" placeholder="a, b"></label>
      <label>namespace <input name="namespace" placeholder="default"></label>
    </div>
    <button>Add</button>
  </form>
</details>
<h2>Listed</h2>
<form method="get" action="/memories" class="row filters">
`)
	field := func(label, name markup, extra markup) {
		d.raw(`  <label>`).raw(label).raw(` <input name="`).raw(name).raw(`" value="`).text(v.filter[string(name)]).raw(`"`).raw(extra).raw(" size=\"10\"></label>\n")
	}
	field("namespace", "ns", "")
	field("tag", "tag", "")
	field("since", "since", ` placeholder="7d"`)
	field("until", "until", "")
	n := v.pager.Total
	d.raw("  <button>Filter</button>\n</form>\n<p class=\"meta\">").num(n).raw(" ").text(plural(n, "chunk", "chunks")).raw(", newest first</p>\n<ol class=\"results\">\n")
	for _, c := range v.chunks {
		d.raw("<li>\n  <div class=\"head\">")
		chunkLink(d, c)
		d.raw(`<span class="meta">`).text(whenRFC(c.Created)).raw("</span></div>\n  <div class=\"meta\">").text(filepath.Base(c.Source)).raw(" · ").text(c.Namespace)
		tagList(d, c.Tags)
		d.raw("</div>\n")
		snippetOf(d, c)
		d.raw("</li>\n")
	}
	if len(v.chunks) == 0 {
		d.raw("<li>No memories here yet.</li>\n")
	}
	d.raw("</ol>\n")
	v.pager.write(d, "← newer", "older →")
}

// countsView lists tags or namespaces (of) with their chunk counts.
type countsView struct {
	of    string // "tags" or "namespaces"
	page  memtomem.CountPage
	pager pager
}

func (v countsView) title() string { return v.of }

func (v countsView) body(d *doc) {
	tags := v.of == "tags"
	if tags {
		d.raw("<h1>Tags</h1>\n")
	} else {
		d.raw("<h1>Namespaces</h1>\n")
	}
	d.raw(`<p class="meta">`).num(v.page.Total).raw(" in all; renaming or deleting rewrites the markdown entries, then re-indexes them.</p>\n" +
		"<table>\n<thead><tr><th>name</th><th class=\"num\">chunks</th><th>rename to</th><th></th></tr></thead>\n<tbody>\n")
	param := "ns="
	if tags {
		param = "tag="
	}
	for _, c := range v.page.Counts {
		d.raw(`<tr>
  <td><a href="`).link("/memories?"+param+url.QueryEscape(c.Name)).raw(`">`).text(c.Name).raw("</a></td>\n  <td class=\"num\">").num(c.Chunks).
			raw("</td>\n  <td><form method=\"post\" action=\"").link("/"+v.of+"/rename").raw("\" class=\"row\">\n    ").csrfField().hidden("from", c.Name).
			raw("\n    <input name=\"to\" aria-label=\"new name for ").text(c.Name).raw("\" required><button>Rename</button></form></td>\n"+
			"  <td><form method=\"post\" action=\"").link("/"+v.of+"/delete").raw("\" class=\"danger\">\n    ").csrfField().hidden("name", c.Name).raw("\n    ")
		if tags {
			d.raw(`<button title="remove this tag from every entry">Delete</button>`)
		} else {
			d.raw(`<label title="deleting a namespace deletes its memories"><input type="checkbox" name="confirm" value="yes" required> its `).num(c.Chunks).
				raw(` chunks too</label>` + "\n    " + `<button title="delete every memory in this namespace">Delete</button>`)
		}
		d.raw("</form></td>\n</tr>\n")
	}
	if len(v.page.Counts) == 0 {
		d.raw("<tr><td colspan=\"4\">None yet.</td></tr>\n")
	}
	d.raw("</tbody>\n</table>\n")
	v.pager.write(d, "← previous", "next →")
}

type statusView struct {
	status  view.Status
	indexer int // pid of the process holding the indexer role, 0 if none
}

func (statusView) title() string { return "Status" }

func (v statusView) body(d *doc) {
	s := v.status
	d.raw("<h1>Status</h1>\n")
	if s.ReadOnly != "" {
		d.raw(`<p class="error">read-only: `).text(s.ReadOnly).raw("</p>\n")
	}
	if s.Disk != "" {
		d.raw(`<p class="error">`).text(s.Disk).raw("</p>\n")
	}
	d.raw("<h2>Live instances</h2>\n<table>\n<thead><tr><th class=\"num\">pid</th><th>version</th><th>transport</th><th>up</th><th>role</th><th>command</th></tr></thead>\n<tbody>\n")
	for _, in := range s.Instances {
		d.raw(`<tr><td class="num">`).num(in.PID).raw("</td><td>").text(in.Version).raw("</td><td>").text(in.Transport).raw("</td><td>").
			text(time.Since(parseTime(in.Started)).Round(time.Second).String()).raw("</td><td>")
		if in.PID == v.indexer {
			d.raw("indexer")
		}
		d.raw("</td><td><code>").text(in.Command).raw("</code></td></tr>\n")
	}
	d.raw("</tbody>\n</table>\n")
	if v.indexer == 0 {
		d.raw("<p class=\"meta\">No live process holds the indexer role: memory directories edited by hand are indexed by the next <code>mm</code> command.</p>\n")
	}
	d.raw("<h2>Index</h2>\n<dl class=\"facts\">\n  <dt>files</dt><dd>").num(s.Files).raw("</dd>\n  <dt>chunks</dt><dd>").num(s.Chunks).
		raw("</dd>\n  <dt>database</dt><dd>").text(humanBytes(s.DBBytes)).raw(" · <code>").text(s.Database).raw("</code> · schema ").num(s.SchemaVersion).
		raw("</dd>\n  <dt>home</dt><dd><code>").text(s.Home).raw("</code></dd>\n")
	if s.ProblemCount > 0 {
		d.raw("  <dt>problems</dt><dd class=\"error\">").num(s.ProblemCount).raw(" entries with bad characters (see <code>mm status</code>)</dd>\n")
	}
	e := s.Embedding
	d.raw("</dl>\n<h2>Embedding</h2>\n<dl class=\"facts\">\n  <dt>provider</dt><dd>").text(e.Provider).
		raw("</dd>\n  <dt>generation</dt><dd>configured <code>").text(orNone(e.Configured)).raw("</code> · stored <code>").text(orNone(e.Stored)).
		raw("</code></dd>\n  <dt>dense search</dt><dd>")
	if e.Active {
		d.raw("on")
	} else {
		d.raw("off")
		if e.Reason != "" {
			d.raw(": ").text(e.Reason)
		}
	}
	d.raw("</dd>\n")
	if e.Configured != "" || e.Stored != "" || e.WithVector != 0 {
		d.raw("  <dt>vectors</dt><dd>").num(e.WithVector).raw(" chunks have one, ").num(e.Missing).raw(" are waiting for theirs</dd>\n")
	}
	if u := e.Unreachable; u != nil {
		d.raw("  <dt>provider</dt><dd class=\"error\">unreachable since ").text(localDate(u.Since)).raw(": ").text(u.Error).raw("</dd>\n")
	}
	d.raw("</dl>\n")
}

// chunkLink writes a listing's link to a chunk, under its title.
func chunkLink(d *doc, c view.Chunk) {
	d.raw(`<a class="title" href="`).link("/chunk/" + url.PathEscape(c.ChunkID)).raw(`">`).text(chunkTitle(c)).raw("</a>")
}

// tagList writes " · a, b" after a listing's facts, nothing for no tags.
func tagList(d *doc, tags []string) {
	if len(tags) > 0 {
		d.raw(" · ").text(strings.Join(tags, ", "))
	}
}

// snippetOf writes what a listing shows under a chunk's title: nothing when
// the title is already all of it (a short untitled memory).
func snippetOf(d *doc, c view.Chunk) {
	if len(c.Hierarchy) == 0 && !strings.HasSuffix(chunkTitle(c), "…") && !strings.Contains(strings.TrimSpace(c.Content), "\n") {
		return
	}
	if s := snippet(body(c)); s != "" {
		d.raw(`  <p class="snippet">`).text(s).raw("</p>\n")
	}
}

// write writes the previous/next links of a listing.
func (p pager) write(d *doc, prev, next markup) {
	d.raw(`<p class="pager">`)
	if p.Prev != "" {
		d.raw(`<a href="`).link(p.Prev).raw(`">`).raw(prev).raw("</a>")
	}
	d.raw(" ")
	if p.Next != "" {
		d.raw(`<a href="`).link(p.Next).raw(`">`).raw(next).raw("</a>")
	}
	d.raw("</p>\n")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func localDate(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }

func whenRFC(rfc3339 string) string { return localDate(parseTime(rfc3339)) }

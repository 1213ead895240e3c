package mcpserver

import (
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

// The core tools. Names and parameter names follow memtomem's, so agent
// skills written for it keep working.
func (s *Server) addCoreTools() {
	addTool(s, &mcp.Tool{Name: "mem_add", Annotations: additive, Description: `Save a memory: appended as an entry to today's markdown file and indexed, so it is searchable as soon as this returns.
Save decisions and their reasons, fixes and root causes, user preferences, and project facts a future session needs. One self-contained fact per memory, with a title and tags.`},
		nil, s.memAdd)
	addTool(s, &mcp.Tool{Name: "mem_search", Annotations: readOnly, Description: `Search memories and indexed files: BM25 keywords (words are stemmed, the last word also matches as a prefix, "quoted text" matches as a phrase), fused with vector search when an embedding provider is configured (score_scale says which: bm25, dense or rrf).
Use at the start of a task with its topic, before re-deriving something, and when the user refers to past work. Filters apply before top_k is cut.`},
		map[string]any{"output_format": "compact"}, s.memSearch)
	addTool(s, &mcp.Tool{Name: "mem_recall", Annotations: readOnly, Description: "List memories by creation date, newest first, optionally within a time range (since/until: a date, an RFC 3339 time, or an age like 7d)."},
		map[string]any{"limit": 20}, s.memRecall)
	addTool(s, &mcp.Tool{Name: "mem_index", Annotations: idempotent, Description: "Index a file or folder of notes, docs or code so it becomes searchable. Incremental: unchanged files are skipped, so re-running after edits is cheap. Without a path, re-indexes the memory directories."},
		map[string]any{"recursive": true, "force": false}, s.memIndex)
	addTool(s, &mcp.Tool{Name: "mem_status", Annotations: readOnly, Description: "Where the store lives and what it holds: paths, schema, counts, namespaces."},
		nil, s.memStatus)
	addTool(s, &mcp.Tool{Name: "mem_stats", Annotations: readOnly, Description: "Counts: files, chunks, database size, chunks per namespace and per tag."},
		nil, s.memStats)
	addTool(s, &mcp.Tool{Name: "mem_list", Annotations: readOnly, Description: "Page through stored chunks, newest first, with optional namespace, tag and source filters."},
		map[string]any{"limit": 50, "offset": 0}, s.memList)
	addTool(s, &mcp.Tool{Name: "mem_read", Annotations: readOnly, Description: "Read one chunk in full by its chunk_id (from mem_search, mem_recall or mem_list), or an entry's first chunk by its entry_id (the \"> id:\" line in the markdown)."},
		nil, s.memRead)
}

type addArgs struct {
	Content        string     `json:"content" jsonschema:"the memory, in markdown (up to 100,000 characters)"`
	Title          string     `json:"title,omitempty" jsonschema:"short heading for the entry"`
	Tags           StringList `json:"tags,omitempty" jsonschema:"tags: a list, or one comma-separated string"`
	Namespace      string     `json:"namespace,omitempty" jsonschema:"namespace to file it under (default: the project the server runs in, project:NAME, inside a git repository; else the configured default namespace)"`
	File           string     `json:"file,omitempty" jsonschema:"markdown file inside a memory directory to append to (default: today's day file)"`
	IdempotencyKey string     `json:"idempotency_key,omitempty" jsonschema:"a key unique to this memory: retrying a call with the same key never writes it twice"`
}

// addText is mem_add's text: where the memory went.
func addText(out view.Add) string {
	verb := "Saved"
	if !out.Added {
		verb = "Already saved (nothing written twice)"
	}
	text := fmt.Sprintf("%s to %s [%s]\nentry_id: %s | chunk_id: %s", verb, out.File, out.Namespace, out.EntryID, strings.Join(out.ChunkIDs, ", "))
	for _, w := range out.Warnings {
		text += "\nwarning: " + w
	}
	return text
}

func (s *Server) memAdd(c *call, in addArgs) (string, view.Add, error) {
	m, err := c.store()
	if err != nil {
		return "", view.Add{}, err
	}
	c.writes()
	res, err := m.Add(c.ctx, memtomem.AddRequest{
		Content: in.Content, Title: in.Title, Tags: in.Tags, Namespace: in.Namespace, File: in.File,
		IdempotencyKey: in.IdempotencyKey,
	})
	if err != nil {
		return "", view.Add{}, err
	}
	out := view.FromAdd(res)
	return addText(out), out, nil
}

type searchArgs struct {
	Query        string     `json:"query" jsonschema:"what to look for: keywords or a question"`
	TopK         *int       `json:"top_k,omitempty" jsonschema:"number of results, 1-100 (default 10, or search.default_top_k)"`
	Namespace    string     `json:"namespace,omitempty" jsonschema:"namespace, comma list or glob (work, work,personal, proj:*); archive:* is hidden unless named"`
	TagFilter    StringList `json:"tag_filter,omitempty" jsonschema:"keep results carrying any of these tags (list or comma-separated)"`
	SourceFilter string     `json:"source_filter,omitempty" jsonschema:"keep results whose file path matches this glob, or contains this text"`
	Since        string     `json:"since,omitempty" jsonschema:"created at or after: a date (2026-11-01), an RFC 3339 time, or an age (30m, 36h, 7d, 2w)"`
	Until        string     `json:"until,omitempty" jsonschema:"created before: a date, an RFC 3339 time, or an age"`
	OutputFormat string     `json:"output_format,omitempty" jsonschema:"compact (readable text, default) or structured (the text is the JSON result)"`
	BM25Weight   *float64   `json:"bm25_weight,omitempty" jsonschema:"weight of the keyword leg in rank fusion (default search.bm25_weight; 0 drops it)"`
	DenseWeight  *float64   `json:"dense_weight,omitempty" jsonschema:"weight of the vector leg in rank fusion (default search.dense_weight; 0 drops it); needs an embedding provider"`
	DecayDays    *float64   `json:"decay_half_life_days,omitempty" jsonschema:"halve a result's score per this many days of age (0 = off, the default)"`
	MMRLambda    *float64   `json:"mmr_lambda,omitempty" jsonschema:"diversity re-ranking, 0 (off) to 1 (relevance only); needs vectors"`
}

func (s *Server) memSearch(c *call, in searchArgs) (string, view.Search, error) {
	format := strings.ToLower(strings.TrimSpace(in.OutputFormat))
	switch format {
	case "", "compact", "verbose":
	case "structured", "json":
		format = "structured"
	default:
		return "", view.Search{}, invalid("output_format %q: use compact or structured", in.OutputFormat)
	}
	if strings.TrimSpace(in.Query) == "" {
		return "", view.Search{}, invalid("query is empty: give at least one word to search for")
	}
	topK, err := intArg("top_k", in.TopK, 0, 1, memtomem.MaxTopK)
	if err != nil {
		return "", view.Search{}, err
	}
	since, until, err := timeRange(in.Since, in.Until)
	if err != nil {
		return "", view.Search{}, err
	}
	m, err := c.store()
	if err != nil {
		return "", view.Search{}, err
	}
	resp, err := m.Search(c.ctx, memtomem.SearchRequest{
		Query: in.Query, TopK: topK, Namespace: in.Namespace, Tags: in.TagFilter, Source: in.SourceFilter,
		Since: since, Until: until, BM25Weight: in.BM25Weight, DenseWeight: in.DenseWeight,
		DecayHalfLifeDays: in.DecayDays, MMRLambda: in.MMRLambda,
	})
	if err != nil {
		return "", view.Search{}, err
	}
	out := view.FromSearch(in.Query, resp)
	if format == "structured" {
		return jsonText(out), out, nil
	}
	return compactSearch(out), out, nil
}

// moreText is the line that tells an agent a listing goes on.
func moreText(out view.Page) string {
	if out.NextOffset == nil {
		return ""
	}
	return fmt.Sprintf("\n\n(%d-%d of %d; more: call again with offset=%d)", *out.NextOffset-out.Count+1, *out.NextOffset, out.Total, *out.NextOffset)
}

type recallArgs struct {
	Since     string     `json:"since,omitempty" jsonschema:"created at or after: a date, an RFC 3339 time, or an age (7d)"`
	Until     string     `json:"until,omitempty" jsonschema:"created before: a date, an RFC 3339 time, or an age"`
	Namespace string     `json:"namespace,omitempty" jsonschema:"namespace, comma list or glob"`
	TagFilter StringList `json:"tag_filter,omitempty" jsonschema:"keep memories carrying any of these tags"`
	Limit     *int       `json:"limit,omitempty" jsonschema:"how many, 1-1000"`
	Offset    *int       `json:"offset,omitempty" jsonschema:"how many to skip (for paging)"`
}

func (s *Server) memRecall(c *call, in recallArgs) (string, view.Page, error) {
	limit, err := intArg("limit", in.Limit, 20, 1, 1000)
	if err != nil {
		return "", view.Page{}, err
	}
	since, until, err := timeRange(in.Since, in.Until)
	if err != nil {
		return "", view.Page{}, err
	}
	m, err := c.store()
	if err != nil {
		return "", view.Page{}, err
	}
	offset, err := intArg("offset", in.Offset, 0, 0, 1<<30)
	if err != nil {
		return "", view.Page{}, err
	}
	page, err := m.Recall(c.ctx, memtomem.RecallRequest{Since: since, Until: until, Namespace: in.Namespace, Tags: in.TagFilter, Limit: limit, Offset: offset})
	if err != nil {
		return "", view.Page{}, err
	}
	out := view.FromPage(page, offset)
	return chunkList(out.Results, "No memories in that range.") + moreText(out), out, nil
}

type indexArgs struct {
	Path      string `json:"path,omitempty" jsonschema:"file or folder to index (~ is expanded; relative to the server's working directory); default: the memory directories"`
	Recursive *bool  `json:"recursive,omitempty" jsonschema:"descend into subfolders"`
	Force     *bool  `json:"force,omitempty" jsonschema:"re-chunk every file even if unchanged"`
	Namespace string `json:"namespace,omitempty" jsonschema:"put the indexed files in this namespace"`
}

// maxIndexErrors bounds the errors an index reply lists: a walk of a big
// unreadable tree can fail on every file, and the reply must stay small.
const maxIndexErrors = 50

// capErrors keeps the first maxIndexErrors errors of a run and counts the rest.
func capErrors(out view.Index) view.Index {
	if n := len(out.Errors); n > maxIndexErrors {
		out.Errors = append(out.Errors[:maxIndexErrors:maxIndexErrors], fmt.Sprintf("… and %d more errors (mm index PATH in a terminal lists them all)", n-maxIndexErrors))
	}
	return out
}

// indexText is mem_index's text.
func indexText(out view.Index) string {
	t := fmt.Sprintf("Scanned %d files in %d ms: %d indexed, %d unchanged, %d removed.\nChunks: %d indexed, %d unchanged, %d deleted.",
		out.FilesScanned, out.DurationMS, out.FilesIndexed, out.FilesUnchanged, out.FilesRemoved, out.ChunksIndexed, out.ChunksKept, out.ChunksDeleted)
	if len(out.FilesSkipped) > 0 {
		t += "\nSkipped: " + counts(out.FilesSkipped) + "."
	}
	if len(out.ChunksSkipped) > 0 {
		t += "\nChunks left out (they hold credentials, the rest of each file is indexed): " + counts(out.ChunksSkipped) + "."
		for _, s := range out.SkippedChunks {
			t += "\n  " + s.String()
		}
	}
	for _, e := range out.Errors {
		t += "\nwarning: " + e
	}
	if out.Stopped != "" {
		t += "\nstopped: " + out.Stopped
	}
	return t
}

func (s *Server) memIndex(c *call, in indexArgs) (string, view.Index, error) {
	m, err := c.store()
	if err != nil {
		return "", view.Index{}, err
	}
	// Remember stays false: an agent's mem_index indexes a path but never
	// adds it to the remembered sources (sources.json). That list is the
	// user's (mm index PATH) and is to become the set of roots an agent may
	// read; letting an agent widen it would defeat that.
	req := memtomem.IndexRequest{Recursive: boolArg(in.Recursive, true), Force: boolArg(in.Force, false), Namespace: in.Namespace,
		Confined: true}
	if p := strings.TrimSpace(in.Path); p != "" {
		req.Paths = []string{expandHome(p)}
	}
	c.longWork()
	st, err := m.Index(c.ctx, req)
	if err != nil && c.ctx.Err() == nil {
		return "", view.Index{}, err
	}
	out := capErrors(view.FromIndex(st))
	if err != nil {
		// Cancelled or shutting down: every file indexed so far is
		// committed (one transaction per file); the next run goes on from
		// there, since unchanged files are skipped.
		out.Stopped = stoppedWhy(c.ctx) + "; the files indexed so far are searchable: run mem_index again to finish"
	}
	return indexText(out), out, nil
}

type noArgs struct{}

func (s *Server) memStatus(c *call, _ noArgs) (string, view.Status, error) {
	m, err := c.store()
	if err != nil {
		return "", view.Status{}, err
	}
	st, err := m.Status(c.ctx)
	if err != nil {
		return "", view.Status{}, err
	}
	out := view.FromStatus(st)
	var srcs, live []string
	for _, src := range st.Sources {
		srcs = append(srcs, src.Path)
	}
	for _, in := range st.Instances {
		live = append(live, in.String())
	}
	text := fmt.Sprintf("memtomem %s\nhome: %s\ndatabase: %s (schema v%d, %s)\nmemory dirs: %s\nindexed: %d files, %d chunks\nnamespaces: %s\nembedding: %s\ninstances: %d live (%s)",
		out.Version, out.Home, out.Database, out.SchemaVersion, mib(out.DBBytes), strings.Join(out.MemoryDirs, ", "),
		out.Files, out.Chunks, counts(out.Namespaces)+more(out.NamespacesMore, "ns_list"), st.Embedding.Summary(), len(live), strings.Join(live, "; "))
	text += fmt.Sprintf("\nsources: %d remembered (%s)", len(srcs), strings.Join(srcs, ", "))
	if out.SourcesError != "" {
		text += "\nsources error: " + out.SourcesError
	}
	if out.ReadOnly != "" {
		text += "\nread-only: " + out.ReadOnly
	}
	if out.Disk != "" {
		text += "\ndisk: " + out.Disk
	}
	if out.ProblemCount > 0 {
		text += fmt.Sprintf("\nproblems: %d memory entries hold bad characters (indexed with them replaced; fix the files):", out.ProblemCount)
		for _, p := range out.Problems {
			text += "\n  " + p.String()
		}
	}
	return text, out, nil
}

// more notes the names a summary left out and the action that lists them.
func more(n int, action string) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" and %d more (mem_do %s pages through them all)", n, action)
}

func (s *Server) memStats(c *call, _ noArgs) (string, view.Stats, error) {
	m, err := c.store()
	if err != nil {
		return "", view.Stats{}, err
	}
	st, err := m.Status(c.ctx)
	if err != nil {
		return "", view.Stats{}, err
	}
	out := view.FromStats(st)
	text := fmt.Sprintf("files: %d\nchunks: %d\ndatabase: %s\nnamespaces: %s\ntags: %s",
		out.Files, out.Chunks, mib(out.DBBytes), counts(out.Namespaces)+more(out.NamespacesMore, "ns_list"), counts(out.Tags)+more(out.TagsMore, "tag_list"))
	return text, out, nil
}

type listArgs struct {
	Namespace    string     `json:"namespace,omitempty" jsonschema:"namespace, comma list or glob"`
	TagFilter    StringList `json:"tag_filter,omitempty" jsonschema:"keep chunks carrying any of these tags"`
	SourceFilter string     `json:"source_filter,omitempty" jsonschema:"keep chunks whose file path matches this glob, or contains this text"`
	Limit        *int       `json:"limit,omitempty" jsonschema:"page size, 1-1000"`
	Offset       *int       `json:"offset,omitempty" jsonschema:"how many to skip (for paging)"`
}

func (s *Server) memList(c *call, in listArgs) (string, view.Page, error) {
	limit, err := intArg("limit", in.Limit, 50, 1, 1000)
	if err != nil {
		return "", view.Page{}, err
	}
	offset, err := intArg("offset", in.Offset, 0, 0, 1<<30)
	if err != nil {
		return "", view.Page{}, err
	}
	m, err := c.store()
	if err != nil {
		return "", view.Page{}, err
	}
	page, err := m.List(c.ctx, memtomem.ListRequest{Namespace: in.Namespace, Tags: in.TagFilter, Source: in.SourceFilter, Limit: limit, Offset: offset})
	if err != nil {
		return "", view.Page{}, err
	}
	out := view.FromPage(page, offset)
	return chunkList(out.Results, "No chunks.") + moreText(out), out, nil
}

type readArgs struct {
	ChunkID string `json:"chunk_id,omitempty" jsonschema:"id from mem_search, mem_recall or mem_list (an entry id works too)"`
	EntryID string `json:"entry_id,omitempty" jsonschema:"an entry id (the \"> id:\" line in the markdown), instead of chunk_id: reads the entry's first chunk"`
}

func (s *Server) memRead(c *call, in readArgs) (string, view.Chunk, error) {
	m, err := c.store()
	if err != nil {
		return "", view.Chunk{}, err
	}
	id, err := oneID(in.ChunkID, in.EntryID)
	if err != nil {
		return "", view.Chunk{}, err
	}
	ch, err := m.Read(c.ctx, id)
	if err != nil {
		return "", view.Chunk{}, err
	}
	out := view.FromChunk(ch)
	return fullChunk(out), out, nil
}

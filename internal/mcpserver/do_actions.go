package mcpserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

// The mem_do actions. Each takes its own parameter struct; field tags are
// the documentation mem_do(action="help") prints.

// optionalList is a StringList that remembers whether it was given at all,
// so edit can tell "leave the tags" (absent) from "remove them" ([]).
type optionalList struct {
	set  bool
	list StringList
}

func (o *optionalList) UnmarshalJSON(b []byte) error {
	if strings.TrimSpace(string(b)) == "null" {
		return nil
	}
	o.set = true
	return o.list.UnmarshalJSON(b)
}

type editParams struct {
	ChunkID string       `json:"chunk_id,omitempty" jsonschema:"any chunk of the entry (an entry id works too)"`
	EntryID string       `json:"entry_id,omitempty" jsonschema:"the entry's id (its \"> id:\" line), instead of chunk_id"`
	Content *string      `json:"content,omitempty" jsonschema:"new body of the entry"`
	Title   *string      `json:"title,omitempty" jsonschema:"new title"`
	Tags    optionalList `json:"tags,omitempty" jsonschema:"new tags, replacing the old ones ([] removes them)"`
}

func doEdit(c *call, m *memtomem.Memory, p editParams) (string, any, error) {
	id, err := oneID(p.ChunkID, p.EntryID)
	if err != nil {
		return "", nil, err
	}
	req := memtomem.EditRequest{ChunkID: id, Content: p.Content, Title: p.Title}
	if p.Tags.set {
		tags := []string(p.Tags.list)
		if tags == nil {
			tags = []string{}
		}
		req.Tags = &tags
	}
	res, err := m.Edit(c.ctx, req)
	if err != nil {
		return "", nil, err
	}
	if res.ChunkIDs == nil {
		res.ChunkIDs = []string{}
	}
	text := fmt.Sprintf("Edited the entry in %s; entry_id %s (unchanged), chunk_id now %s (a chunk id changes with its text).", res.File, res.EntryID, strings.Join(res.ChunkIDs, ", "))
	for _, w := range res.Warnings {
		text += "\nwarning: " + w
	}
	return text, res, nil
}

type chunkParams struct {
	ChunkID string `json:"chunk_id,omitempty" jsonschema:"any chunk of the entry (an entry id works too)"`
	EntryID string `json:"entry_id,omitempty" jsonschema:"the entry's id (its \"> id:\" line), instead of chunk_id"`
}

func doDelete(c *call, m *memtomem.Memory, p chunkParams) (string, any, error) {
	id, err := oneID(p.ChunkID, p.EntryID)
	if err != nil {
		return "", nil, err
	}
	res, err := m.Delete(c.ctx, id)
	if err != nil {
		return "", nil, err
	}
	what := "the entry"
	if res.Title != "" {
		what = fmt.Sprintf("%q", res.Title)
	}
	return fmt.Sprintf("Deleted %s from %s.", what, res.File), res, nil
}

type batchItemParams struct {
	Content        string     `json:"content"`
	Title          string     `json:"title,omitempty"`
	Tags           StringList `json:"tags,omitempty"`
	Namespace      string     `json:"namespace,omitempty"`
	File           string     `json:"file,omitempty"`
	IdempotencyKey string     `json:"idempotency_key,omitempty"`
}

type batchParams struct {
	Items []batchItemParams `json:"items" jsonschema:"the memories: [{content, title?, tags?, namespace?, file?, idempotency_key?}]"`
}

// BatchResult is one item's outcome.
type BatchResult struct {
	Index  int       `json:"index"`
	Result *view.Add `json:"result,omitempty"`
	Error  string    `json:"error,omitempty"`
	// Stored says the item's memory is on disk, even when Error says it
	// could not be indexed.
	Stored bool `json:"stored"`
}

func doBatchAdd(c *call, m *memtomem.Memory, p batchParams) (string, any, error) {
	reqs := make([]memtomem.AddRequest, len(p.Items))
	for i, it := range p.Items {
		reqs[i] = memtomem.AddRequest{Content: it.Content, Title: it.Title, Tags: it.Tags, Namespace: it.Namespace,
			File: it.File, IdempotencyKey: it.IdempotencyKey}
	}
	items, err := m.BatchAdd(c.ctx, reqs)
	if err != nil {
		return "", nil, err
	}
	out := struct {
		Added  int           `json:"added"`
		Failed int           `json:"failed"`
		Stored int           `json:"stored"`
		Items  []BatchResult `json:"items"`
	}{Items: make([]BatchResult, len(items))}
	var lines []string
	for i, it := range items {
		out.Items[i].Index = i
		out.Items[i].Stored = it.Stored
		if it.Stored {
			out.Stored++
		}
		if it.Error != "" {
			out.Failed++
			out.Items[i].Error = it.Error
			state := "not stored"
			if it.Stored {
				state = "stored as " + it.Result.EntryID + ", but"
			}
			lines = append(lines, fmt.Sprintf("[%d] %s: error: %s", i, state, it.Error))
			continue
		}
		out.Added++
		r := view.FromAdd(it.Result)
		out.Items[i].Result = &r
		lines = append(lines, fmt.Sprintf("[%d] %s", i, strings.ReplaceAll(addText(r), "\n", " | ")))
	}
	return fmt.Sprintf("Added %d of %d (%d failed; %d stored on disk in all).\n%s", out.Added, len(items), out.Failed, out.Stored, strings.Join(lines, "\n")), out, nil
}

type expandParams struct {
	ChunkID string `json:"chunk_id,omitempty" jsonschema:"the chunk to show in context (an entry id names its first chunk)"`
	EntryID string `json:"entry_id,omitempty" jsonschema:"an entry id (its \"> id:\" line), instead of chunk_id"`
	Window  *int   `json:"window,omitempty" jsonschema:"neighbours on each side, 0-20"`
}

func doExpand(c *call, m *memtomem.Memory, p expandParams) (string, any, error) {
	window := 1
	if p.Window != nil {
		window = *p.Window
	}
	id, err := oneID(p.ChunkID, p.EntryID)
	if err != nil {
		return "", nil, err
	}
	chunks, err := m.Expand(c.ctx, id, window)
	if err != nil {
		return "", nil, err
	}
	focus := ""
	if len(chunks) > 0 {
		if at, err := m.Read(c.ctx, id); err == nil {
			focus = at.ID
		}
	}
	out := view.Chunks(chunks)
	var b strings.Builder
	for i, ch := range out {
		if i > 0 {
			b.WriteString("\n\n")
		}
		mark := ""
		if ch.ChunkID == focus {
			mark = ">> "
		}
		fmt.Fprintf(&b, "%s%s\n%s\n%s", mark, heading(ch), strings.TrimSpace(ch.Content), meta(ch))
	}
	return b.String(), struct {
		Chunks []view.Chunk `json:"chunks"`
	}{out}, nil
}

type noParams struct{}

// pageParams pages through a listing.
type pageParams struct {
	Limit  *int `json:"limit,omitempty" jsonschema:"page size, 1-1000"`
	Offset *int `json:"offset,omitempty" jsonschema:"how many to skip (the next_offset of the previous page)"`
}

func (p pageParams) request() (memtomem.PageRequest, error) {
	limit, err := intArg("limit", p.Limit, memtomem.DefaultCountPage, 1, memtomem.MaxPage)
	if err != nil {
		return memtomem.PageRequest{}, err
	}
	offset, err := intArg("offset", p.Offset, 0, 0, 1<<30)
	return memtomem.PageRequest{Limit: limit, Offset: offset}, err
}

// CountsOutput is one page of a tag or namespace listing: the page's names
// and chunk counts under key, how many names there are in all, and where
// the next page starts when there is one.
type CountsOutput struct {
	Counts     map[string]int
	Total      int
	NextOffset *int
	key        string
}

func (o CountsOutput) MarshalJSON() ([]byte, error) {
	m := map[string]any{o.key: o.Counts, "total": o.Total}
	if o.NextOffset != nil {
		m["next_offset"] = *o.NextOffset
	}
	return json.Marshal(m)
}

// countsPage turns a store page into the action's text and result.
func countsPage(what string, req memtomem.PageRequest, page memtomem.CountPage) (string, any, error) {
	out := CountsOutput{Counts: map[string]int{}, Total: page.Total, key: what}
	for _, c := range page.Counts {
		out.Counts[c.Name] = c.Chunks
	}
	text := what + " (chunks): " + counts(out.Counts)
	if end := req.Offset + len(page.Counts); end < page.Total {
		out.NextOffset = ptr(end)
		text += fmt.Sprintf("\n(%d-%d of %d %s; more: call again with offset=%d)", req.Offset+1, end, page.Total, what, end)
	}
	return text, out, nil
}

func doTagList(c *call, m *memtomem.Memory, p pageParams) (string, any, error) {
	req, err := p.request()
	if err != nil {
		return "", nil, err
	}
	page, err := m.TagCounts(c.ctx, req)
	if err != nil {
		return "", nil, err
	}
	return countsPage("tags", req, page)
}

func doNsList(c *call, m *memtomem.Memory, p pageParams) (string, any, error) {
	req, err := p.request()
	if err != nil {
		return "", nil, err
	}
	page, err := m.NamespaceCounts(c.ctx, req)
	if err != nil {
		return "", nil, err
	}
	return countsPage("namespaces", req, page)
}

type renameParams struct {
	Old string `json:"old" jsonschema:"current name"`
	New string `json:"new" jsonschema:"new name"`
}

type tagParams struct {
	Tag string `json:"tag"`
}

type nsParams struct {
	Namespace string `json:"namespace"`
}

func maintenance(verb string, res memtomem.MaintenanceResult, err error) (string, any, error) {
	if err != nil {
		return "", nil, err
	}
	text := fmt.Sprintf("%s: %d files, %d entries, %d chunks.", verb, res.Files, res.Entries, res.Chunks)
	for _, n := range res.Notes {
		text += "\nnote: " + n
	}
	return text, res, nil
}

func doTagRename(c *call, m *memtomem.Memory, p renameParams) (string, any, error) {
	res, err := m.RenameTag(c.ctx, p.Old, p.New)
	return maintenance(fmt.Sprintf("Renamed tag %q to %q", p.Old, p.New), res, err)
}

func doTagDelete(c *call, m *memtomem.Memory, p tagParams) (string, any, error) {
	res, err := m.DeleteTag(c.ctx, p.Tag)
	return maintenance(fmt.Sprintf("Removed tag %q", p.Tag), res, err)
}

func doNsRename(c *call, m *memtomem.Memory, p renameParams) (string, any, error) {
	res, err := m.RenameNamespace(c.ctx, p.Old, p.New)
	return maintenance(fmt.Sprintf("Renamed namespace %q to %q", p.Old, p.New), res, err)
}

func doNsDelete(c *call, m *memtomem.Memory, p nsParams) (string, any, error) {
	res, err := m.DeleteNamespace(c.ctx, p.Namespace)
	return maintenance(fmt.Sprintf("Deleted namespace %q", p.Namespace), res, err)
}

func doCleanupOrphans(c *call, m *memtomem.Memory, _ noParams) (string, any, error) {
	res, err := m.CleanupOrphans(c.ctx)
	return maintenance("Removed from the index (files gone from disk)", res, err)
}

type exportParams struct {
	Namespace string     `json:"namespace,omitempty" jsonschema:"namespace, comma list or glob"`
	TagFilter StringList `json:"tag_filter,omitempty" jsonschema:"only entries carrying any of these tags"`
	Since     string     `json:"since,omitempty" jsonschema:"created at or after: a date, an RFC 3339 time, or an age (7d)"`
	Until     string     `json:"until,omitempty" jsonschema:"created before: a date, an RFC 3339 time, or an age"`
	Limit     *int       `json:"limit,omitempty" jsonschema:"page size, 1-5000 (one import's worth)"`
	Offset    *int       `json:"offset,omitempty" jsonschema:"how many to skip (the next_offset of the previous page)"`
}

func doExport(c *call, m *memtomem.Memory, p exportParams) (string, any, error) {
	since, until, err := timeRange(p.Since, p.Until)
	if err != nil {
		return "", nil, err
	}
	limit, err := intArg("limit", p.Limit, memtomem.MaxImport, 1, memtomem.MaxImport)
	if err != nil {
		return "", nil, err
	}
	offset, err := intArg("offset", p.Offset, 0, 0, 1<<30)
	if err != nil {
		return "", nil, err
	}
	exp, err := m.Export(c.ctx, memtomem.ExportRequest{Namespace: p.Namespace, Tags: p.TagFilter, Since: since, Until: until, Limit: limit, Offset: offset})
	if err != nil {
		return "", nil, err
	}
	// The text is the export itself: an agent moves memories by passing it
	// to import as params.data.
	return jsonText(exp), exp, nil
}

// exportData is import's data parameter: the export object, or the same
// object as a JSON string (what an agent has if it kept the export's text).
type exportData struct{ memtomem.Export }

func (d *exportData) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		b = []byte(s)
	}
	if err := json.Unmarshal(b, &d.Export); err != nil {
		return errors.New(`data must be the object mem_do(action="export") returned ({"version": 1, "memories": [...]})`)
	}
	return nil
}

var exportDataSchema = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
	{Type: "object", Description: `what mem_do(action="export") returned`},
	{Type: "string", Description: "the same object, JSON-encoded"},
}}

type importParams struct {
	Data exportData `json:"data" jsonschema:"the object export returned: {version, memories: [...]}"`
}

func doImport(c *call, m *memtomem.Memory, p importParams) (string, any, error) {
	res, err := m.Import(c.ctx, p.Data.Export)
	if err != nil {
		return "", nil, err
	}
	text := fmt.Sprintf("Imported %d memories; %d already present were skipped.", res.Added, res.Skipped)
	for _, e := range res.Errors {
		text += "\nerror: " + e
	}
	for _, w := range res.Warnings {
		text += "\nwarning: " + w
	}
	return text, res, nil
}

type helpParams struct {
	Action string `json:"action,omitempty" jsonschema:"describe only this action"`
}

// ActionHelp describes one action.
type ActionHelp struct {
	Action  string      `json:"action"`
	Summary string      `json:"summary"`
	Params  []ParamHelp `json:"params"`
}

// ParamHelp describes one parameter.
type ParamHelp struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Default     any    `json:"default,omitempty"`
	Description string `json:"description,omitempty"`
}

func doHelp(_ *call, _ *memtomem.Memory, p helpParams) (string, any, error) {
	list := actions
	if p.Action != "" {
		a := findAction(p.Action)
		if a == nil {
			return "", nil, unknownAction(p.Action)
		}
		list = []*action{a}
	}
	var b strings.Builder
	b.WriteString(`mem_do(action, params) actions. Example: mem_do(action="edit", params={"chunk_id": "...", "tags": ["ops"]})` + "\n")
	var out []ActionHelp
	for _, a := range list {
		h := ActionHelp{Action: a.name, Summary: a.summary, Params: []ParamHelp{}}
		fmt.Fprintf(&b, "\n%s: %s\n", a.name, a.summary)
		for _, name := range a.schema.PropertyOrder {
			prop := a.schema.Properties[name]
			ph := ParamHelp{Name: name, Type: typeName(prop), Required: contains(a.schema.Required, name), Description: prop.Description}
			if len(prop.Default) > 0 {
				_ = json.Unmarshal(prop.Default, &ph.Default)
			}
			h.Params = append(h.Params, ph)
			opt := "required"
			if !ph.Required {
				opt = "optional"
			}
			if ph.Default != nil {
				opt += fmt.Sprintf(", default %v", ph.Default)
			}
			fmt.Fprintf(&b, "  - %s (%s, %s)", name, ph.Type, opt)
			if ph.Description != "" {
				b.WriteString(": " + ph.Description)
			}
			b.WriteString("\n")
		}
		out = append(out, h)
	}
	return strings.TrimRight(b.String(), "\n"), struct {
		Actions []ActionHelp `json:"actions"`
	}{out}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

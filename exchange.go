package memtomem

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/memfile"
)

// The file formats of mm export and mm import. Both carry every field of a
// memory (id, title, content, tags, namespace, creation time), so an export
// imported into another store is the same memories, and importing it again
// adds nothing (ids are kept, and an import skips an id it holds).
//
//   - JSONL: one ExportedMemory as JSON per line, oldest first. ReadJSONL
//     also reads the export object of mem_do export.
//   - Markdown: memtomem's own memory files, one per namespace (its name in
//     the frontmatter), as a folder or a zip; any markdown with "## "
//     entries reads as memories too (ReadMarkdown).

// WriteJSONL writes memories one JSON object a line.
func WriteJSONL(w io.Writer, mems []ExportedMemory) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, mem := range mems {
		if err := enc.Encode(mem); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// MaxJSONLLine bounds one line of a JSONL import: far above a memory's
// MaxContentChars, so only a file that is not an export hits it.
const MaxJSONLLine = 16 << 20

// ReadJSONL reads memories written by WriteJSONL, or one export object
// (mem_do export's text). Blank lines are skipped; a line that is not a
// memory is an error naming it.
func ReadJSONL(r io.Reader) ([]ExportedMemory, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(64 << 10)
	if trimmed := bytes.TrimSpace(head); bytes.HasPrefix(trimmed, []byte("{")) && isExportObject(br) {
		var ex Export
		if err := json.NewDecoder(br).Decode(&ex); err != nil {
			return nil, fmt.Errorf("the export object: %w", err)
		}
		if ex.Version != ExportVersion {
			return nil, fmt.Errorf("export version %d is not supported (this mm reads version %d)", ex.Version, ExportVersion)
		}
		return ex.Memories, nil
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), MaxJSONLLine)
	var out []ExportedMemory
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var mem ExportedMemory
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&mem); err != nil {
			return nil, fmt.Errorf("line %d is not a memory of mm export's JSONL (%v)", n, err)
		}
		if strings.TrimSpace(mem.Content) == "" {
			return nil, fmt.Errorf("line %d: a memory without content", n)
		}
		out = append(out, mem)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("a line over %d MiB: not mm export's JSONL", MaxJSONLLine>>20)
		}
		return nil, err
	}
	return out, nil
}

// isExportObject tells an export object from a JSONL file whose first line
// is a memory: the object has "version" and "memories" at its top level.
func isExportObject(br *bufio.Reader) bool {
	head, _ := br.Peek(br.Buffered())
	return hasTopKey(head, "memories", "version")
}

// hasTopKey reports whether head, the start of a file, starts a JSON
// object with one of keys among its top-level members (read up to the
// first of them, the rest of head unread).
func hasTopKey(head []byte, keys ...string) bool {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		if k, ok := t.(string); ok && slices.Contains(keys, k) {
			return true
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// MarkdownFiles renders memories as memtomem memory files, one per
// namespace, keyed by a file name made from the namespace (the namespace
// itself is in each file's frontmatter, so a renamed file keeps it).
func MarkdownFiles(mems []ExportedMemory) map[string][]byte {
	byNS := map[string][]ExportedMemory{}
	for _, mem := range mems {
		byNS[mem.Namespace] = append(byNS[mem.Namespace], mem)
	}
	names := make([]string, 0, len(byNS))
	for ns := range byNS {
		names = append(names, ns)
	}
	sort.Strings(names)
	out := map[string][]byte{}
	for _, ns := range names {
		var b strings.Builder
		b.WriteString(frontmatterBlock(ns))
		for _, mem := range byNS[ns] {
			e := memfile.Entry{Title: mem.Title, Body: mem.Content}
			e.ID, e.Created, e.Tags = mem.ID, mem.Created, mem.Tags
			b.WriteString("\n" + e.Render())
		}
		name := fileNameFor(ns)
		for i := 2; out[name] != nil; i++ {
			name = fmt.Sprintf("%s-%d.md", strings.TrimSuffix(fileNameFor(ns), ".md"), i)
		}
		out[name] = []byte(b.String())
	}
	return out
}

// fileNameFor is a portable file name for a namespace's export file.
func fileNameFor(ns string) string {
	var b strings.Builder
	for _, r := range ns {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	if name == "" {
		name = "namespace"
	}
	return name + ".md"
}

// ReadMarkdown reads the memories of one markdown file: its "## " entries,
// in the namespace its frontmatter names (else defaultNS). Text before the
// first entry (a CLAUDE.md is mostly that) is a memory too, titled by the
// file's "# " heading, else by its name. An entry without an id
// (hand-written markdown) gets one made from its namespace, title and text,
// so importing the same file again skips it.
func ReadMarkdown(name string, content []byte, defaultNS string) []ExportedMemory {
	ns := defaultNS
	fm, bodyStart, err := chunk.ParseFrontmatter(content)
	if err == nil {
		if stated := fm.Namespace(); stated != "" {
			ns = stated
		}
	} else {
		bodyStart = 1
	}
	entries := memfile.Parse(content)
	var out []ExportedMemory
	add := func(id, title, body string, tags []string, created time.Time) {
		if strings.TrimSpace(body) == "" {
			return
		}
		if id == "" {
			sum := sha256.Sum256([]byte(ns + "\x00" + title + "\x00" + body))
			id = hex.EncodeToString(sum[:6])
		}
		out = append(out, ExportedMemory{ID: id, Title: title, Content: body, Tags: tags, Namespace: ns, Created: created})
	}
	lines := strings.Split(string(content), "\n")
	end := len(lines)
	if len(entries) > 0 {
		end = entries[0].StartLine - 1
	}
	if start := bodyStart - 1; start < end {
		title, body := preamble(lines[start:end])
		if title == "" {
			title = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
		}
		add("", title, body, nil, time.Time{})
	}
	for _, e := range entries {
		add(e.ID, e.Title, e.Body, e.Tags, e.Created)
	}
	return out
}

// preamble splits the text before a file's first entry into its "# "
// heading, if it starts with one, and the rest.
func preamble(lines []string) (title, body string) {
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if level, t, ok := memfile.Heading(l); ok && level == 1 {
			return t, strings.TrimSpace(strings.Join(lines[i+1:], "\n"))
		}
		break
	}
	return "", strings.TrimSpace(strings.Join(lines, "\n"))
}

// graphLine is one line of the reference MCP memory server's knowledge
// graph (memory.jsonl): an entity or a relation.
type graphLine struct {
	Type         string   `json:"type"`
	Name         string   `json:"name"`
	EntityType   string   `json:"entityType"`
	Observations []string `json:"observations"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	RelationType string   `json:"relationType"`
}

// IsKnowledgeGraph reports whether the first line of a JSONL file is an
// entity or a relation of the reference MCP memory server.
func IsKnowledgeGraph(firstLine []byte) bool {
	var l graphLine
	return json.Unmarshal(bytes.TrimSpace(firstLine), &l) == nil && (l.Type == "entity" || l.Type == "relation")
}

// ReadKnowledgeGraph reads the reference MCP memory server's memory.jsonl:
// each entity becomes one memory of namespace ns, titled by its name,
// tagged with its type, holding its observations and its relations as a
// list. Its id is made from the namespace and the entity's name, so
// importing the graph again skips the entities already in.
func ReadKnowledgeGraph(r io.Reader, ns string) (mems []ExportedMemory, entities, relations int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxJSONLLine)
	type entity struct {
		kind string
		obs  []string
		rels []string
	}
	byName := map[string]*entity{}
	var order []string
	get := func(name string) *entity {
		e, ok := byName[name]
		if !ok {
			e = &entity{}
			byName[name] = e
			order = append(order, name)
		}
		return e
	}
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var l graphLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, 0, 0, fmt.Errorf("line %d is not a knowledge graph line (%v)", n, err)
		}
		switch {
		case l.Type == "entity" && strings.TrimSpace(l.Name) != "":
			entities++
			e := get(l.Name)
			e.kind = l.EntityType
			e.obs = append(e.obs, l.Observations...)
		case l.Type == "relation" && l.From != "" && l.To != "":
			relations++
			e := get(l.From)
			e.rels = append(e.rels, l.RelationType+" "+l.To)
		default:
			return nil, 0, 0, fmt.Errorf("line %d is neither an entity nor a relation", n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, 0, err
	}
	for _, name := range order {
		e := byName[name]
		var b strings.Builder
		for _, o := range e.obs {
			b.WriteString("- " + strings.TrimSpace(o) + "\n")
		}
		if len(e.rels) > 0 {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString("Relations:\n")
			for _, r := range e.rels {
				b.WriteString("- " + strings.TrimSpace(r) + "\n")
			}
		}
		if strings.TrimSpace(b.String()) == "" {
			b.WriteString(name)
		}
		var tags []string
		if kind := tagOf(e.kind); kind != "" {
			tags = []string{kind}
		}
		sum := sha256.Sum256([]byte(ns + "\x00knowledge-graph\x00" + name))
		mems = append(mems, ExportedMemory{ID: hex.EncodeToString(sum[:6]), Title: name, Content: strings.TrimSpace(b.String()),
			Tags: tags, Namespace: ns})
	}
	return mems, entities, relations, nil
}

// tagOf makes an entity type a tag: lowercase, words joined by "-".
func tagOf(kind string) string {
	return strings.Join(strings.Fields(strings.ToLower(kind)), "-")
}

// Package eval loads BEIR-format retrieval benchmarks and scores rankings
// against them, so search changes can be judged by numbers instead of by
// eyeballing a few queries.
//
// A dataset directory holds:
//
//	corpus.jsonl | corpus.jsonl.gz | turns.jsonl   one JSON object per document (or turn)
//	queries.jsonl (or .gz)                         one JSON object per query
//	qrels/<split>.tsv                              query-id, corpus-id, score
//
// Documents and queries carry an "_id"; documents have "title" and "text",
// queries "text" or (conversational sets such as LoCoMo) "question". Other
// scalar fields are kept in Fields so results can be broken down by them
// (see GroupBy).
package eval

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Doc is one corpus document.
type Doc struct {
	ID, Title, Text string
	// Fields holds every other top-level scalar field as a string (e.g.
	// "conv", "speaker", "date").
	Fields map[string]string
	// Turn marks a turn of a conversation (the turns.jsonl layout): it is
	// indexed as a transcript import writes it (see turns.go), not as a
	// document on its own.
	Turn bool
}

// Query is one benchmark query.
type Query struct {
	ID, Text string
	Fields   map[string]string
}

// Dataset is a corpus, the queries of one split and their relevance
// judgements.
type Dataset struct {
	Docs    []Doc
	Queries []Query
	// Qrels maps query id → doc id → graded relevance. Only queries in
	// Queries appear; a score ≤ 0 means judged not relevant.
	Qrels map[string]map[string]int
}

// corpusFiles are tried in order; turnsFile is the conversational layout.
var corpusFiles = []string{"corpus.jsonl", "corpus.jsonl.gz", turnsFile}

// turnsFile holds one conversation turn a line: "_id", "text", and
// "speaker", "conv" (the conversation), "session" and "date" when known.
const turnsFile = "turns.jsonl"

// Load reads the dataset in dir with the qrels of split (qrels/<split>.tsv).
// Queries are restricted to those judged in the split, in file order, since
// unjudged queries cannot be scored.
func Load(dir, split string) (*Dataset, error) {
	qrelsPath := filepath.Join(dir, "qrels", split+".tsv")
	qrels, err := readQrelsFile(qrelsPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("eval: split %q not found: %s does not exist (available splits: %s)",
			split, qrelsPath, availableSplits(dir))
	}
	if err != nil {
		return nil, err
	}

	corpusPath := ""
	for _, name := range corpusFiles {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			corpusPath = p
			break
		}
	}
	if corpusPath == "" {
		return nil, fmt.Errorf("eval: no corpus in %s (looked for %s)", dir, strings.Join(corpusFiles, ", "))
	}

	ds := &Dataset{Qrels: map[string]map[string]int{}}
	seen := map[string]bool{}
	turns := filepath.Base(corpusPath) == turnsFile
	err = readJSONL(corpusPath, func(r record) error {
		if seen[r.id] {
			return fmt.Errorf("duplicate _id %q", r.id)
		}
		seen[r.id] = true
		d := Doc{ID: r.id, Fields: r.fields, Turn: turns}
		d.Title, _ = r.take("title")
		d.Text, _ = r.take("text")
		ds.Docs = append(ds.Docs, d)
		return nil
	})
	if err != nil {
		return nil, err
	}

	queriesPath := filepath.Join(dir, "queries.jsonl")
	if _, err := os.Stat(queriesPath); err != nil {
		if _, gzErr := os.Stat(queriesPath + ".gz"); gzErr != nil {
			return nil, fmt.Errorf("eval: no queries in %s (looked for queries.jsonl, queries.jsonl.gz)", dir)
		}
		queriesPath += ".gz"
	}
	clear(seen)
	err = readJSONL(queriesPath, func(r record) error {
		if seen[r.id] {
			return fmt.Errorf("duplicate _id %q", r.id)
		}
		seen[r.id] = true
		rels, ok := qrels[r.id]
		if !ok {
			return nil
		}
		q := Query{ID: r.id, Fields: r.fields}
		var has bool
		if q.Text, has = r.take("text"); !has {
			q.Text, _ = r.take("question")
		}
		ds.Queries = append(ds.Queries, q)
		ds.Qrels[q.ID] = rels
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ds, nil
}

// availableSplits lists the qrels/*.tsv split names in dir, for error messages.
func availableSplits(dir string) string {
	ents, err := os.ReadDir(filepath.Join(dir, "qrels"))
	if err != nil {
		return "none: no qrels directory"
	}
	var splits []string
	for _, e := range ents {
		if name, ok := strings.CutSuffix(e.Name(), ".tsv"); ok && !e.IsDir() {
			splits = append(splits, name)
		}
	}
	if len(splits) == 0 {
		return "none"
	}
	slices.Sort(splits)
	return strings.Join(splits, ", ")
}

func readQrelsFile(path string) (map[string]map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseQrels(f, path)
}

// parseQrels reads a qrels TSV: query-id, corpus-id, score per line. A first
// line whose score column is not an integer is taken as the header. Fields
// are tab-separated; whitespace separation is accepted too because
// hand-written files often use spaces. name prefixes errors as name:line.
func parseQrels(r io.Reader, name string) (map[string]map[string]int, error) {
	qrels := map[string]map[string]int{}
	br := bufio.NewReader(r)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if t := strings.TrimSpace(line); t != "" {
			cols := strings.Split(t, "\t")
			if len(cols) == 1 {
				cols = strings.Fields(t)
			}
			if len(cols) != 3 {
				return nil, fmt.Errorf("%s:%d: want 3 columns (query-id, corpus-id, score), got %d", name, lineNo, len(cols))
			}
			qid, did := strings.TrimSpace(cols[0]), strings.TrimSpace(cols[1])
			score, convErr := strconv.Atoi(strings.TrimSpace(cols[2]))
			switch {
			case convErr != nil && lineNo == 1:
				// header
			case convErr != nil:
				return nil, fmt.Errorf("%s:%d: score %q is not an integer", name, lineNo, cols[2])
			case qid == "" || did == "":
				return nil, fmt.Errorf("%s:%d: empty query or corpus id", name, lineNo)
			default:
				if qrels[qid] == nil {
					qrels[qid] = map[string]int{}
				}
				qrels[qid][did] = score
			}
		}
		if err == io.EOF {
			return qrels, nil
		}
	}
}

// record is one parsed JSONL object: its id and its scalar fields.
type record struct {
	id     string
	fields map[string]string
}

// take removes key from the fields and returns it, so the fields promoted
// to Doc/Query struct members are not duplicated in Fields.
func (r record) take(key string) (string, bool) {
	v, ok := r.fields[key]
	delete(r.fields, key)
	return v, ok
}

// readJSONL calls fn for each non-blank line of path (gunzipped when the name
// ends in .gz). Errors, including fn's, are reported as path:line.
func readJSONL(path string, fn func(record) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("eval: %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	br := bufio.NewReaderSize(r, 1<<16)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("eval: %s:%d: %w", path, lineNo, err)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			rec, perr := parseLine(line)
			if perr == nil {
				perr = fn(rec)
			}
			if perr != nil {
				return fmt.Errorf("eval: %s:%d: %w", path, lineNo, perr)
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// parseLine decodes one JSONL object. "_id" (string or number) is required.
// Scalars become strings; nulls, objects and arrays are dropped because
// they cannot serve as a grouping key or text.
func parseLine(line []byte) (record, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return record{}, fmt.Errorf("expected a JSON object, got %s", te.Value)
		}
		return record{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if obj == nil {
		return record{}, errors.New("expected a JSON object, got null")
	}
	rec := record{fields: make(map[string]string, len(obj))}
	for k, raw := range obj {
		s, ok, err := scalar(raw)
		if err != nil {
			return record{}, fmt.Errorf("field %q: %w", k, err)
		}
		if ok {
			rec.fields[k] = s
		}
	}
	id, ok := rec.take("_id")
	if !ok || id == "" {
		return record{}, errors.New(`missing "_id" (must be a non-empty string or number)`)
	}
	rec.id = id
	return rec, nil
}

// scalar renders a JSON scalar as a string. ok is false for null, objects
// and arrays. Numbers keep their literal digits when integral (so large ids
// survive exactly) and are otherwise formatted without an exponent.
func scalar(raw json.RawMessage) (s string, ok bool, err error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "", false, nil
	}
	switch t[0] {
	case '"':
		if err := json.Unmarshal(t, &s); err != nil {
			return "", false, err
		}
		return s, true, nil
	case 't':
		return "true", true, nil
	case 'f':
		return "false", true, nil
	case 'n', '{', '[':
		return "", false, nil
	}
	lit := string(t)
	if !strings.ContainsAny(lit, ".eE") {
		return lit, true, nil
	}
	x, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return lit, true, nil // out of float64 range: the literal is the best we have
	}
	return strconv.FormatFloat(x, 'f', -1, 64), true, nil
}

// GroupBy splits ds by the value of a field present on every doc and query
// (for LoCoMo, "conv" gives one dataset per conversation, which is how that
// benchmark is meant to be searched). Each group keeps the qrels of its
// queries.
func GroupBy(ds *Dataset, field string) (map[string]*Dataset, error) {
	groups := map[string]*Dataset{}
	get := func(key string) *Dataset {
		g := groups[key]
		if g == nil {
			g = &Dataset{Qrels: map[string]map[string]int{}}
			groups[key] = g
		}
		return g
	}
	for _, d := range ds.Docs {
		v, ok := d.Fields[field]
		if !ok {
			return nil, fmt.Errorf("eval: field %q missing on doc %q (doc fields: %s; query fields: %s)",
				field, d.ID, fieldNames(docFields(ds)), fieldNames(queryFields(ds)))
		}
		g := get(v)
		g.Docs = append(g.Docs, d)
	}
	for _, q := range ds.Queries {
		v, ok := q.Fields[field]
		if !ok {
			return nil, fmt.Errorf("eval: field %q missing on query %q (query fields: %s; doc fields: %s)",
				field, q.ID, fieldNames(queryFields(ds)), fieldNames(docFields(ds)))
		}
		g := get(v)
		g.Queries = append(g.Queries, q)
		if rels, ok := ds.Qrels[q.ID]; ok {
			g.Qrels[q.ID] = rels
		}
	}
	return groups, nil
}

func docFields(ds *Dataset) []map[string]string {
	out := make([]map[string]string, len(ds.Docs))
	for i, d := range ds.Docs {
		out[i] = d.Fields
	}
	return out
}

func queryFields(ds *Dataset) []map[string]string {
	out := make([]map[string]string, len(ds.Queries))
	for i, q := range ds.Queries {
		out[i] = q.Fields
	}
	return out
}

// fieldNames lists the union of field names, sorted, for error messages.
func fieldNames(ms []map[string]string) string {
	set := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			set[k] = true
		}
	}
	if len(set) == 0 {
		return "none"
	}
	names := make([]string, 0, len(set))
	for k := range set {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

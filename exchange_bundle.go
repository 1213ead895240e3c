package memtomem

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/memfile"
)

// The export bundle of memtomem (Python), the system this one descends
// from (`mm export`, `mem_export` there): one JSON object
//
//	{"version": "2", "exported_at": "…", "total_chunks": N,
//	 "chunks": [{"chunk_id": "<uuid>", "content": "…", "source_file": "…",
//	             "heading_hierarchy": ["…"], "tags": ["…"],
//	             "namespace": "…", "created_at": "<ISO 8601>", …}, …]}
//
// Version 1 bundles lack chunk_id. Each chunk becomes one memory: its id is
// the chunk's UUID (a valid entry id as it is), or for version 1 one made
// from its file, line and text, so a second import skips what the first
// brought in.

// bundleChunk is the part of a chunk record an import keeps; the rest
// (embeddings are never in a bundle; line numbers, chunk type, language,
// redaction counts) describes the old index, not the memory.
type bundleChunk struct {
	ChunkID   string   `json:"chunk_id"`
	Content   string   `json:"content"`
	Source    string   `json:"source_file"`
	Headings  []string `json:"heading_hierarchy"`
	Tags      []string `json:"tags"`
	Namespace string   `json:"namespace"`
	Created   string   `json:"created_at"`
	StartLine int      `json:"start_line"`
}

// IsBundle reports whether head, the start of a file, is the start of a
// memtomem (Python) export bundle: an object with a "chunks" member.
func IsBundle(head []byte) bool {
	return hasTopKey(head, "chunks")
}

// ReadBundle reads a memtomem (Python) export bundle, one chunk at a time.
// A chunk naming no namespace gets ns. Namespaces that this store would
// refuse have each refused character replaced by '-'.
func ReadBundle(r io.Reader, ns string) (mems []ExportedMemory, version string, err error) {
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, "", fmt.Errorf("not a memtomem export bundle: it does not start with a JSON object")
	}
	sawChunks := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, "", fmt.Errorf("the bundle: %w", err)
		}
		switch t {
		case "version":
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, "", fmt.Errorf("the bundle's version: %w", err)
			}
			version = fmt.Sprint(v)
			if version != "1" && version != "2" {
				return nil, "", fmt.Errorf("bundle version %q is not supported (this mm reads memtomem bundles of version 1 and 2)", version)
			}
		case "chunks":
			sawChunks = true
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return nil, "", fmt.Errorf("the bundle's chunks are not a list")
			}
			for n := 1; dec.More(); n++ {
				var c bundleChunk
				if err := dec.Decode(&c); err != nil {
					return nil, "", fmt.Errorf("chunk %d of the bundle: %w", n, err)
				}
				mem, err := c.memory(ns)
				if err != nil {
					return nil, "", fmt.Errorf("chunk %d of the bundle: %w", n, err)
				}
				mems = append(mems, mem)
			}
			if _, err := dec.Token(); err != nil {
				return nil, "", fmt.Errorf("the bundle's chunks: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, "", fmt.Errorf("the bundle: %w", err)
			}
		}
	}
	if !sawChunks {
		return nil, "", fmt.Errorf("not a memtomem export bundle: no \"chunks\" list")
	}
	return mems, version, nil
}

// memory turns one chunk record into a memory.
func (c bundleChunk) memory(defaultNS string) (ExportedMemory, error) {
	content := strings.TrimSpace(c.Content)
	if content == "" {
		return ExportedMemory{}, fmt.Errorf("no content")
	}
	var title string
	for i := len(c.Headings) - 1; i >= 0 && title == ""; i-- {
		title = strings.TrimSpace(strings.TrimLeft(c.Headings[i], "# "))
	}
	// A section's chunk starts with its own heading: the title holds it now.
	if first, rest, _ := strings.Cut(content, "\n"); title != "" && strings.HasPrefix(first, "#") &&
		strings.TrimSpace(strings.TrimLeft(first, "#")) == title && strings.TrimSpace(rest) != "" {
		content = strings.TrimSpace(rest)
	}
	id := c.ChunkID
	if !memfile.ValidID(id) {
		sum := sha256.Sum256([]byte("memtomem bundle\x00" + c.Source + "\x00" + strconv.Itoa(c.StartLine) + "\x00" + content))
		id = hex.EncodeToString(sum[:6])
	}
	ns := c.Namespace
	if ns == "" {
		ns = defaultNS
	}
	var created time.Time
	if c.Created != "" {
		var err error
		if created, err = parseISOTime(c.Created); err != nil {
			return ExportedMemory{}, err
		}
	}
	var tags []string
	for _, t := range c.Tags {
		if t = tagOf(t); t != "" {
			tags = append(tags, t)
		}
	}
	return ExportedMemory{ID: id, Title: title, Content: content, Tags: tags, Namespace: safeNamespace(ns),
		Created: created, Source: c.Source}, nil
}

// parseISOTime reads Python's datetime.isoformat(): RFC 3339 with or
// without fractional seconds, or without a zone (taken as UTC).
func parseISOTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("created_at %q is not an ISO 8601 time", s)
}

// safeNamespace replaces what a namespace may not hold by '-' and keeps it
// within 64 characters, so a foreign namespace imports rather than fails.
func safeNamespace(ns string) string {
	var b strings.Builder
	for _, r := range ns {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.:-", r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := strings.TrimLeft(b.String(), ":")
	if len(out) > 64 {
		out = out[:64]
	}
	if out == "" {
		return "default"
	}
	return out
}

package chunk

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/memfile"
)

// FuzzSplitAppended is the differential check behind indexing an append
// alone: chunking a file whole and chunking its appended entry from the
// file's Context must give the same chunks and the same end Context.
func FuzzSplitAppended(f *testing.F) {
	for _, s := range markdownSeeds {
		f.Add([]byte(s), "Title", "body\n# Top again\ntext", uint16(0))
		f.Add([]byte(s), "", "| a |\n|---|\n| 1 |\n### sub\nmore", uint16(25<<2|3))
	}
	f.Fuzz(func(t *testing.T, file []byte, title, body string, optBits uint16) {
		if !appendable(file) {
			return
		}
		opt := fuzzOptions(optBits)
		e := memfile.Entry{Title: title, Body: body, Meta: memfile.Meta{ID: "fz1", Tags: []string{"t"}, Created: time.Unix(1764151200, 0).UTC()}}
		text := "\n" + e.Render()
		if got := memfile.Parse([]byte(e.Render())); len(got) != 1 || got[0].Body != strings.TrimSpace(body) {
			return // an entry memfile would refuse to write
		}
		before, ctx, ok := SplitContext("f.md", file, opt)
		if !ok {
			t.Fatal("a markdown file has a context")
		}
		whole, wantEnd, _ := SplitContext("f.md", append(bytes.Clone(file), text...), opt)
		added, end, ok := SplitAppended(ctx, []byte(text), bytes.Count(file, []byte("\n"))+1, opt)
		if !ok {
			t.Fatal("SplitAppended failed")
		}
		if got := append(append([]Chunk{}, before...), added...); !reflect.DeepEqual(got, whole) {
			t.Fatalf("chunks differ for file %q + %q:\nappended: %#v\nwhole:    %#v", file, text, got, whole)
		}
		if !reflect.DeepEqual(end, wantEnd) {
			t.Fatalf("end context %+v, whole file's %+v", end, wantEnd)
		}
		if plain := Split("f.md", append(bytes.Clone(file), text...), opt); !reflect.DeepEqual(plain, whole) {
			t.Fatal("SplitContext chunks differently from Split")
		}
	})
}

// appendable is memfile's condition for a fast append: the file ends in
// one line ending after a non-blank line.
func appendable(file []byte) bool {
	body, ok := bytes.CutSuffix(file, []byte("\n"))
	if !ok {
		return false
	}
	body = bytes.TrimSuffix(body, []byte("\r"))
	return !isBlank(string(body[bytes.LastIndexByte(body, '\n')+1:]))
}

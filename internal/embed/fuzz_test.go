package embed

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// FuzzSafetensorsHeader feeds arbitrary bytes as a model file: the reader
// must return an error or tensors that lie inside the file, never panic or
// allocate beyond the file's size.
func FuzzSafetensorsHeader(f *testing.F) {
	good := embedtest.EncodeSafetensors(
		embedtest.Tensor{Name: "embeddings", DType: "F16", Shape: []int64{3, 2}, Data: make([]byte, 12)},
		embedtest.Tensor{Name: "mapping", DType: "I64", Shape: []int64{3}, Data: make([]byte, 24)},
	)
	f.Add(good)
	f.Add(good[:len(good)-5])
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(append([]byte{2, 0, 0, 0, 0, 0, 0, 0}, "{}"...))
	f.Add(append([]byte{60, 0, 0, 0, 0, 0, 0, 0}, `{"e":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}`...))
	f.Fuzz(func(t *testing.T, data []byte) {
		tensors, err := readSafetensorsHeader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for name, ti := range tensors {
			if ti.Begin < 8 || ti.End < ti.Begin || ti.End > int64(len(data)) {
				t.Fatalf("tensor %q at [%d, %d] outside a %d-byte file", name, ti.Begin, ti.End, len(data))
			}
			if ti.elements()*dtypeSizes[ti.DType] != ti.End-ti.Begin {
				t.Fatalf("tensor %q: shape %v does not match its span", name, ti.Shape)
			}
			switch ti.DType {
			case "F32", "F16", "BF16", "F64", "I8":
				if _, err := readFloats(bytes.NewReader(data), ti); err != nil {
					t.Fatalf("tensor %q: %v", name, err)
				}
			case "I32", "I64":
				if _, err := readInts(bytes.NewReader(data), ti); err != nil {
					t.Fatalf("tensor %q: %v", name, err)
				}
			}
		}
	})
}

// FuzzWordPiece runs the whole tokenizer (BERT normaliser, pre-tokenizer,
// WordPiece) on arbitrary text: no panic, every id in the vocabulary.
func FuzzWordPiece(f *testing.F) {
	vocab := embedtest.Model2VecVocab([]string{"hello", "world", "##s", "##ing", "un", "é", "##é", "中", ",", "'", "a", "##a"})
	tj, err := embedtest.TokenizerJSON(vocab)
	if err != nil {
		f.Fatal(err)
	}
	tok, err := parseTokenizer(tj)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "hello worlds", "Héllo, wörld's", "中文\x00\u200b", "aaaaaaaa", "\xff\xfe", string(bytes.Repeat([]byte("a"), 300))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids := tok.encode(s, nil)
		for _, id := range ids {
			if id < 0 || int(id) >= len(vocab) {
				t.Fatalf("id %d outside the %d-token vocabulary for %q", id, len(vocab), s)
			}
		}
		if utf8.ValidString(s) && len(ids) > 4*utf8.RuneCountInString(s)+1 {
			t.Fatalf("%d ids for %d characters", len(ids), utf8.RuneCountInString(s))
		}
	})
}

package embed

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

var testVocab = []string{"hello", "world", "car", "##s", "fast", "cafe", "中", "文", ",", "un", "##aff", "##able"}

const (
	testDim  = 8
	testSeed = 42
)

// writeTestModel writes the test model and returns its directory.
func writeTestModel(t testing.TB, dtype string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "potion-test")
	if err := embedtest.WriteModel2VecAs(dir, testVocab, testDim, testSeed, dtype); err != nil {
		t.Fatal(err)
	}
	return dir
}

func m2vCfg(dir string) config.EmbeddingConfig {
	return config.EmbeddingConfig{Provider: "model2vec", Model: dir}
}

// expected is the normalised mean of the rows of the given tokens.
func expected(tokens ...string) []float64 {
	vocab := embedtest.Model2VecVocab(testVocab)
	sum := make([]float32, testDim)
	for _, tok := range tokens {
		id := slices.Index(vocab, tok)
		if id < 0 {
			panic("no token " + tok)
		}
		for j, x := range embedtest.Model2VecRow(testSeed, id, testDim) {
			sum[j] += x
		}
	}
	return normalised(sum)
}

func TestModel2VecEmbeds(t *testing.T) {
	dir := writeTestModel(t, "F32")
	e := mustNew(t, m2vCfg(dir), Options{})
	if g := e.Generation(); g != (Generation{Provider: "model2vec", Model: dir, Dimension: testDim}) {
		t.Fatalf("generation before loading: %+v", g)
	}
	cases := []struct {
		text   string
		tokens []string
	}{
		{"hello world", []string{"hello", "world"}},
		{"Hello   WORLD", []string{"hello", "world"}},             // lowercased, spaces collapsed
		{"hello zzzz world", []string{"hello", "world"}},          // unknown word left out, as model2vec does
		{"hello, world!", []string{"hello", ",", "world"}},        // "," is a token, "!" is unknown
		{"cars", []string{"car", "##s"}},                          // WordPiece continuation
		{"unaffable", []string{"un", "##aff", "##able"}},          // BERT's own example
		{"Café", []string{"cafe"}},                                // accents stripped
		{"中文", []string{"中", "文"}},                                // each ideograph a word
		{"zzzz qqqq", []string{"[UNK]"}},                          // only unknown: the [UNK] vector
		{"hello\x00\u200b world\x7f", []string{"hello", "world"}}, // control and format characters dropped
	}
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.text
	}
	vecs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			assertUnit(t, vecs[i])
			assertClose(t, vecs[i], expected(c.tokens...), 1e-5)
		})
	}
	again, err := e.Embed(context.Background(), texts[:1])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again[0], vecs[0]) {
		t.Fatal("same text gave a different vector")
	}
	if slices.Equal(vecs[0], vecs[4]) {
		t.Fatal("different texts gave the same vector")
	}
	_, err = e.Embed(context.Background(), []string{"hello", ""})
	if err == nil || !strings.Contains(err.Error(), "text #1") {
		t.Fatalf("blank text: %v", err)
	}
}

// Text past model2vec's limit (512 tokens, after cutting the text to 512 ×
// the median token length in characters) does not change the vector.
func TestModel2VecTruncates(t *testing.T) {
	e := mustNew(t, m2vCfg(writeTestModel(t, "F32")), Options{})
	vecs, err := e.Embed(context.Background(), []string{strings.Repeat("hello ", 600) + "world", "hello"})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, vecs[0], normalised(vecs[1]), 1e-5)
}

func TestModel2VecHalfPrecision(t *testing.T) {
	want, err := mustNew(t, m2vCfg(writeTestModel(t, "F32")), Options{}).Embed(context.Background(), []string{"hello cars"})
	if err != nil {
		t.Fatal(err)
	}
	for _, dtype := range []string{"F16", "BF16"} {
		t.Run(dtype, func(t *testing.T) {
			got, err := mustNew(t, m2vCfg(writeTestModel(t, dtype)), Options{}).Embed(context.Background(), []string{"hello cars"})
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, got[0], normalised(want[0]), 1e-2)
		})
	}
}

func TestHalfToFloat32(t *testing.T) {
	for _, f := range []float32{0, 1, -2.5, 0.333, 65504, 6.1e-5, 5.96e-8, -1e-6} {
		h := embedtest.Float32ToF16(f)
		back := halfToFloat32(h)
		if d := math.Abs(float64(back - f)); d > math.Abs(float64(f))*1e-3+6e-8 {
			t.Errorf("%v → %#04x → %v", f, h, back)
		}
	}
	if !math.IsInf(float64(halfToFloat32(0x7c00)), 1) || !math.IsNaN(float64(halfToFloat32(0x7e00))) {
		t.Error("Inf/NaN not preserved")
	}
	if math.Signbit(float64(halfToFloat32(0x8000))) != true {
		t.Error("-0 lost its sign")
	}
}

func TestModel2VecDimensionMismatch(t *testing.T) {
	cfg := m2vCfg(writeTestModel(t, "F32"))
	cfg.Dimension = 16
	e := mustNew(t, cfg, Options{})
	if d := e.Generation().Dimension; d != 16 {
		t.Fatalf("generation dimension %d, want the configured 16", d)
	}
	_, err := e.Embed(context.Background(), []string{"hello"})
	assertErr(t, err, "model2vec model at "+cfg.Model, "produces 8-dimensional vectors but embedding.dimension is 16")
}

// Vocabulary-quantised models map tokens to shared rows and scale them.
func TestModel2VecMappingAndWeights(t *testing.T) {
	dir := t.TempDir()
	toks := embedtest.Model2VecVocab([]string{"hello", "world"}) // 6 tokens
	rows := [][]float32{{1, 0}, {0, 1}}
	mapping := []int64{0, 0, 0, 0, 0, 1} // hello → row 0, world → row 1
	weights := []float32{1, 1, 1, 1, 3, 1}
	st := embedtest.EncodeSafetensors(
		embedtest.Tensor{Name: "embeddings", DType: "F32", Shape: []int64{2, 2}, Data: f32bytes(slices.Concat(rows...))},
		embedtest.Tensor{Name: "mapping", DType: "I64", Shape: []int64{6}, Data: i64bytes(mapping)},
		embedtest.Tensor{Name: "weights", DType: "F32", Shape: []int64{6}, Data: f32bytes(weights)},
	)
	writeModelFiles(t, dir, st, toks)
	e := mustNew(t, m2vCfg(dir), Options{})
	vecs, err := e.Embed(context.Background(), []string{"hello world"})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, vecs[0], normalised([]float32{3, 1}), 1e-6)
}

func writeModelFiles(t testing.TB, dir string, safetensors []byte, toks []string) {
	t.Helper()
	tj, err := embedtest.TokenizerJSON(toks)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"model.safetensors": safetensors, "tokenizer.json": tj, "config.json": []byte(`{"normalize":true}`)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func i64bytes(v []int64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return b
}

// Every kind of damage gives an error naming the file and the problem; New
// succeeds (it only checks the directory) and Embed reports it.
func TestModel2VecCorrupt(t *testing.T) {
	good := writeTestModel(t, "F32")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(good, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	st, tj := read("model.safetensors"), read("tokenizer.json")
	rows := int64(len(embedtest.Model2VecVocab(testVocab)))
	matrix := st[len(st)-int(rows)*testDim*4:]
	cases := []struct {
		name  string
		files map[string][]byte // nil value: delete the file
		want  []string
	}{
		{"no weights", map[string][]byte{"model.safetensors": nil}, []string{"model.safetensors is missing"}},
		{"no tokenizer", map[string][]byte{"tokenizer.json": nil}, []string{"tokenizer.json is missing"}},
		{"empty weights", map[string][]byte{"model.safetensors": {}}, []string{"model.safetensors is 0 bytes long", "truncated"}},
		{"truncated", map[string][]byte{"model.safetensors": st[:len(st)/2]}, []string{"model.safetensors", "outside the", "truncated or corrupt"}},
		{"header beyond file", map[string][]byte{"model.safetensors": append([]byte{0xff, 0xff, 0, 0, 0, 0, 0, 0}, st[8:100]...)}, []string{"model.safetensors declares a 65535-byte header", "truncated"}},
		{"header not json", map[string][]byte{"model.safetensors": append([]byte{4, 0, 0, 0, 0, 0, 0, 0}, "nope"...)}, []string{"model.safetensors has a header that is not a JSON object"}},
		{"offsets out of range", map[string][]byte{"model.safetensors": embedtest.EncodeSafetensors(embedtest.Tensor{Name: "embeddings", DType: "F32", Shape: []int64{rows, testDim}, Data: matrix[:100]})},
			[]string{"model.safetensors", `tensor "embeddings"`, "needs", "bytes"}},
		{"wrong dtype", map[string][]byte{"model.safetensors": embedtest.EncodeSafetensors(embedtest.Tensor{Name: "embeddings", DType: "I32", Shape: []int64{rows, testDim}, Data: matrix})},
			[]string{"model.safetensors", `tensor "embeddings" has dtype I32`}},
		{"unknown dtype", map[string][]byte{"model.safetensors": embedtest.EncodeSafetensors(embedtest.Tensor{Name: "embeddings", DType: "Q4", Shape: []int64{rows, testDim}, Data: matrix})},
			[]string{"model.safetensors", `unknown dtype "Q4"`}},
		{"no embeddings tensor", map[string][]byte{"model.safetensors": embedtest.EncodeSafetensors(embedtest.Tensor{Name: "weight", DType: "F32", Shape: []int64{rows, testDim}, Data: matrix})},
			[]string{"model.safetensors", `no tensor named "embeddings" (found: weight)`}},
		{"flat embeddings", map[string][]byte{"model.safetensors": embedtest.EncodeSafetensors(embedtest.Tensor{Name: "embeddings", DType: "F32", Shape: []int64{rows * testDim}, Data: matrix})},
			[]string{"model.safetensors", "shape", "[vocabulary, dimension]"}},
		{"too few rows", map[string][]byte{"model.safetensors": embedtest.EncodeSafetensors(embedtest.Tensor{Name: "embeddings", DType: "F32", Shape: []int64{2, testDim}, Data: matrix[:2*testDim*4]})},
			[]string{"tokenizer.json has token ids up to 15 but model.safetensors has only 2 rows"}},
		{"tokenizer not json", map[string][]byte{"tokenizer.json": tj[:len(tj)/2]}, []string{"tokenizer.json: not valid JSON"}},
		{"unigram", map[string][]byte{"tokenizer.json": []byte(`{"model":{"type":"Unigram","vocab":[["a",0.0]]}}`)},
			[]string{`tokenizer.json: unsupported tokenizer model type "Unigram"`}},
		{"bad normalizer", map[string][]byte{"tokenizer.json": []byte(strings.Replace(string(tj), `"BertNormalizer"`, `"Precompiled"`, 1))},
			[]string{`tokenizer.json: unsupported normalizer type "Precompiled"`}},
		{"bad pre_tokenizer", map[string][]byte{"tokenizer.json": []byte(strings.Replace(string(tj), `"BertPreTokenizer"`, `"Metaspace"`, 1))},
			[]string{`tokenizer.json: unsupported pre_tokenizer type "Metaspace"`}},
		{"config not json", map[string][]byte{"config.json": []byte("{")}, []string{"config.json is not a JSON object"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range []string{"model.safetensors", "tokenizer.json", "config.json"} {
				data := read(name)
				if d, ok := c.files[name]; ok {
					if d == nil {
						continue
					}
					data = d
				}
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			e, err := New(m2vCfg(dir), Options{})
			if err != nil {
				t.Fatalf("New must only check the directory, got %v", err)
			}
			_ = e.Generation() // must not panic on a damaged file
			_, err = e.Embed(context.Background(), []string{"hello"})
			assertErr(t, err, append([]string{"model2vec model at " + dir + " cannot be loaded: "}, c.want...)...)
		})
	}
}

// A failed load is tried again on the next call, so fixing the files does
// not need a restart.
func TestModel2VecRetriesLoad(t *testing.T) {
	dir := t.TempDir()
	e := mustNew(t, m2vCfg(dir), Options{})
	if g := e.Generation(); g.Dimension != 0 {
		t.Fatalf("dimension %d for an empty directory", g.Dimension)
	}
	if _, err := e.Embed(context.Background(), []string{"hello"}); err == nil {
		t.Fatal("no error for an empty directory")
	}
	if err := embedtest.WriteModel2Vec(dir, testVocab, testDim, testSeed); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(context.Background(), []string{"hello"}); err != nil {
		t.Fatal(err)
	}
	if g := e.Generation(); g.Dimension != testDim {
		t.Fatalf("dimension %d after loading", g.Dimension)
	}
}

func TestModel2VecCancelled(t *testing.T) {
	e := mustNew(t, m2vCfg(writeTestModel(t, "F32")), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, []string{"hello"}); !errorsIsCanceled(err) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

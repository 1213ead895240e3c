// Package embedtest provides test doubles for package embed: tiny model2vec
// models written to disk, httptest servers speaking the OpenAI and Ollama
// embeddings APIs, and a deterministic "concept" embedding under which
// texts that share a meaning but no keyword are close.
//
// It is a normal (non-test) package so that any package's tests can use it;
// nothing outside tests should import it.
package embedtest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
)

// SpecialTokens are put first in every vocabulary WriteModel2Vec writes,
// with ids 0 to 3, as in BERT-style vocabularies.
var SpecialTokens = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]"}

// Model2VecVocab is the vocabulary WriteModel2Vec writes for vocab: the
// special tokens, then vocab's entries in order without duplicates. A
// token's id is its index here.
func Model2VecVocab(vocab []string) []string {
	out := slices.Clone(SpecialTokens)
	for _, t := range vocab {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Model2VecRow is the vector WriteModel2Vec stores for token id: values in
// [-1, 1) from a generator seeded by (seed, id), so tests can compute
// expected embeddings.
func Model2VecRow(seed int64, id, dim int) []float32 {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(id)))
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.Float64()*2 - 1)
	}
	return v
}

// WriteModel2Vec writes a small valid model2vec model into dir (created if
// needed): model.safetensors with an F32 "embeddings" matrix of
// Model2VecRow rows, tokenizer.json with a WordPiece model, BertNormalizer
// and BertPreTokenizer over Model2VecVocab(vocab), and config.json.
// Continuation pieces are written as in BERT, e.g. "##ing".
func WriteModel2Vec(dir string, vocab []string, dim int, seed int64) error {
	return WriteModel2VecAs(dir, vocab, dim, seed, "F32")
}

// WriteModel2VecAs is WriteModel2Vec with the matrix stored as dtype "F32",
// "F16" or "BF16" (rounded to nearest even from the F32 rows).
func WriteModel2VecAs(dir string, vocab []string, dim int, seed int64, dtype string) error {
	if dim <= 0 {
		return fmt.Errorf("embedtest: dim must be positive, got %d", dim)
	}
	toks := Model2VecVocab(vocab)
	var data bytes.Buffer
	data.Grow(len(toks) * dim * 4)
	var b4 [4]byte
	for id := range toks {
		for _, x := range Model2VecRow(seed, id, dim) {
			switch dtype {
			case "F32":
				binary.LittleEndian.PutUint32(b4[:], math.Float32bits(x))
				data.Write(b4[:4])
			case "F16":
				binary.LittleEndian.PutUint16(b4[:], Float32ToF16(x))
				data.Write(b4[:2])
			case "BF16":
				binary.LittleEndian.PutUint16(b4[:], Float32ToBF16(x))
				data.Write(b4[:2])
			default:
				return fmt.Errorf("embedtest: unsupported dtype %q (F32, F16, BF16)", dtype)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	st := EncodeSafetensors(Tensor{Name: "embeddings", DType: dtype, Shape: []int64{int64(len(toks)), int64(dim)}, Data: data.Bytes()})
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors"), st, 0o644); err != nil {
		return err
	}
	tj, err := TokenizerJSON(toks)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), tj, 0o644); err != nil {
		return err
	}
	cfg, err := json.MarshalIndent(map[string]any{
		"model_type": "model2vec", "architectures": []string{"StaticModel"},
		"tokenizer_name": "embedtest", "apply_pca": dim, "apply_zipf": true,
		"hidden_dim": dim, "seq_length": 1000000, "normalize": true,
		"embedding_dtype": map[string]string{"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype],
	}, "", "    ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
}

// TokenizerJSON renders a Hugging Face tokenizer.json for a BERT-style
// WordPiece tokenizer over toks (id = index), shaped like the files the
// potion models ship.
func TokenizerJSON(toks []string) ([]byte, error) {
	vocab := make(map[string]int, len(toks))
	var added []map[string]any
	for id, t := range toks {
		vocab[t] = id
		if slices.Contains(SpecialTokens, t) {
			added = append(added, map[string]any{
				"id": id, "content": t, "single_word": false, "lstrip": false,
				"rstrip": false, "normalized": false, "special": true,
			})
		}
	}
	return json.Marshal(map[string]any{
		"version":      "1.0",
		"truncation":   nil,
		"padding":      nil,
		"added_tokens": added,
		"normalizer": map[string]any{
			"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
			"strip_accents": nil, "lowercase": true,
		},
		"pre_tokenizer":  map[string]any{"type": "BertPreTokenizer"},
		"post_processor": nil,
		"decoder":        map[string]any{"type": "WordPiece", "prefix": "##", "cleanup": true},
		"model": map[string]any{
			"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
			"max_input_chars_per_word": 100, "vocab": vocab,
		},
	})
}

// Tensor is one entry of a safetensors file.
type Tensor struct {
	Name  string
	DType string // "F32", "F16", "I64", …
	Shape []int64
	Data  []byte // little-endian, row-major
}

// EncodeSafetensors renders tensors in the safetensors format: 8-byte
// little-endian header length, JSON header padded with spaces to a multiple
// of 8, then the data in order.
func EncodeSafetensors(tensors ...Tensor) []byte {
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var off int
	for _, t := range tensors {
		header[t.Name] = map[string]any{"dtype": t.DType, "shape": t.Shape, "data_offsets": []int{off, off + len(t.Data)}}
		off += len(t.Data)
	}
	h, _ := json.Marshal(header) // maps of plain values always marshal
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := make([]byte, 8, 8+len(h)+off)
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	for _, t := range tensors {
		out = append(out, t.Data...)
	}
	return out
}

// Float32ToF16 converts to IEEE 754 binary16, rounding to nearest even.
func Float32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	rawExp := (b >> 23) & 0xff
	mant := b & 0x7fffff
	if rawExp == 0xff { // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	exp := int(rawExp) - 127 + 15
	switch {
	case exp >= 0x1f:
		return sign | 0x7c00 // too large: infinity
	case exp <= 0: // subnormal half, or zero
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		h := mant >> shift
		rem, halfway := mant&(1<<shift-1), uint32(1)<<(shift-1)
		if rem > halfway || (rem == halfway && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint16(exp)<<10 | uint16(mant>>13)
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry into the exponent is still the right value
	}
	return sign | h
}

// Float32ToBF16 converts to bfloat16 (the top half of a float32), rounding
// to nearest even.
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it a NaN
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

package embed

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Files of a model2vec model directory.
const (
	m2vWeightsFile   = "model.safetensors"
	m2vTokenizerFile = "tokenizer.json"
	m2vConfigFile    = "config.json"
)

// m2vMaxTokens is model2vec's default max_length: tokens past it are
// ignored.
const m2vMaxTokens = 512

// staticModel is a loaded model2vec model: a vector per token, averaged.
type staticModel struct {
	tok     *tokenizer
	dim     int
	emb     []float32 // rows × dim
	rows    int
	mapping []int64   // token id → row, for vocabulary-quantised models; nil = identity
	weights []float32 // per-token scale (by token id); nil = 1
	maxRune int       // texts are cut to this many characters before tokenising
}

// fileError names the file a model-loading problem is in.
func fileError(file, format string, args ...any) error {
	return fmt.Errorf("%s %s", file, fmt.Sprintf(format, args...))
}

// embeddingTensor picks the token-vector matrix: "embeddings" in model2vec's
// own layout, "embedding.weight" in the sentence-transformers one.
func embeddingTensor(tensors map[string]tensorInfo) (string, tensorInfo, error) {
	for _, name := range []string{"embeddings", "embedding.weight"} {
		if t, ok := tensors[name]; ok {
			if len(t.Shape) != 2 || t.Shape[0] == 0 || t.Shape[1] == 0 {
				return "", t, fmt.Errorf("tensor %q has shape %v; a model2vec embedding matrix is [vocabulary, dimension]", name, t.Shape)
			}
			return name, t, nil
		}
	}
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return "", tensorInfo{}, fmt.Errorf("has no tensor named \"embeddings\" (found: %s): not a model2vec model", strings.Join(names, ", "))
}

// openWeights opens model.safetensors and reads its header.
func openWeights(dir string) (*os.File, map[string]tensorInfo, error) {
	path := filepath.Join(dir, m2vWeightsFile)
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fileError(m2vWeightsFile, "is missing: the directory must hold model.safetensors, tokenizer.json and config.json as published for model2vec models")
		}
		return nil, nil, fileError(m2vWeightsFile, "cannot be opened: %v", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fileError(m2vWeightsFile, "cannot be read: %v", err)
	}
	tensors, err := readSafetensorsHeader(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fileError(m2vWeightsFile, "%v", err)
	}
	return f, tensors, nil
}

// peekDimension reads only the safetensors header to learn the dimension,
// so Generation is complete without loading the whole model.
func peekDimension(dir string) (int, error) {
	f, tensors, err := openWeights(dir)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	_, t, err := embeddingTensor(tensors)
	if err != nil {
		return 0, fileError(m2vWeightsFile, "%v", err)
	}
	return int(t.Shape[1]), nil
}

// loadStaticModel reads a model2vec directory, checking that the files
// agree with each other.
func loadStaticModel(dir string) (*staticModel, error) {
	f, tensors, err := openWeights(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	name, et, err := embeddingTensor(tensors)
	if err != nil {
		return nil, fileError(m2vWeightsFile, "%v", err)
	}
	m := &staticModel{rows: int(et.Shape[0]), dim: int(et.Shape[1])}
	if m.emb, err = readFloats(f, et); err != nil {
		return nil, fileError(m2vWeightsFile, "tensor %q %v", name, err)
	}

	data, err := os.ReadFile(filepath.Join(dir, m2vTokenizerFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fileError(m2vTokenizerFile, "is missing: the directory must hold model.safetensors, tokenizer.json and config.json as published for model2vec models")
		}
		return nil, fileError(m2vTokenizerFile, "cannot be read: %v", err)
	}
	if m.tok, err = parseTokenizer(data); err != nil {
		return nil, fmt.Errorf("%s: %v", m2vTokenizerFile, err)
	}
	m.maxRune = m2vMaxTokens * max(m.tok.medianTokenLength(), 1)

	// Vocabulary-quantised models (newer model2vec) map many tokens to one
	// row and scale each token by a weight.
	if t, ok := tensors["mapping"]; ok {
		if len(t.Shape) != 1 || int(t.Shape[0]) < m.tok.vocabSize {
			return nil, fileError(m2vWeightsFile, "tensor \"mapping\" has shape %v but tokenizer.json has %d tokens", t.Shape, m.tok.vocabSize)
		}
		if m.mapping, err = readInts(f, t); err != nil {
			return nil, fileError(m2vWeightsFile, "tensor \"mapping\" %v", err)
		}
		for i, r := range m.mapping {
			if r < 0 || r >= int64(m.rows) {
				return nil, fileError(m2vWeightsFile, "tensor \"mapping\" sends token %d to row %d, outside the %d rows of %q", i, r, m.rows, name)
			}
		}
	} else if m.tok.vocabSize > m.rows {
		return nil, fileError(m2vTokenizerFile, "has token ids up to %d but %s has only %d rows: the two files belong to different models", m.tok.vocabSize-1, m2vWeightsFile, m.rows)
	}
	if t, ok := tensors["weights"]; ok {
		if len(t.Shape) != 1 || int(t.Shape[0]) < m.tok.vocabSize {
			return nil, fileError(m2vWeightsFile, "tensor \"weights\" has shape %v but tokenizer.json has %d tokens", t.Shape, m.tok.vocabSize)
		}
		if m.weights, err = readFloats(f, t); err != nil {
			return nil, fileError(m2vWeightsFile, "tensor \"weights\" %v", err)
		}
	}

	if err := checkM2VConfig(dir); err != nil {
		return nil, err
	}
	return m, nil
}

// checkM2VConfig reads config.json when present. Nothing in it changes the
// vectors here ("normalize" is moot: we always normalise, for cosine), but
// a malformed one is reported, since it suggests a damaged download.
func checkM2VConfig(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, m2vConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fileError(m2vConfigFile, "cannot be read: %v", err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		return fileError(m2vConfigFile, "is not a JSON object: %v", err)
	}
	return nil
}

// embed writes the mean of text's token vectors into out (len dim) and
// reports whether the text had any token. As in model2vec, unknown tokens
// are left out of the mean; a text made only of unknown tokens takes the
// unknown token's vector, so that every non-blank text gets a vector. ids is
// scratch space.
func (m *staticModel) embed(text string, out []float32, ids []int32) ([]int32, bool) {
	text = cutRunes(text, m.maxRune)
	ids = m.tok.encode(text, ids[:0])
	unk := m.tok.model.unk
	known := ids[:0]
	sawUnk := false
	for _, id := range ids {
		if id == unk {
			sawUnk = true
			continue
		}
		known = append(known, id)
	}
	if len(known) == 0 && sawUnk {
		known = append(known, unk)
	}
	known = known[:min(len(known), m2vMaxTokens)]
	clear(out)
	if len(known) == 0 {
		return ids, false
	}
	for _, id := range known {
		row := int64(id)
		if m.mapping != nil {
			row = m.mapping[id]
		}
		w := float32(1)
		if m.weights != nil {
			w = m.weights[id]
		}
		vec := m.emb[int(row)*m.dim : int(row+1)*m.dim]
		for j, x := range vec {
			out[j] += w * x
		}
	}
	inv := 1 / float32(len(known))
	for j := range out {
		out[j] *= inv
	}
	return ids, true
}

// cutRunes returns the first n characters of s.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

package embed

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"unicode/utf8"
)

// tokenizer is the part of a Hugging Face tokenizer.json that turns text
// into token ids: normaliser, pre-tokenizer, WordPiece model. No special
// tokens are added ([CLS]/[SEP]), as model2vec encodes without them.
//
// Added tokens (literal "[CLS]" in the text) are not matched specially:
// such text is tokenised like any other, which only changes the vector of
// text that spells out a special token.
type tokenizer struct {
	normalize normalizer
	split     pretokenizer
	model     *wordPiece
	vocabSize int // highest id + 1
}

// tokenizerJSON is the subset of tokenizer.json we read.
type tokenizerJSON struct {
	Normalizer   json.RawMessage `json:"normalizer"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Model        struct {
		Type                    string          `json:"type"`
		Vocab                   json.RawMessage `json:"vocab"`
		UnkToken                *string         `json:"unk_token"`
		ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
		MaxInputCharsPerWord    *int            `json:"max_input_chars_per_word"`
	} `json:"model"`
}

// parseTokenizer builds a tokenizer from the contents of tokenizer.json.
func parseTokenizer(data []byte) (*tokenizer, error) {
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	typ := tj.Model.Type
	if typ == "" && tj.Model.ContinuingSubwordPrefix != nil {
		typ = "WordPiece" // files written before "type" was serialised
	}
	if typ != "WordPiece" {
		return nil, fmt.Errorf("unsupported tokenizer model type %q: only WordPiece tokenizers (as in minishlab/potion-base-*) are supported", typ)
	}
	var vocab map[string]int64
	if err := json.Unmarshal(tj.Model.Vocab, &vocab); err != nil || vocab == nil {
		return nil, fmt.Errorf("model.vocab must map tokens to ids: %v", err)
	}
	if len(vocab) == 0 {
		return nil, fmt.Errorf("model.vocab is empty")
	}
	wp := &wordPiece{vocab: make(map[string]int32, len(vocab)), unk: -1, prefix: "##", maxChars: 100}
	maxID := int64(-1)
	for tok, id := range vocab {
		if id < 0 || id > math.MaxInt32 {
			return nil, fmt.Errorf("model.vocab: token %q has id %d, out of range", tok, id)
		}
		wp.vocab[tok] = int32(id)
		maxID = max(maxID, id)
	}
	if p := tj.Model.ContinuingSubwordPrefix; p != nil {
		wp.prefix = *p
	}
	if m := tj.Model.MaxInputCharsPerWord; m != nil && *m > 0 {
		wp.maxChars = *m
	}
	if u := tj.Model.UnkToken; u != nil {
		if id, ok := wp.vocab[*u]; ok {
			wp.unk = id
		}
	}
	norm, err := buildNormalizer(tj.Normalizer)
	if err != nil {
		return nil, err
	}
	split, err := buildPretokenizer(tj.PreTokenizer)
	if err != nil {
		return nil, err
	}
	return &tokenizer{normalize: norm, split: split, model: wp, vocabSize: int(maxID) + 1}, nil
}

// encode appends the token ids of text to ids.
func (t *tokenizer) encode(text string, ids []int32) []int32 {
	var buf []byte
	for _, w := range t.split(t.normalize(text), nil) {
		ids = t.model.tokenize(w, ids, &buf)
	}
	return ids
}

// medianTokenLength is model2vec's median_token_length: the median length in
// characters of the vocabulary's tokens (numpy's median, truncated to an
// int). model2vec cuts a text to max_length × this many characters before
// tokenising; we do the same so long texts give the same vectors.
func (t *tokenizer) medianTokenLength() int {
	lens := make([]int, 0, len(t.model.vocab))
	for tok := range t.model.vocab {
		lens = append(lens, utf8.RuneCountInString(tok))
	}
	sort.Ints(lens)
	n := len(lens)
	if n%2 == 1 {
		return lens[n/2]
	}
	return (lens[n/2-1] + lens[n/2]) / 2
}

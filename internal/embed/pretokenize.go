package embed

import (
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// pretokenizer splits normalised text into words, appending them (as
// substrings of s, no copies) to words.
type pretokenizer func(s string, words []string) []string

// buildPretokenizer reads a tokenizer.json "pre_tokenizer" entry. null
// leaves the whole text as one word, as the tokenizers library does.
func buildPretokenizer(raw json.RawMessage) (pretokenizer, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return func(s string, words []string) []string {
			if s == "" {
				return words
			}
			return append(words, s)
		}, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %v", err)
	}
	switch head.Type {
	case "BertPreTokenizer":
		return bertPreTokenize, nil
	case "WhitespaceSplit":
		return whitespaceSplit, nil
	case "Whitespace":
		return wordsAndPunctuation, nil
	case "Sequence":
		var c struct {
			PreTokenizers []json.RawMessage `json:"pretokenizers"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Sequence: %v", err)
		}
		steps := make([]pretokenizer, len(c.PreTokenizers))
		for i, r := range c.PreTokenizers {
			p, err := buildPretokenizer(r)
			if err != nil {
				return nil, err
			}
			steps[i] = p
		}
		return func(s string, words []string) []string {
			cur := []string{s}
			for _, p := range steps {
				var next []string
				for _, w := range cur {
					next = p(w, next)
				}
				cur = next
			}
			return append(words, cur...)
		}, nil
	}
	return nil, fmt.Errorf("unsupported pre_tokenizer type %q (supported: BertPreTokenizer, WhitespaceSplit, Whitespace, Sequence)", head.Type)
}

// bertPreTokenize splits on white space (dropped) and punctuation (each
// punctuation character becomes a word of its own): "don't stop." →
// "don", "'", "t", "stop", ".".
func bertPreTokenize(s string, words []string) []string {
	start := -1 // start of the current word, -1 when between words
	for i, r := range s {
		switch {
		case isBertSpace(r):
			if start >= 0 {
				words = append(words, s[start:i])
				start = -1
			}
		case isBertPunct(r):
			if start >= 0 {
				words = append(words, s[start:i])
				start = -1
			}
			words = append(words, s[i:i+utf8.RuneLen(r)])
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		words = append(words, s[start:])
	}
	return words
}

// isBertPunct is BERT's punctuation: all non-alphanumeric printable ASCII
// (including symbols such as $, + and ^) and Unicode category P.
func isBertPunct(r rune) bool {
	if r < utf8.RuneSelf {
		return (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126)
	}
	return unicode.IsPunct(r)
}

// whitespaceSplit splits on white space only.
func whitespaceSplit(s string, words []string) []string {
	start := -1
	for i, r := range s {
		if unicode.IsSpace(r) {
			if start >= 0 {
				words = append(words, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		words = append(words, s[start:])
	}
	return words
}

// wordsAndPunctuation is the "Whitespace" pre-tokenizer, the regular
// expression \w+|[^\w\s]+: runs of word characters and runs of other
// non-space characters.
func wordsAndPunctuation(s string, words []string) []string {
	const none, word, other = 0, 1, 2
	kind, start := none, 0
	for i, r := range s {
		k := other
		switch {
		case unicode.IsSpace(r):
			k = none
		case isWordChar(r):
			k = word
		}
		if k != kind {
			if kind != none {
				words = append(words, s[start:i])
			}
			kind, start = k, i
		}
	}
	if kind != none {
		words = append(words, s[start:])
	}
	return words
}

// isWordChar is the Unicode \w: letters, marks, digits, connector
// punctuation.
func isWordChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r) || unicode.Is(unicode.Pc, r)
}

package embed

import "unicode/utf8"

// wordPiece is the WordPiece model of BERT-family tokenizers: each word is
// cut greedily into the longest vocabulary pieces from the left, pieces
// after the first carrying the continuation prefix ("##"). A word that
// cannot be cut completely becomes the unknown token, as a whole.
type wordPiece struct {
	vocab    map[string]int32
	unk      int32 // id of the unknown token, -1 when the vocabulary lacks it
	prefix   string
	maxChars int // longer words are unknown without trying
}

// tokenize appends the ids of word's pieces to ids. buf is scratch space
// reused across calls, so lookups of prefixed pieces do not allocate.
func (w *wordPiece) tokenize(word string, ids []int32, buf *[]byte) []int32 {
	if utf8.RuneCountInString(word) > w.maxChars {
		return w.appendUnk(ids)
	}
	first := len(ids)
	for start := 0; start < len(word); {
		id, end := int32(-1), len(word)
		for end > start {
			b := (*buf)[:0]
			if start > 0 {
				b = append(b, w.prefix...)
			}
			b = append(b, word[start:end]...)
			*buf = b
			if v, ok := w.vocab[string(b)]; ok { // no allocation: map lookup by converted []byte
				id = v
				break
			}
			// Step back one whole character, never into the middle of one.
			_, size := utf8.DecodeLastRuneInString(word[start:end])
			end -= size
		}
		if id < 0 {
			return w.appendUnk(ids[:first])
		}
		ids = append(ids, id)
		start = end
	}
	return ids
}

func (w *wordPiece) appendUnk(ids []int32) []int32 {
	if w.unk < 0 {
		return ids
	}
	return append(ids, w.unk)
}

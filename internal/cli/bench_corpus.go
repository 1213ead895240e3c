package cli

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// benchVocabulary is the number of distinct words in a generated corpus:
// with Zipf-distributed draws over several thousand words, a 3-word query
// matches a small share of the chunks, as it does in real notes, instead of
// every chunk (which would make BM25 look slower than it is).
const benchVocabulary = 6000

// benchSectionsPerFile is how many heading sections (one chunk each) a
// generated file holds, so a 100k corpus is 1000 files, not 100k.
const benchSectionsPerFile = 100

// corpus draws words for the generated notes and queries; deterministic,
// so runs compare.
type corpus struct {
	words []string
	rng   *rand.Rand
	zipf  *rand.Zipf
}

func newCorpus() *corpus {
	rng := rand.New(rand.NewPCG(7, 11))
	// Pseudo-words from syllables: distinct, pronounceable, and not in any
	// stop-word list.
	syl := strings.Fields(`ka lo mi ne ru sa te vo zi pa qu de fo gi hu ja be cy wo xa ly tor ven
		mar sil dun per bra cle fro gla`)
	seen := map[string]bool{}
	words := make([]string, 0, benchVocabulary)
	for len(words) < benchVocabulary {
		k := 2 + rng.IntN(3)
		var b strings.Builder
		for range k {
			b.WriteString(syl[rng.IntN(len(syl))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	// s=1.07 is the slope of word frequencies in English; the offset 30
	// flattens the head the way dropping stop words does, so the commonest
	// word is in about a third of the chunks and a query's rarest word in
	// about 2% (measured over a 10k corpus), as with notes, not in all.
	return &corpus{words: words, rng: rng, zipf: rand.NewZipf(rng, 1.07, 30, uint64(len(words)-1))}
}

func (c *corpus) sentence(k int) string {
	out := make([]string, k)
	for i := range out {
		out[i] = c.words[c.zipf.Uint64()]
	}
	return strings.Join(out, " ")
}

// query is three words drawn from the same distribution as the text.
func (c *corpus) query() string { return c.sentence(3) }

// write puts chunks heading sections of about 60 words (above the
// chunker's minimum, below its maximum, so one section is one chunk) into
// markdown files under dir, and returns how many files it wrote.
func (c *corpus) write(dir string, chunks int) (int, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	files := 0
	for start := 0; start < chunks; start += benchSectionsPerFile {
		var b strings.Builder
		for i := start; i < min(chunks, start+benchSectionsPerFile); i++ {
			fmt.Fprintf(&b, "## %s %d\n\n%s.\n\n", c.sentence(3), i, c.sentence(60))
		}
		name := filepath.Join(dir, fmt.Sprintf("notes-%05d.md", files))
		if err := os.WriteFile(name, []byte(b.String()), 0o600); err != nil {
			return files, err
		}
		files++
	}
	return files, nil
}

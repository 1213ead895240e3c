package embed

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// BenchmarkModel2Vec embeds 1000 short texts per iteration with a model the
// size of potion-base-8M's vocabulary (30k tokens) at 256 dimensions.
func BenchmarkModel2Vec(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		n := 2 + r.IntN(7)
		var sb strings.Builder
		for range n {
			sb.WriteByte(byte('a' + r.IntN(26)))
		}
		return sb.String()
	}
	vocab := make([]string, 0, 30000)
	for len(vocab) < 24000 {
		vocab = append(vocab, word())
	}
	for len(vocab) < 30000 {
		vocab = append(vocab, "##"+word()[:2])
	}
	dir := b.TempDir()
	if err := embedtest.WriteModel2Vec(dir, vocab, 256, 7); err != nil {
		b.Fatal(err)
	}
	texts := make([]string, 1000)
	for i := range texts {
		words := make([]string, 6+r.IntN(10))
		for j := range words {
			if r.IntN(5) == 0 {
				words[j] = word() + word() // often not in the vocabulary: WordPiece splits it
			} else {
				words[j] = vocab[r.IntN(24000)]
			}
		}
		texts[i] = strings.Join(words, " ") + "."
	}
	e, err := New(m2vCfg(dir), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.Embed(ctx, texts[:1]); err != nil { // load outside the timing
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.Embed(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
}

package search

import (
	"math"

	"github.com/memtomem/memtomem/internal/store"
)

// The fusion guard: reciprocal rank fusion gives a dense leg's top hits as
// much say as the keyword leg's, whatever the model. A model that carries
// no signal (random, or too small for the texts) then pushes unrelated
// chunks into the top ten: with equal weights a random model halved SciFact
// nDCG@10 (0.689 → 0.380). The guard scales the dense weight of each query
// by the evidence that, for this query, the dense leg ranks like something
// that knows what the query means.
//
// The evidence is agreement beyond chance. Take the keyword leg's top
// guardTop hits and find those the dense leg returned at all (T of them).
// If the dense ranking were unrelated to the query, each of them would be
// equally likely anywhere in the dense list, so the number x found among
// the dense leg's own top guardTop is Binomial(T, guardTop/len(dense)). The
// p-value of the observed x under that null says how surprising the
// agreement is: at or below guardFull the dense leg keeps its whole weight,
// at or above guardNone it gets none, and in between the weight falls with
// log p. The chance rate comes from the dense list itself, so the test needs
// no corpus size and holds for a 400-turn conversation (where two random
// top-tens share a chunk one query in six) as for 5,000 abstracts.
//
// Measured with mm eval (K=100) and the legs replayed offline for the
// variants (issue 13's closing note has the whole table), keyword-only
// SciFact train nDCG@10 0.6890 and LoCoMo dev 0.4746:
//
//   - random vectors: unguarded 0.3804 / 0.1312; guarded 0.6849 / 0.4703;
//   - a complementary model (a noisy oracle, dense-only 0.27 / 0.54):
//     unguarded 0.8049 / 0.7183, guarded 0.7270 / 0.4975, still above
//     keywords;
//   - a fixed small weight cannot do both: dense_weight 0.1 still costs
//     random vectors 0.015 / 0.060 and keeps little of the oracle's gain;
//     plain top-10 overlap as the weight (full at 2 of 10 shared) lets
//     chance overlaps through on small stores (LoCoMo random 0.4442).
//
// What the guard cannot tell is a weak model that agrees with the keywords
// yet ranks worse (a bag of hashed words): agreement lets it through. That
// is what mm eval --sweep on one's own data is for.
const (
	guardTop  = 10
	guardFull = 0.01
	guardNone = 0.1
)

// Guard modes (search.fusion_guard).
const (
	GuardAgreement = "agreement"
	GuardOff       = "off"
)

// denseFactor is the share of its weight the dense leg keeps for one query,
// in [0, 1]. With either leg empty only one leg ranks anything, so there is
// nothing to weigh and it is 1. A dense list no longer than guardTop (a
// store of that few chunks) cannot show agreement beyond chance: the
// keyword order stands there, and dense-only hits follow it.
func denseFactor(keyword, vector []store.Hit) float64 {
	if len(keyword) == 0 || len(vector) == 0 {
		return 1
	}
	dense := make(map[string]int, len(vector))
	for i, h := range vector {
		dense[h.ID] = i
	}
	t, x := 0, 0
	for _, h := range keyword[:min(guardTop, len(keyword))] {
		if r, ok := dense[h.ID]; ok {
			t++
			if r < guardTop {
				x++
			}
		}
	}
	q := float64(min(guardTop, len(vector))) / float64(len(vector))
	p := binomialTail(x, t, q)
	switch {
	case p <= guardFull:
		return 1
	case p >= guardNone:
		return 0
	}
	return math.Log(guardNone/p) / math.Log(guardNone/guardFull)
}

// binomialTail is P(X >= x) for X ~ Binomial(n, q); 1 when x <= 0 or
// q >= 1.
func binomialTail(x, n int, q float64) float64 {
	if x <= 0 || q >= 1 {
		return 1
	}
	var p float64
	for i := x; i <= n; i++ {
		lg := lgamma(n+1) - lgamma(i+1) - lgamma(n-i+1)
		p += math.Exp(lg + float64(i)*math.Log(q) + float64(n-i)*math.Log1p(-q))
	}
	return min(p, 1)
}

func lgamma(n int) float64 {
	v, _ := math.Lgamma(float64(n))
	return v
}

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
// guardTop hits and find those the dense leg returned at all (T of them),
// at dense ranks r_1..r_T of a list of D. If the dense ranking knew nothing
// of the query, each (r_i+½)/D would be uniform on (0, 1), so their sum
// follows the Irwin–Hall distribution of T uniforms; its lower tail at the
// observed sum is the p-value of "the dense leg ranks the keyword leg's best
// this high by chance". At or below guardFull the dense leg keeps its whole
// weight, at or above guardNone it gets none, and in between the weight
// falls with log p. The chance rate comes from the dense list itself, so the
// test needs no corpus size and holds for a 400-turn conversation (where
// two random top-tens share a chunk one query in six) as for 5,000
// abstracts. guardNone bounds how often a model without signal gets any
// say at all: one query in a hundred.
//
// Measured with mm eval (K=100) and the legs replayed offline for the
// variants (issue 13's closing note has the whole table), keyword-only
// SciFact train nDCG@10 0.6890 and LoCoMo dev 0.4746:
//
//   - random vectors: unguarded 0.3804 / 0.1312; guarded 0.6890 / 0.4739;
//   - a complementary model (a noisy oracle, dense-only 0.27 / 0.54):
//     unguarded 0.8049 / 0.7183, guarded 0.7111 / 0.4847, above keywords;
//   - looser thresholds keep more of such a model's gain but let chance
//     through: p 0.01–0.1 gives random 0.6818 / 0.4629, oracle 0.7367 /
//     0.5138;
//   - counting shared top-ten hits instead of ranks (a binomial test) has
//     less power: at 0.001–0.01 the oracle keeps only 0.6917 / 0.4822;
//   - a fixed small weight cannot do both: dense_weight 0.1 still costs
//     random vectors 0.015 / 0.060;
//   - plain top-10 overlap as the weight (full at 2 of 10 shared) lets
//     chance overlaps through on small stores (LoCoMo random 0.4442).
//
// What the guard cannot tell is a weak model that agrees with the keywords
// yet ranks worse (a bag of hashed words: unguarded 0.4936 / 0.3037,
// guarded 0.6610 / 0.4375): agreement lets it through. That is what
// mm eval --sweep on one's own data is for.
const (
	guardTop  = 10
	guardFull = 0.001
	guardNone = 0.01
)

// Guard modes (search.fusion_guard).
const (
	GuardAgreement = "agreement"
	GuardOff       = "off"
)

// denseFactor is the share of its weight the dense leg keeps for one query,
// in [0, 1]. With either leg empty only one leg ranks anything, so there is
// nothing to weigh and it is 1.
func denseFactor(keyword, vector []store.Hit) float64 {
	if len(keyword) == 0 || len(vector) == 0 {
		return 1
	}
	rank := make(map[string]int, len(vector))
	for i, h := range vector {
		rank[h.ID] = i
	}
	t, sum := 0, 0.0
	for _, h := range keyword[:min(guardTop, len(keyword))] {
		if r, ok := rank[h.ID]; ok {
			t++
			sum += (float64(r) + 0.5) / float64(len(vector))
		}
	}
	if t == 0 {
		// None of the keyword leg's best is anywhere in the dense list:
		// no agreement at all.
		return 0
	}
	p := irwinHallCDF(sum, t)
	switch {
	case p <= guardFull:
		return 1
	case p >= guardNone:
		return 0
	}
	return math.Log(guardNone/p) / math.Log(guardNone/guardFull)
}

// irwinHallCDF is P(U_1+…+U_n <= x) for n independent uniforms on (0, 1):
// (1/n!) Σ_{k=0}^{⌊x⌋} (-1)^k C(n,k) (x-k)^n. The alternating sum is exact
// enough in float64 for the n <= guardTop it is used with.
func irwinHallCDF(x float64, n int) float64 {
	if x <= 0 {
		return 0
	}
	if x >= float64(n) {
		return 1
	}
	var s, c float64 = 0, 1 // c = C(n, k)
	for k := 0; k <= int(x); k++ {
		term := c * math.Pow(x-float64(k), float64(n))
		if k%2 == 1 {
			term = -term
		}
		s += term
		c = c * float64(n-k) / float64(k+1)
	}
	for i := 2; i <= n; i++ {
		s /= float64(i)
	}
	return min(max(s, 0), 1)
}

package embedtest

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"unicode"
)

// noiseWeight is the share of a non-concept word in a Concepts vector. Small
// enough that one shared concept outweighs several unrelated words, large
// enough that texts without a concept still differ.
const noiseWeight = 0.25

// Concepts returns a deterministic embedding function for tests in which
// meaning, not spelling, decides closeness. Each group of words (say
// {"car", "automobile", "vehicle"}) owns one axis; a text's vector is the
// normalised sum of the axes of the group words it contains plus, for every
// other word, a small pseudo-random component derived from the word's hash
// in the dimensions no group owns. So "my automobile broke down" and "the
// car is in the garage" are close although they share no keyword, and
// texts with no concept in common are nearly orthogonal.
//
// Words are the text's runs of letters and digits, lowercased; group words
// match exactly (no stemming: list "cars" too if you need it). A text with
// no words gets a fixed unit vector. dim must exceed len(groups); Concepts
// panics otherwise, or if a word is in two groups.
func Concepts(dim int, groups ...[]string) func(string) []float32 {
	if dim <= len(groups) {
		panic(fmt.Sprintf("embedtest.Concepts: dim %d must exceed the number of groups (%d)", dim, len(groups)))
	}
	axis := map[string]int{}
	for g, words := range groups {
		for _, w := range words {
			w = strings.ToLower(w)
			if prev, ok := axis[w]; ok && prev != g {
				panic(fmt.Sprintf("embedtest.Concepts: %q is in groups %d and %d", w, prev, g))
			}
			axis[w] = g
		}
	}
	free := dim - len(groups) // dimensions for the hash component
	return func(text string) []float32 {
		v := make([]float64, dim)
		words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})
		for _, w := range words {
			if g, ok := axis[w]; ok {
				v[g]++
				continue
			}
			h := fnv.New64a()
			h.Write([]byte(w))
			r := rand.New(rand.NewPCG(h.Sum64(), 0x636f6e63657074)) // "concept"
			noise := make([]float64, free)
			var n float64
			for i := range noise {
				noise[i] = r.NormFloat64()
				n += noise[i] * noise[i]
			}
			if n == 0 {
				continue
			}
			n = math.Sqrt(n)
			for i, x := range noise {
				v[len(groups)+i] += noiseWeight * x / n
			}
		}
		var s float64
		for _, x := range v {
			s += x * x
		}
		out := make([]float32, dim)
		if s == 0 {
			out[dim-1] = 1
			return out
		}
		inv := 1 / math.Sqrt(s)
		for i, x := range v {
			out[i] = float32(x * inv)
		}
		return out
	}
}

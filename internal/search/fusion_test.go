package search

import (
	"fmt"
	"math"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

func TestIrwinHallCDF(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		n    int
		want float64
	}{
		{0.3, 1, 0.3}, {0.5, 2, 0.125}, {1.5, 2, 0.875}, {1.5, 3, 0.5}, {5, 10, 0.5}, {-1, 3, 0}, {4, 3, 1},
		{0.5, 10, math.Pow(0.5, 10) / 3628800},
	} {
		if got := irwinHallCDF(tc.x, tc.n); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("irwinHallCDF(%g, %d) = %g, want %g", tc.x, tc.n, got, tc.want)
		}
	}
}

func hits(ids ...int) []store.Hit {
	out := make([]store.Hit, len(ids))
	for i, id := range ids {
		out[i].ID = fmt.Sprint(id)
	}
	return out
}

func TestDenseFactor(t *testing.T) {
	dense := make([]int, 200)
	for i := range dense {
		dense[i] = i
	}
	// The keyword leg's best are the dense leg's best: full weight.
	if f := denseFactor(hits(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), hits(dense...)); f != 1 {
		t.Errorf("agreeing legs: factor %g, want 1", f)
	}
	// Spread over the dense list as chance would: no weight.
	if f := denseFactor(hits(5, 25, 45, 65, 85, 105, 125, 145, 165, 185), hits(dense...)); f != 0 {
		t.Errorf("legs agreeing by chance: factor %g, want 0", f)
	}
	// Nothing in common: no weight. One leg empty: nothing to weigh.
	if f := denseFactor(hits(1000, 1001), hits(dense...)); f != 0 {
		t.Errorf("disjoint legs: factor %g, want 0", f)
	}
	if f := denseFactor(nil, hits(dense...)); f != 1 {
		t.Errorf("no keyword hits: factor %g, want 1", f)
	}
}

// The alternating sum must stay a distribution function for every n the
// guard uses: within [0, 1] and never falling as x grows.
func FuzzIrwinHallCDF(f *testing.F) {
	f.Add(0.5, 1.0, uint8(10))
	f.Add(4.9, 0.2, uint8(9))
	f.Fuzz(func(t *testing.T, x, dx float64, n uint8) {
		k := int(n)%guardTop + 1
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(dx) || math.IsInf(dx, 0) {
			return
		}
		x, dx = math.Mod(x, float64(k)+1), math.Abs(math.Mod(dx, 1))
		a, b := irwinHallCDF(x, k), irwinHallCDF(x+dx, k)
		if a < 0 || a > 1 || b < a-1e-6 {
			t.Errorf("n=%d: F(%g)=%g, F(%g)=%g", k, x, a, x+dx, b)
		}
	})
}

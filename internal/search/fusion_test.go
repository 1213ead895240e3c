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

package vector

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randUnit(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var ss float64
	for i := range v {
		v[i] = float32(r.NormFloat64())
		ss += float64(v[i]) * float64(v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(ss))
	}
	return v
}

// Int8 codes of unit vectors score within a small fraction of the float32
// dot product, at every dimension the unrolled loops handle differently.
func TestInt8ApproximatesDot(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, dim := range []int{1, 3, 8, 9, 17, 384, 1536} {
		for range 50 {
			a, b := randUnit(r, dim), randUnit(r, dim)
			ca, cb := make([]int8, dim), make([]int8, dim)
			sa, sb := Quantize(ca, a), Quantize(cb, b)
			got := float64(DotInt8(ca, cb)) * float64(sa) * float64(sb)
			var want float64
			for i := range a {
				want += float64(a[i]) * float64(b[i])
			}
			if math.Abs(float64(Dot(a, b))-want) > 1e-5 {
				t.Fatalf("dim %d: Dot %v, want %v", dim, Dot(a, b), want)
			}
			if tol := 0.02; math.Abs(got-want) > tol {
				t.Fatalf("dim %d: int8 score %v, float %v (tolerance %v)", dim, got, want, tol)
			}
		}
	}
	if s := Quantize(make([]int8, 4), make([]float32, 4)); s != 0 {
		t.Errorf("a zero vector has scale %v, want 0", s)
	}
}

func TestTopKKeepsBestInOrder(t *testing.T) {
	top := TopK{K: 3}
	for i, s := range []float32{0.1, 0.9, 0.5, 0.9, 0.3, 0.7} {
		top.Offer(int64(i), s)
	}
	got := top.Best()
	want := []Scored{{1, 0.9}, {3, 0.9}, {5, 0.7}}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Best() = %v, want %v (ties by lower id)", got, want)
		}
	}
}

func BenchmarkDot384(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y := randUnit(r, 384), randUnit(r, 384)
	cx, cy := make([]int8, 384), make([]int8, 384)
	Quantize(cx, x)
	Quantize(cy, y)
	b.Run("float32", func(b *testing.B) {
		for b.Loop() {
			Dot(x, y)
		}
	})
	b.Run("int8", func(b *testing.B) {
		for b.Loop() {
			DotInt8(cx, cy)
		}
	})
}

// The batch scorer (assembly where the CPU has it) agrees exactly with
// DotInt8, for dimensions it takes and ones it leaves to the Go loop.
func TestDotsInt8MatchesDotInt8(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, dim := range []int{16, 32, 48, 384, 7, 100} {
		n := 37
		q := make([]int8, dim)
		codes := make([]int8, n*dim)
		for i := range q {
			q[i] = int8(r.IntN(255) - 127)
		}
		for i := range codes {
			codes[i] = int8(r.IntN(255) - 127)
		}
		codes[0], q[0] = -127, -127 // extremes
		out := make([]int32, n)
		DotsInt8(q, codes, out)
		for i := range out {
			if want := DotInt8(codes[i*dim:(i+1)*dim], q); out[i] != want {
				t.Fatalf("dim %d vector %d: %d, want %d", dim, i, out[i], want)
			}
		}
	}
}

func BenchmarkDotsInt8(b *testing.B) {
	const n, dim = 1024, 384
	q, codes, out := make([]int8, dim), make([]int8, n*dim), make([]int32, n)
	for i := range codes {
		codes[i] = int8(i)
	}
	b.SetBytes(n * dim)
	for b.Loop() {
		DotsInt8(q, codes, out)
	}
}

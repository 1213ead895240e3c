package embed

import (
	"fmt"
	"math"
)

// finishVector checks one vector from a provider and L2-normalises it in
// place. It returns a description of the problem, or "" when the vector is
// usable. The dimension is checked by the caller, which knows what to
// compare against.
//
// Normalising here, whatever the provider claims, lets search use a plain
// dot product as cosine similarity for every generation.
func finishVector(v []float32) string {
	if len(v) == 0 {
		return "an empty vector"
	}
	var sum float64
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "a vector containing NaN or infinite values (a number too large for float32?)"
		}
		sum += f * f
	}
	if sum == 0 {
		return "an all-zero vector, which has no direction and cannot be normalised"
	}
	inv := 1 / math.Sqrt(sum)
	for i, x := range v {
		v[i] = float32(float64(x) * inv)
	}
	return ""
}

// toFloat32 converts a decoded JSON vector. A value beyond float32's range
// becomes ±Inf, which finishVector then rejects: JSON itself cannot carry
// NaN or Inf, so overflow is how a broken server produces them.
func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// dimensionMismatch words the error for vectors of the wrong length. When
// the dimension was configured the fix is a setting; when it was learned
// from an earlier answer, the model behind the endpoint changed.
func dimensionMismatch(got, want int, configured bool) string {
	if configured {
		return fmt.Sprintf("returned %d-dimensional vectors but embedding.dimension is %d: set embedding.dimension to %d or use a model that produces %d",
			got, want, got, want)
	}
	return fmt.Sprintf("returned %d-dimensional vectors but earlier answers had %d: did the model behind embedding.base_url change? Set embedding.dimension to pin it",
		got, want)
}

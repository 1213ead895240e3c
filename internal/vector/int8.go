package vector

import "math"

// Int8 codes: each vector is scaled so that its largest component maps to
// ±127 and rounded, with the scale kept beside the codes, so that
// DotInt8(a, b)·scaleA·scaleB approximates the float32 dot product. A
// 384-dimensional vector takes 384 bytes instead of 1,536. The error of
// one approximate score is well under 1% of the largest component product;
// callers that need exact order (dense search) re-score the best
// candidates from the float32 originals.

// QuantizeBytes writes the int8 codes of a little-endian float32 encoding
// into dst (len(dst) == len(src)/4) and returns their scale.
func QuantizeBytes(dst []int8, src []byte) float32 {
	var maxAbs float32
	for i := range dst {
		if x := abs(f32(src[4*i:])); x > maxAbs {
			maxAbs = x
		}
	}
	if maxAbs == 0 || math.IsNaN(float64(maxAbs)) || math.IsInf(float64(maxAbs), 0) {
		clear(dst)
		return 0
	}
	inv := 127 / maxAbs
	for i := range dst {
		dst[i] = int8(math.Round(float64(f32(src[4*i:]) * inv)))
	}
	return maxAbs / 127
}

// Quantize is QuantizeBytes for a decoded vector.
func Quantize(dst []int8, src []float32) float32 {
	var maxAbs float32
	for _, x := range src {
		if x := abs(x); x > maxAbs {
			maxAbs = x
		}
	}
	if maxAbs == 0 || math.IsNaN(float64(maxAbs)) || math.IsInf(float64(maxAbs), 0) {
		clear(dst)
		return 0
	}
	inv := 127 / maxAbs
	for i, x := range src {
		dst[i] = int8(math.Round(float64(x * inv)))
	}
	return maxAbs / 127
}

func abs(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// DotInt8 is the dot product of two int8 code vectors of equal length (b
// may be longer). Products of two codes fit in 15 bits, so int32 sums cannot
// overflow below 131,000 dimensions; eight independent sums keep the
// multiply units busy.
func DotInt8(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 int32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x, y := a[i:i+8:i+8], b[i:i+8:i+8]
		s0 += int32(x[0]) * int32(y[0])
		s1 += int32(x[1]) * int32(y[1])
		s2 += int32(x[2]) * int32(y[2])
		s3 += int32(x[3]) * int32(y[3])
		s4 += int32(x[4]) * int32(y[4])
		s5 += int32(x[5]) * int32(y[5])
		s6 += int32(x[6]) * int32(y[6])
		s7 += int32(x[7]) * int32(y[7])
	}
	for ; i < len(a); i++ {
		s0 += int32(a[i]) * int32(b[i])
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// Package vector is the one home of vector arithmetic: the dot products
// dense search scores with (float32, and int8 codes for the in-memory
// index), the int8 quantisation of unit vectors, and the bounded top-k
// selection. Callers store and fetch vectors; they do not multiply them.
package vector

import (
	"encoding/binary"
	"math"
)

// Dot is the dot product of two float32 vectors of equal length (b may be
// longer; its tail is ignored). Four independent sums let the CPU overlap
// the multiply-adds instead of waiting on one accumulator.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		x, y := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// DotBytes is Dot over two little-endian float32 encodings (the layout the
// store keeps vectors in), decoded as it goes: on amd64 and arm64 a decode
// is a plain load, so no decoded copy is ever made.
func DotBytes(a, b []byte) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+16 <= len(a); i += 16 {
		x, y := a[i:i+16:i+16], b[i:i+16:i+16]
		s0 += f32(x[0:4]) * f32(y[0:4])
		s1 += f32(x[4:8]) * f32(y[4:8])
		s2 += f32(x[8:12]) * f32(y[8:12])
		s3 += f32(x[12:16]) * f32(y[12:16])
	}
	for ; i+4 <= len(a); i += 4 {
		s0 += f32(a[i:i+4]) * f32(b[i:i+4])
	}
	return (s0 + s1) + (s2 + s3)
}

func f32(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

// Decode reads a little-endian float32 encoding.
func Decode(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = f32(b[4*i:])
	}
	return v
}

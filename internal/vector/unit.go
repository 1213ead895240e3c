package vector

import (
	"encoding/binary"
	"errors"
	"math"
)

// Unit returns v scaled to unit length, so that a dot product of two stored
// vectors is their cosine similarity. A zero vector stays zero (similarity 0
// to everything); NaN or infinite components are refused.
func Unit(v []float32) ([]float32, error) {
	var ss float64
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("vector has a NaN or infinite component")
		}
		ss += f * f
	}
	out := make([]float32, len(v))
	if ss == 0 {
		return out, nil
	}
	inv := 1 / math.Sqrt(ss)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out, nil
}

// EncodeUnit normalises v and encodes it as little-endian float32 (what
// Decode reads, and the layout sqlite-vec reads too), the form every store
// keeps vectors in.
func EncodeUnit(v []float32) ([]byte, error) {
	u, err := Unit(v)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 4*len(u))
	for i, x := range u {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b, nil
}

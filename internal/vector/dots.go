package vector

// DotsInt8 writes into out[i] the dot product of the code vector q with the
// i-th code vector of codes, which holds len(out) vectors of len(q) codes
// back to back. Scoring a run of vectors in one call lets the assembly
// version (AVX2 on amd64, when len(q) is a multiple of 16) keep the query
// in registers; everywhere else it is DotInt8 in a loop.
func DotsInt8(q, codes []int8, out []int32) {
	d := len(q)
	if len(codes) < d*len(out) {
		panic("vector.DotsInt8: codes shorter than len(out) vectors")
	}
	if d > 0 && d%16 == 0 && len(out) > 0 && dotsInt8Fast(q, codes, out) {
		return
	}
	for i := range out {
		out[i] = DotInt8(codes[i*d:(i+1)*d], q)
	}
}

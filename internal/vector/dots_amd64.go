package vector

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

// dotsInt8AVX2 is DotsInt8 for len(q) a positive multiple of 16, in
// dots_amd64.s: 16 codes per step, sign-extended to 16 bits
// (VPMOVSXBW), multiplied and summed pairwise into 32 bits (VPMADDWD).
//
//go:noescape
func dotsInt8AVX2(q, codes *int8, dim, n int, out *int32)

func dotsInt8Fast(q, codes []int8, out []int32) bool {
	if !hasAVX2 {
		return false
	}
	dotsInt8AVX2(&q[0], &codes[0], len(q), len(out), &out[0])
	return true
}

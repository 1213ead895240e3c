#include "textflag.h"

// func dotsInt8AVX2(q, codes *int8, dim, n int, out *int32)
// dim is a positive multiple of 16, n > 0. Per 16 codes: both halves
// sign-extended to int16, VPMADDWD gives 8 int32 sums of two products
// (each at most 2*127*127, so 24 steps of a 384-vector cannot overflow).
TEXT ·dotsInt8AVX2(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), SI
	MOVQ codes+8(FP), DI
	MOVQ dim+16(FP), CX
	MOVQ n+24(FP), DX
	MOVQ out+32(FP), R8

vec:
	VPXOR Y0, Y0, Y0
	VPXOR Y4, Y4, Y4
	MOVQ  SI, R9
	MOVQ  CX, R10

step:
	VPMOVSXBW (R9), Y1
	VPMOVSXBW (DI), Y2
	VPMADDWD  Y1, Y2, Y3
	VPADDD    Y3, Y0, Y0
	ADDQ      $16, R9
	ADDQ      $16, DI
	SUBQ      $16, R10
	JZ        sum
	VPMOVSXBW (R9), Y1
	VPMOVSXBW (DI), Y2
	VPMADDWD  Y1, Y2, Y3
	VPADDD    Y3, Y4, Y4
	ADDQ      $16, R9
	ADDQ      $16, DI
	SUBQ      $16, R10
	JNZ       step

sum:
	VPADDD       Y4, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0x4e, X0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0xb1, X0, X1
	VPADDD       X1, X0, X0
	VMOVD        X0, (R8)
	ADDQ         $4, R8
	DECQ         DX
	JNZ          vec

	VZEROUPPER
	RET

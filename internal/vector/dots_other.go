//go:build !amd64

package vector

func dotsInt8Fast(q, codes []int8, out []int32) bool { return false }

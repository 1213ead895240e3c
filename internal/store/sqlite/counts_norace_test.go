//go:build !race

package sqlite

// manyTags is the size of the many-tags test.
const manyTags = 100_000

//go:build race

package sqlite

// manyTags is the size of the many-tags test under -race.
const manyTags = 10_000

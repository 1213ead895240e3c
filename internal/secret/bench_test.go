package secret

import (
	"strings"
	"testing"
)

// prose is a chunk of ordinary notes at the indexer's target size (1,200
// characters), mentioning keys and tokens so the keyword prefilter lets
// the generic rules run, as it would on engineering notes.
var prose = strings.Repeat("We rotate the API key monthly and keep the token out of the logs; "+
	"the deploy reads its password from the vault, never from a file. ", 10)[:1200]

// BenchmarkFind is the cost of scanning one chunk (the detector is built
// before the timer starts).
//
//	go test -run - -bench Find -count 5 ./internal/secret/
func BenchmarkFind(b *testing.B) {
	Find("warm up")
	b.SetBytes(int64(len(prose)))
	for b.Loop() {
		if Find(prose) != nil {
			b.Fatal("prose flagged")
		}
	}
}

package rerank

import (
	"testing"
)

// FuzzDecode feeds arbitrary answers: decode must return one score per
// document or a problem, never panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"results":[{"index":1,"relevance_score":0.5},{"index":0,"relevance_score":-3}]}`), 2)
	f.Add([]byte(`{"results":[{"index":-1,"relevance_score":1}]}`), 1)
	f.Add([]byte(`{"results":null}`), 0)
	f.Add([]byte(`[]`), 3)
	f.Fuzz(func(t *testing.T, body []byte, n int) {
		if n < 0 || n > 1000 {
			return
		}
		scores, problem := decode(body, n)
		if problem == "" && len(scores) != n {
			t.Fatalf("%d scores for %d documents without a problem", len(scores), n)
		}
	})
}

// FuzzCapDoc: a capped document is a prefix of the original, within the
// cap, and valid UTF-8 when the original was.
func FuzzCapDoc(f *testing.F) {
	f.Add("héllo wörld", 5)
	f.Add("日本語のテキスト", 4)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 4096 {
			return
		}
		got := capDoc(s, n)
		if len(got) > max(n, 0) && len(s) > n {
			t.Fatalf("capDoc(%q, %d) = %q: over the cap", s, n, got)
		}
		if len(got) > len(s) || s[:len(got)] != got {
			t.Fatalf("capDoc(%q, %d) = %q: not a prefix", s, n, got)
		}
	})
}

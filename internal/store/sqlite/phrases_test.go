package sqlite

import (
	"strings"

	"github.com/memtomem/memtomem/internal/store"
)

// orPhrases splits an FTS5 expression of the form the search package
// builds — quoted phrases, each optionally followed by *, joined by " OR " —
// into its phrases, verbatim. Anything else returns nil, and the caller
// scores the expression as it is.
func orPhrases(m string) []string {
	var out []string
	for len(m) > 0 {
		if m[0] != '"' {
			return nil
		}
		i := 1
		for {
			j := strings.IndexByte(m[i:], '"')
			if j < 0 {
				return nil
			}
			i += j + 1
			if i < len(m) && m[i] == '"' { // "" is a quote inside the phrase
				i++
				continue
			}
			break
		}
		if i < len(m) && m[i] == '*' {
			i++
		}
		out = append(out, m[:i])
		m = m[i:]
		if m == "" {
			break
		}
		if !strings.HasPrefix(m, " OR ") {
			return nil
		}
		m = m[len(" OR "):]
		if m == "" {
			return nil
		}
	}
	return out
}

// phrases is the structured query of an FTS5 expression of the form
// orPhrases reads, so that tests can state their queries in it.
func phrases(m string) []store.Phrase {
	var out []store.Phrase
	for _, p := range orPhrases(m) {
		prefix := strings.HasSuffix(p, "*")
		p = strings.TrimSuffix(p, "*")
		out = append(out, store.Phrase{Words: strings.Fields(strings.Trim(p, `"`)), Prefix: prefix})
	}
	return out
}

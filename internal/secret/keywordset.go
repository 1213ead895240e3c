package secret

import "strings"

// keywordSet finds which of a fixed set of keywords occur in a text.
//
// It stands in for the Aho-Corasick trie gitleaks builds: that trie keeps
// a 256-entry transition table per state, 2.6 MiB for the rules' ~200
// keywords, held by every server for its whole life. Here a bit set of the
// keywords' first two bytes (8 KiB) lets almost every position of a text
// be passed over with one lookup; only where a keyword could start are the
// keywords of that pair compared. A note's text is scanned in a few
// microseconds either way (BenchmarkFind), and which keywords are found is
// exactly the set of those the text contains (FuzzKeywordSet).
type keywordSet struct {
	starts [1 << 16 / 64]uint64 // bit a<<8|b: some keyword starts with bytes a, b
	byPair map[uint16][]string
	short  []string // keywords of one byte (none today), looked for directly
}

func newKeywordSet(keywords []string) *keywordSet {
	s := &keywordSet{byPair: map[uint16][]string{}}
	for _, k := range keywords {
		switch {
		case k == "":
		case len(k) == 1:
			s.short = append(s.short, k)
		default:
			p := uint16(k[0])<<8 | uint16(k[1])
			s.starts[p/64] |= 1 << (p % 64)
			s.byPair[p] = append(s.byPair[p], k)
		}
	}
	return s
}

// each calls found once for every occurrence of a keyword in text
// (overlapping ones included), as the trie's MatchString lists them.
func (s *keywordSet) each(text string, found func(keyword string)) {
	for _, k := range s.short {
		for i := strings.Index(text, k); i >= 0; {
			found(k)
			j := strings.Index(text[i+1:], k)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	for i := 0; i+1 < len(text); i++ {
		p := uint16(text[i])<<8 | uint16(text[i+1])
		if s.starts[p/64]&(1<<(p%64)) == 0 {
			continue
		}
		for _, k := range s.byPair[p] {
			if strings.HasPrefix(text[i:], k) {
				found(k)
			}
		}
	}
}

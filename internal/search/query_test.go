package search

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/memtomem/memtomem/internal/store"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want string // FTS5 expression
	}{
		// A hyphenated compound is its words; a hyphen next to a part
		// without letters, and other joining punctuation, keep a phrase.
		{"blue-green rollout", `"blue" OR "green" OR "rollout"*`},
		{"TNF-alpha levels ", `"tnf" OR "alpha" OR "levels"`},
		{"released 2026-11-01 ", `"released" OR "2026 11 01"`},
		{"COVID-19 cases ", `"covid" OR "19" OR "cases"`},
		{"pages 10-20 ", `"pages" OR "10 20"`},
		{"Caroline's painting ", `"painting" OR "caroline s"`},
		{"edit a/b_c.go ", `"edit" OR "a b c go"`},
		{"-blue- green ", `"blue" OR "green"`},
		{"deploy the service", `"deploy" OR "service"*`},
		{"deploy the service ", `"deploy" OR "service"`},
		{`"exact phrase" rollout`, `"rollout"* OR "exact phrase"`},
		{`rollout "exact phrase"`, `"rollout" OR "exact phrase"`},
		{"what is it", `"what" OR "is" OR "it"`}, // all stopwords: keep them
		{"ab", `"ab"`},                           // too short for a prefix
		{`quote"inside`, `"quote" OR "inside"*`}, // an unclosed quote reads as plain words
		{"Größe ÜBER", `"größe" OR "über"*`},
		{"v1.2.3 release", `"release"* OR "v1 2 3"`},
		{"dup dup dup", `"dup"*`},
		{"NEAR AND OR NOT", `"near"`}, // operators are words here, and stopwords
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.in)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, q.FTS5()); diff != "" {
			t.Errorf("ParseQuery(%q).FTS5() mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, empty := range []string{"", "   ", "?!", `""`, "- -"} {
		if _, err := ParseQuery(empty); err != ErrEmptyQuery {
			t.Errorf("ParseQuery(%q) = %v, want ErrEmptyQuery", empty, err)
		}
	}
}

func TestParseNamespaces(t *testing.T) {
	got, err := ParseNamespaces(" work, proj:* ,,default")
	if err != nil || !cmp.Equal(got, []string{"work", "proj:*", "default"}) {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := ParseNamespaces("bad name"); err == nil || !strings.Contains(err.Error(), `' '`) {
		t.Errorf("space should be rejected naming the character, got %v", err)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2026-11-01":           time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		"2026-11-01T09:30:00Z": time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC),
		"7d":                   now.Add(-7 * 24 * time.Hour),
		"36h":                  now.Add(-36 * time.Hour),
		"2w":                   now.Add(-14 * 24 * time.Hour),
		"":                     {},
	} {
		got, err := ParseTime(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "7x", "-3d", "2026-13-01"} {
		if _, err := ParseTime(bad, now); err == nil {
			t.Errorf("ParseTime(%q) should fail", bad)
		}
	}
}

// FuzzParseQuery: any input either is rejected as empty or yields an FTS5
// expression of quoted terms only, so user text can never inject FTS5
// syntax (NEAR, column filters, parentheses).
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"blue-green", `"a b" c`, `col:x`, `a"b"c"`, "NEAR(a b)", "x*", "^start", "ü ß 日本語", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if err != nil {
			if err != ErrEmptyQuery {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		expr := q.FTS5()
		for _, part := range strings.Split(expr, " OR ") {
			part = strings.TrimSuffix(part, "*")
			if len(part) < 2 || part[0] != '"' || part[len(part)-1] != '"' {
				t.Fatalf("part %q of %q is not a quoted string", part, expr)
			}
			if strings.Contains(part[1:len(part)-1], `"`) {
				t.Fatalf("part %q contains a quote", part)
			}
		}
	})
}

// CJK runs become their bigrams, searched as a phrase; one character is a
// prefix (internal/words).
func TestParseQueryCJK(t *testing.T) {
	for _, c := range []struct {
		text string
		want []store.Phrase
	}{
		{"배포", []store.Phrase{{Words: []string{"배포"}}}},
		{"東京都", []store.Phrase{{Words: []string{"東京", "京都"}}}},
		{"寺 deploy", []store.Phrase{{Words: []string{"寺"}, Prefix: true}, {Words: []string{"deploy"}, Prefix: true}}},
		{"東京2024", []store.Phrase{{Words: []string{"東京", "京", "2024"}}}},
		{`"東京 会議"`, []store.Phrase{{Words: []string{"東京", "京", "会議"}}}},
	} {
		q, err := ParseQuery(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Store(); !cmp.Equal(got, c.want) {
			t.Errorf("ParseQuery(%q).Store() = %+v, want %+v", c.text, got, c.want)
		}
	}
}

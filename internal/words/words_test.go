package words

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitAndIndex(t *testing.T) {
	for _, c := range []struct {
		text         string
		query, index []string
	}{
		{"Deploy the API", []string{"deploy", "the", "api"}, nil},
		{"blue-green v1.2", []string{"blue", "green", "v1", "2"}, nil},
		{"東京都", []string{"東京", "京都"}, []string{"東京", "京都", "都"}},
		{"배포는", []string{"배포", "포는"}, []string{"배포", "포는", "는"}},
		{"寺", []string{"寺"}, []string{"寺"}},
		{"東京2024年", []string{"東京", "京", "2024", "年"}, nil},
		{"会議.md", []string{"会議", "議", "md"}, nil},
		{"東京の会議、明日。", []string{"東京", "京の", "の会", "会議", "議", "明日"}, []string{"東京", "京の", "の会", "会議", "議", "明日", "日"}}, // 、 and 。 separate
		{"ジョン・スミス", []string{"ジョ", "ョン", "ン", "スミ", "ミス"}, []string{"ジョ", "ョン", "ン", "スミ", "ミス", "ス"}},
		{"コンピューター", []string{"コン", "ンピ", "ピュ", "ュー", "ータ", "ター"}, []string{"コン", "ンピ", "ピュ", "ュー", "ータ", "ター", "ー"}}, // ー is part of the word
		{"API를 배포", []string{"api", "를", "배포"}, []string{"api", "를", "배포", "포"}},
		{"", nil, nil},
	} {
		index := c.index
		if index == nil {
			index = c.query
		}
		if got := Split(c.text); !slices.Equal(got, c.query) {
			t.Errorf("Split(%q) = %q, want %q", c.text, got, c.query)
		}
		if got := Index(c.text); !slices.Equal(got, index) {
			t.Errorf("Index(%q) = %q, want %q", c.text, got, index)
		}
	}
}

// Spaced's output is stored in every SQLite keyword index and must never
// change for a given text (the package comment): these are pinned.
func TestSpacedIsPinned(t *testing.T) {
	for text, want := range map[string]string{
		"plain English, unchanged: café v1.2": "plain English, unchanged: café v1.2",
		"東京都の会議":                              " 東京 京都 都の の会 会議 議 ",
		"Deploy to 東京 region":                 "Deploy to  東京 京  region",
		"배포는 금요일에":                            " 배포 포는 는   금요 요일 일에 에 ",
		"寺":                                   " 寺 ",
		"x東y":                                 "x 東 y",
		"bad \xff byte 東京":                    "bad \xff byte  東京 京 ",
	} {
		if got := Spaced(text); got != want {
			t.Errorf("Spaced(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Café Ünïcode": "cafe unicode",
		"がぎぐ":          "がぎぐ", // the voiced mark is part of the syllable
		"배포는":          "배포는",
		"ＡＢＣ":          "ａｂｃ",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsCJKTable(t *testing.T) {
	for i := 1; i < len(cjkBlocks); i++ {
		if cjkBlocks[i][0] <= cjkBlocks[i-1][1] || cjkBlocks[i][0] > cjkBlocks[i][1] {
			t.Fatalf("cjkBlocks not sorted and disjoint at %d: %x", i, cjkBlocks[i])
		}
	}
	for _, r := range "東京배포カタカナひらがなー々" {
		if !IsCJK(r) {
			t.Errorf("IsCJK(%q) = false", r)
		}
	}
	for _, r := range "aZ9é、。・「」 \u3099\u30FB" {
		if IsCJK(r) {
			t.Errorf("IsCJK(%q) = true", r)
		}
	}
}

// FuzzWords holds the package's promises for any text: Spaced changes
// nothing but CJK runs (every other byte stays, in order); a text without
// CJK is its own Spaced form; the query's words are the index's, less at
// most the last; and no word is empty.
func FuzzWords(f *testing.F) {
	for _, s := range []string{"", "東京都の会議", "Deploy 東京 v1.2", "배포는", "\xff東", "ジョン・スミス", "a東b京c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp := Spaced(s)
		if !HasCJK(s) && sp != s {
			t.Fatalf("Spaced(%q) = %q; a text without CJK must stay as it is", s, sp)
		}
		if a, b := strings.ReplaceAll(dropCJK(s), " ", ""), strings.ReplaceAll(dropCJK(sp), " ", ""); a != b {
			t.Fatalf("Spaced(%q) = %q changed what is not CJK", s, sp)
		}
		idx, q := Index(s), Split(s)
		if len(q) > len(idx) || len(idx)-len(q) > 1 || !slices.Equal(q, idx[:len(q)]) {
			t.Fatalf("Split(%q) = %q is not Index's %q less at most the last", s, q, idx)
		}
		for _, w := range idx {
			if w == "" || !utf8.ValidString(w) {
				t.Fatalf("Index(%q) holds a bad word %q", s, w)
			}
		}
	})
}

// dropCJK removes the CJK characters of s, byte for byte otherwise.
func dropCJK(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !IsCJK(r) {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

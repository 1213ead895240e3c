package embed

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestBertNormalizer(t *testing.T) {
	b := bertNormalizer{cleanText: true, handleCJK: true, stripAccents: true, lowercase: true}
	cases := map[string]string{
		"Hello World":            "hello world",
		"a\tb\nc\rd":             "a b c d",
		"x\x00y\x07z\x7f":        "xyz",
		"Héllo Wörld Ñandú":      "hello world nandu",
		"e\u0301":                "e", // already decomposed
		"zero\u200bwidth":        "zerowidth",
		"中文ok":                   " 中  文 ok",
		"ÅNGSTRÖM\u00a0unit":     "angstrom unit",
		"\ufffdbad":              "bad",
		"Ünïcödé AND ascii MIX ": "unicode and ascii mix ",
	}
	for in, want := range cases {
		if got := b.normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
	keep := bertNormalizer{cleanText: true, handleCJK: true, stripAccents: false, lowercase: true}
	if got := keep.normalize("Café"); got != "café" {
		t.Errorf("strip_accents false: %q", got)
	}
	cased := bertNormalizer{cleanText: true, handleCJK: true}
	if got := cased.normalize("Café X"); got != "Café X" {
		t.Errorf("cased: %q", got)
	}
}

func TestBertNormalizerConfig(t *testing.T) {
	// strip_accents null follows lowercase.
	n, err := buildNormalizer(json.RawMessage(`{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":false}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := n("Café"); got != "Café" {
		t.Errorf("got %q", got)
	}
}

func TestOtherNormalizers(t *testing.T) {
	n, err := buildNormalizer(json.RawMessage(`{"type":"Sequence","normalizers":[
		{"type":"NFD"},{"type":"StripAccents"},{"type":"Lowercase"},
		{"type":"Replace","pattern":{"String":"!"},"content":" ! "},
		{"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "},
		{"type":"Strip","strip_left":false,"strip_right":true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := n("  Héllo!World!  "); got != " hello ! world !" {
		t.Errorf("got %q", got)
	}
	if n, err := buildNormalizer(json.RawMessage(`null`)); err != nil || n("X") != "X" {
		t.Errorf("null normalizer: %v", err)
	}
	for _, bad := range []string{`{"type":"Precompiled"}`, `{"type":"Replace","pattern":{"Regex":"(?<=a)b"},"content":""}`, `{"type":"Replace","pattern":{}}`, `[1]`} {
		if _, err := buildNormalizer(json.RawMessage(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestPretokenizers(t *testing.T) {
	cases := []struct {
		cfg, in string
		want    []string
	}{
		{`{"type":"BertPreTokenizer"}`, "don't stop.  now", []string{"don", "'", "t", "stop", ".", "now"}},
		{`{"type":"BertPreTokenizer"}`, "$5+3=8 «quoted»", []string{"$", "5", "+", "3", "=", "8", "«", "quoted", "»"}},
		{`{"type":"BertPreTokenizer"}`, "   ", nil},
		{`{"type":"WhitespaceSplit"}`, " a,b  c ", []string{"a,b", "c"}},
		{`{"type":"Whitespace"}`, "hi, there!! x_y", []string{"hi", ",", "there", "!!", "x_y"}},
		{`{"type":"Sequence","pretokenizers":[{"type":"WhitespaceSplit"},{"type":"BertPreTokenizer"}]}`, "a,b c", []string{"a", ",", "b", "c"}},
		{`null`, "a b", []string{"a b"}},
	}
	for _, c := range cases {
		p, err := buildPretokenizer(json.RawMessage(c.cfg))
		if err != nil {
			t.Fatal(err)
		}
		if got := p(c.in, nil); !slices.Equal(got, c.want) {
			t.Errorf("%s(%q) = %q, want %q", c.cfg, c.in, got, c.want)
		}
	}
	if _, err := buildPretokenizer(json.RawMessage(`{"type":"ByteLevel"}`)); err == nil || !strings.Contains(err.Error(), `unsupported pre_tokenizer type "ByteLevel"`) {
		t.Errorf("ByteLevel: %v", err)
	}
}

func TestWordPiece(t *testing.T) {
	wp := &wordPiece{
		vocab:  map[string]int32{"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "a": 4, "##ff": 5, "é": 6, "##é": 7},
		unk:    0,
		prefix: "##", maxChars: 12,
	}
	var buf []byte
	cases := map[string][]int32{
		"unaffable":     {1, 2, 3},
		"unaffablex":    {0}, // one unknown piece makes the whole word unknown
		"aff":           {4, 5},
		"éé":            {6, 7},
		"unaffableable": {0}, // longer than max_input_chars_per_word
		"":              nil,
	}
	for in, want := range cases {
		if got := wp.tokenize(in, nil, &buf); !slices.Equal(got, want) {
			t.Errorf("tokenize(%q) = %v, want %v", in, got, want)
		}
	}
	wp.unk = -1 // no [UNK] in the vocabulary: unknown words vanish
	if got := wp.tokenize("zzz", []int32{9}, &buf); !slices.Equal(got, []int32{9}) {
		t.Errorf("without [UNK]: %v", got)
	}
}

func TestParseTokenizerFields(t *testing.T) {
	tok, err := parseTokenizer([]byte(`{"normalizer":null,"pre_tokenizer":{"type":"WhitespaceSplit"},
		"model":{"continuing_subword_prefix":"@@","max_input_chars_per_word":5,"unk_token":"<unk>","vocab":{"<unk>":0,"ab":1,"@@cd":2}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.encode("abcd abcdef x", nil); !slices.Equal(got, []int32{1, 2, 0, 0}) {
		t.Fatalf("encode = %v", got)
	}
	if tok.vocabSize != 3 || tok.medianTokenLength() != 4 {
		t.Fatalf("vocabSize %d median %d", tok.vocabSize, tok.medianTokenLength())
	}
	for _, bad := range []string{
		`{"model":{"type":"WordPiece","vocab":{}}}`,
		`{"model":{"type":"WordPiece","vocab":{"a":-1}}}`,
		`{"model":{"type":"WordPiece","vocab":[["a",0]]}}`,
		`{"model":{"type":"BPE","vocab":{"a":0},"merges":[]}}`,
		`{"model":{"vocab":{"a":0}}}`,
	} {
		if _, err := parseTokenizer([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

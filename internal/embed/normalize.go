package embed

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizer is one step of a Hugging Face tokenizer's "normalizer": text
// in, text out, before splitting into words.
type normalizer func(string) string

// buildNormalizer reads a tokenizer.json "normalizer" entry. null means no
// normalisation. Types we do not implement are an error rather than
// silently skipped, because a skipped step gives different tokens and so
// quietly worse vectors.
func buildNormalizer(raw json.RawMessage) (normalizer, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return func(s string) string { return s }, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("normalizer: %v", err)
	}
	switch head.Type {
	case "BertNormalizer":
		// Absent fields take the tokenizers library's defaults.
		c := struct {
			CleanText    *bool `json:"clean_text"`
			HandleCJK    *bool `json:"handle_chinese_chars"`
			StripAccents *bool `json:"strip_accents"`
			Lowercase    *bool `json:"lowercase"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer BertNormalizer: %v", err)
		}
		b := bertNormalizer{cleanText: orTrue(c.CleanText), handleCJK: orTrue(c.HandleCJK), lowercase: orTrue(c.Lowercase)}
		// strip_accents null means "do whatever lowercase does", as in
		// the original BERT uncased models.
		b.stripAccents = b.lowercase
		if c.StripAccents != nil {
			b.stripAccents = *c.StripAccents
		}
		return b.normalize, nil
	case "Lowercase":
		return strings.ToLower, nil
	case "StripAccents":
		return removeNonspacingMarks, nil
	case "NFD":
		return norm.NFD.String, nil
	case "NFKD":
		return norm.NFKD.String, nil
	case "NFC":
		return norm.NFC.String, nil
	case "NFKC":
		return norm.NFKC.String, nil
	case "Strip":
		c := struct {
			Left  *bool `json:"strip_left"`
			Right *bool `json:"strip_right"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Strip: %v", err)
		}
		left, right := orTrue(c.Left), orTrue(c.Right)
		return func(s string) string {
			if left {
				s = strings.TrimLeftFunc(s, unicode.IsSpace)
			}
			if right {
				s = strings.TrimRightFunc(s, unicode.IsSpace)
			}
			return s
		}, nil
	case "Replace":
		return buildReplace(raw)
	case "Sequence":
		var c struct {
			Normalizers []json.RawMessage `json:"normalizers"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Sequence: %v", err)
		}
		steps := make([]normalizer, len(c.Normalizers))
		for i, r := range c.Normalizers {
			n, err := buildNormalizer(r)
			if err != nil {
				return nil, err
			}
			steps[i] = n
		}
		return func(s string) string {
			for _, n := range steps {
				s = n(s)
			}
			return s
		}, nil
	}
	return nil, fmt.Errorf("unsupported normalizer type %q (supported: BertNormalizer, Lowercase, StripAccents, NFD, NFKD, NFC, NFKC, Strip, Replace, Sequence)", head.Type)
}

// buildReplace handles {"type":"Replace","pattern":{"String":…}|{"Regex":…},"content":…}.
// Go's regexp (RE2) accepts the simple patterns tokenizers use, such as
// `\s+`; one it cannot compile is reported.
func buildReplace(raw json.RawMessage) (normalizer, error) {
	var c struct {
		Pattern struct {
			String *string `json:"String"`
			Regex  *string `json:"Regex"`
		} `json:"pattern"`
		Content string `json:"content"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("normalizer Replace: %v", err)
	}
	switch {
	case c.Pattern.String != nil:
		old, repl := *c.Pattern.String, c.Content
		if old == "" {
			return func(s string) string { return s }, nil
		}
		return func(s string) string { return strings.ReplaceAll(s, old, repl) }, nil
	case c.Pattern.Regex != nil:
		re, err := regexp.Compile(*c.Pattern.Regex)
		if err != nil {
			return nil, fmt.Errorf("normalizer Replace: unsupported regex %q: %v", *c.Pattern.Regex, err)
		}
		repl := c.Content
		return func(s string) string { return re.ReplaceAllLiteralString(s, repl) }, nil
	}
	return nil, fmt.Errorf("normalizer Replace: pattern must be {\"String\": …} or {\"Regex\": …}")
}

func orTrue(b *bool) bool { return b == nil || *b }

// bertNormalizer is the normaliser of BERT-family tokenizers, which the
// potion models use. The steps run in the reference order: clean, pad CJK,
// strip accents, lowercase.
type bertNormalizer struct {
	cleanText, handleCJK, stripAccents, lowercase bool
}

func (b bertNormalizer) normalize(s string) string {
	if isASCII(s) {
		return b.normalizeASCII(s)
	}
	var sb strings.Builder
	sb.Grow(len(s) + 8)
	for _, r := range s {
		if b.cleanText {
			if r == 0 || r == utf8.RuneError || isControl(r) {
				continue
			}
			if isBertSpace(r) {
				r = ' '
			}
		}
		if b.handleCJK && isCJK(r) {
			sb.WriteByte(' ')
			sb.WriteRune(r)
			sb.WriteByte(' ')
			continue
		}
		sb.WriteRune(r)
	}
	s = sb.String()
	if b.stripAccents {
		s = removeNonspacingMarks(norm.NFD.String(s))
	}
	if b.lowercase {
		s = strings.ToLower(s)
	}
	return s
}

// normalizeASCII is the same for pure-ASCII text, the common case, in one
// pass: ASCII has no accents and no CJK.
func (b bertNormalizer) normalizeASCII(s string) string {
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if b.cleanText {
			switch {
			case c == '\t' || c == '\n' || c == '\r':
				c = ' '
			case c < 0x20 || c == 0x7f:
				continue
			}
		}
		if b.lowercase && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return string(buf)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isControl follows BERT: tab, newline and carriage return are whitespace,
// not control; every other "other" character (Cc, Cf, Co, Cs, unassigned)
// is control and is dropped by clean_text.
func isControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) {
		return true
	}
	return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
}

// isBertSpace is BERT's whitespace: tab, newline, carriage return and
// Unicode white space.
func isBertSpace(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r)
}

// isCJK reports the CJK Unified Ideograph blocks that BERT surrounds with
// spaces, so that each ideograph becomes its own word. (Hiragana, Katakana
// and Hangul are not in these blocks and are left alone, as in BERT.)
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) ||
		(r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) ||
		(r >= 0x2F800 && r <= 0x2FA1F)
}

// removeNonspacingMarks drops category Mn: after NFD these are the accents.
func removeNonspacingMarks(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, s)
}

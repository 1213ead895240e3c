package chunk

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/memtomem/memtomem/internal/memfile"
	"go.yaml.in/yaml/v3"
)

// Frontmatter is the YAML block at the top of a markdown file. Tags and Title
// are pulled out because the chunker uses them (tags apply to every chunk of
// the file, the title names the text before the first heading); Raw keeps the
// rest for callers that want it.
type Frontmatter struct {
	Tags  []string
	Title string
	Raw   map[string]any
}

// Namespace is the namespace the frontmatter states ("" when none). An
// unquoted "namespace: 2026" reads as a number in YAML, and counts as its
// text.
func (fm Frontmatter) Namespace() string {
	switch v := fm.Raw["namespace"].(type) {
	case string:
		return v
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(v)
	}
	return ""
}

// ParseFrontmatter reads YAML between a first line "---" and the next line
// "---" or "...". It returns the 1-based line where the body starts.
//
// Without a frontmatter block (no opening "---", or no closing line, in which
// case the "---" is just a thematic break) it returns the zero value, line 1
// and no error. Malformed YAML, or YAML that is not a mapping, is an error
// and also reports line 1: the block is then not frontmatter, and Split
// indexes it as ordinary text rather than losing it.
//
// Tags may be a YAML list or a string of comma- or space-separated tags.
func ParseFrontmatter(content []byte) (fm Frontmatter, bodyStartLine int, err error) {
	content = bytes.TrimPrefix(content, []byte("\uFEFF"))
	first, rest, ok := bytes.Cut(content, []byte("\n"))
	if !ok || !isFenceLine(first, "---") {
		return Frontmatter{}, 1, nil
	}
	var block []byte
	closed := false
	line := 1
	for len(rest) > 0 {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte("\n"))
		line++
		if isFenceLine(l, "---") || isFenceLine(l, "...") {
			closed = true
			break
		}
		block = append(block, l...)
		block = append(block, '\n')
	}
	if !closed {
		return Frontmatter{}, 1, nil
	}
	raw, err := decodeYAMLMapping(block)
	if err != nil {
		return Frontmatter{}, 1, err
	}
	fm.Raw = raw
	fm.Tags = memfile.NormalizeTags(tagList(raw["tags"]))
	fm.Title = scalarString(raw["title"])
	return fm, line + 1, nil
}

func isFenceLine(l []byte, fence string) bool {
	return string(bytes.TrimRight(l, " \t\r")) == fence
}

// decodeYAMLMapping unmarshals a frontmatter block. The YAML library is a
// large parser fed arbitrary user files, so a panic in it is turned into an
// error like any other malformed block.
func decodeYAMLMapping(block []byte) (m map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("frontmatter: yaml: %v", r)
		}
	}()
	var v any
	if err := yaml.Unmarshal(block, &v); err != nil {
		return nil, fmt.Errorf("frontmatter: %w", err)
	}
	switch v := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return v, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[fmt.Sprint(k)] = x
		}
		return out, nil
	default:
		return nil, errors.New("frontmatter: not a YAML mapping")
	}
}

// tagList accepts the shapes tags take in the wild: a list of scalars, or
// one string like "ops, deploy" or "ops deploy".
func tagList(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	case []any:
		var out []string
		for _, x := range v {
			if s := scalarString(x); s != "" {
				out = append(out, s)
			}
		}
		return out
	default:
		if s := scalarString(v); s != "" {
			return []string{s}
		}
		return nil
	}
}

// scalarString renders a YAML scalar; lists, mappings and null give "".
func scalarString(v any) string {
	switch v := v.(type) {
	case nil, []any, map[string]any, map[any]any:
		return ""
	case string:
		return strings.TrimSpace(v)
	default:
		return strings.TrimSpace(fmt.Sprint(v))
	}
}

// Package dayfile owns the names of the day files memories are appended to:
// which file an entry of a given UTC day and namespace goes to, and which
// namespace a day file found on disk belongs to.
//
//	2026-12-01.md                          namespace "default"
//	2026-12-01--team_x-5d41402abc4b2a76.md namespace "team:x" (slug, then sha256(ns)[:16])
//	2026-12-01.2.md                        the second part of a day that rolled over
//
// The digest makes the naming injective: "team:x" and "team_x" share a slug
// but never a file, so neither can see the other's memories. Files memtomem
// writes for a namespace other than "default" also record it in their
// frontmatter, which is what the indexer reads first; the name is how files
// written without frontmatter (memtomem for Python, older releases) keep
// their namespace through a re-index.
package dayfile

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Default is the namespace of plain day files ("2026-12-01.md").
const Default = "default"

// DateLayout is the date part of a day file name (UTC).
const DateLayout = "2006-01-02"

// Name is the file name (no directory) of part (1-based) of the day file for
// day and namespace ns. Part 1 has no part suffix.
func Name(day time.Time, ns string, part int) string {
	name := day.UTC().Format(DateLayout)
	if ns != Default {
		name += "--" + Slug(ns) + "-" + Digest(ns)
	}
	if part > 1 {
		name += "." + strconv.Itoa(part)
	}
	return name + ".md"
}

// Slug makes a namespace readable as part of a file name. It is not
// injective on its own (':' and '_' both become '_'); Digest is what keeps
// namespaces apart.
func Slug(ns string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ':', '/', '\\':
			return '_'
		}
		return r
	}, ns)
}

// Digest is the first 16 hex digits of sha256(ns).
func Digest(ns string) string {
	sum := sha256.Sum256([]byte(ns))
	return hex.EncodeToString(sum[:8])
}

// Info is what a day file name says.
type Info struct {
	Day  time.Time
	Slug string // "" for the default namespace
	// Digest is the namespace digest in the name, "" when the name has none
	// (older names: "2026-12-01--work.md").
	Digest string
	Part   int
}

var nameRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(?:--(.+?))?(?:-([0-9a-f]{16}))?(?:\.([1-9][0-9]{0,5}))?\.md$`)

// Parse reads a day file name; ok is false for any other file name.
func Parse(name string) (Info, bool) {
	m := nameRE.FindStringSubmatch(name)
	if m == nil {
		return Info{}, false
	}
	day, err := time.Parse(DateLayout, m[1])
	if err != nil {
		return Info{}, false
	}
	info := Info{Day: day, Slug: m[2], Digest: m[3], Part: 1}
	if info.Slug == "" && info.Digest != "" {
		return Info{}, false // "2026-12-01-<hex>.md" is not ours
	}
	if m[4] != "" {
		info.Part, _ = strconv.Atoi(m[4])
	}
	return info, true
}

// maxSlugGuesses bounds the candidates Namespace tries for one slug.
const maxSlugGuesses = 1 << 10

// Namespace is the namespace a day file name stands for. With a digest, the
// namespace is the one among known and the spellings the slug may have come
// from whose digest matches; a digest nothing matches leaves the slug itself
// (a namespace of a kind this release cannot guess). Without a digest the
// slug is taken as the namespace.
func (i Info) Namespace(known ...string) string {
	if i.Slug == "" {
		return Default
	}
	if i.Digest == "" {
		return i.Slug
	}
	for _, ns := range known {
		if Slug(ns) == i.Slug && Digest(ns) == i.Digest {
			return ns
		}
	}
	if ns, ok := guess(i.Slug, i.Digest); ok {
		return ns
	}
	return i.Slug
}

// guess tries each way of reading the slug's underscores back as ':' (the
// only character Slug maps that a namespace may hold, besides '_' itself).
func guess(slug, digest string) (string, bool) {
	var at []int
	for k := 0; k < len(slug); k++ {
		if slug[k] == '_' {
			at = append(at, k)
		}
	}
	n := 1 << min(len(at), 10)
	b := []byte(slug)
	for mask := 0; mask < n && mask < maxSlugGuesses; mask++ {
		for j, k := range at[:min(len(at), 10)] {
			if mask&(1<<j) != 0 {
				b[k] = ':'
			} else {
				b[k] = '_'
			}
		}
		if Digest(string(b)) == digest {
			return string(b), true
		}
	}
	return "", false
}

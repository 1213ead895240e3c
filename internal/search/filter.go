package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxFilterItems bounds a namespace selector's names and a tag filter's
// tags: each becomes a term of the SQL query, and a long list is better
// said with a glob.
const MaxFilterItems = 32

// MaxPatternBytes bounds one name or glob of a namespace selector, and a
// source filter: a namespace is at most 64 characters, a path pattern is
// not longer than a path, and SQLite refuses a GLOB pattern past 50,000
// bytes with an error that means nothing to the user.
const MaxPatternBytes = 1024

// ParseNamespaces reads a namespace selector: a comma-separated list of names
// or globs ("work,personal", "proj:*"). Empty input selects the default view
// (everything but archive:*).
func ParseNamespaces(spec string) ([]string, error) {
	var out []string
	if n := strings.Count(spec, ",") + 1; n > MaxFilterItems {
		return nil, fmt.Errorf("%d namespaces in one selector, over the %d limit: use a glob (proj:*) to name many", n, MaxFilterItems)
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(part) > MaxPatternBytes {
			return nil, fmt.Errorf("a namespace name or glob of %d bytes, over the %d limit (names are at most 64 characters)", len(part), MaxPatternBytes)
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
				strings.ContainsRune("_.:-*?", r)) {
				return nil, fmt.Errorf("namespace %q: character %q is not allowed (use letters, digits, _ . : - and the globs * ?)", part, r)
			}
		}
		out = append(out, part)
	}
	return out, nil
}

// ParseTime reads a --since/--until bound: a date (2026-11-01, taken as UTC
// midnight), an RFC 3339 timestamp, or an age relative to now ("7d", "36h",
// "2w", "30m").
func ParseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if len(s) >= 2 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err == nil && n >= 0 {
			unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
			if unit != 0 {
				return now.Add(-time.Duration(n) * unit).UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("time %q: use a date (2026-11-01), an RFC 3339 time (2026-11-01T09:00:00Z) or an age (30m, 36h, 7d, 2w)", s)
}

// Package memfile owns the memory entry format: how an entry is rendered to
// markdown, how a file of entries is parsed back, and how every write to a
// memory file goes through one atomic, locked Mutate.
//
// An entry looks like this (compatible with memtomem's format, so existing
// memory directories index unchanged):
//
//	## Deployment checklist
//
//	> created: 2026-11-26T10:00:00Z
//	> id: 3f9a0c1d2e4b
//	> tags: ["ops","deploy"]
//
//	Uses blue-green rollout.
//
// Untitled entries get the heading "## Entry <UTC timestamp> <id>". The
// "> id:" line is ours: it makes every entry addressable and lets a retried
// write be detected. Files written by other tools simply lack it.
package memfile

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Metadata keys recognised in the blockquote lines right below an entry heading.
const (
	MetaCreated = "created"
	MetaID      = "id"
	MetaTags    = "tags"
)

// TimeLayout is how "> created:" timestamps are written: UTC, second precision.
const TimeLayout = "2006-01-02T15:04:05Z"

// Meta is what the metadata lines of one entry say.
type Meta struct {
	Created time.Time
	ID      string
	Tags    []string
}

// ParseMetaLine recognises one metadata line ("> key: value") and folds it
// into m. It reports false for any other line, including a blockquote whose key
// is not ours or whose value does not parse, so such lines stay part of the body.
func ParseMetaLine(line string, m *Meta) bool {
	rest, ok := strings.CutPrefix(strings.TrimRight(line, " \t\r"), ">")
	if !ok {
		return false
	}
	key, value, ok := strings.Cut(strings.TrimSpace(rest), ":")
	if !ok {
		return false
	}
	value = strings.TrimSpace(value)
	switch strings.ToLower(strings.TrimSpace(key)) {
	case MetaCreated:
		t, err := parseTime(value)
		if err != nil {
			return false
		}
		m.Created = t
	case MetaID:
		if !ValidID(value) {
			return false
		}
		m.ID = value
	case MetaTags:
		var tags []string
		if err := json.Unmarshal([]byte(value), &tags); err != nil {
			return false
		}
		m.Tags = NormalizeTags(tags)
	default:
		return false
	}
	return true
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return checkYear(t.UTC())
		}
	}
	_, err := time.Parse(time.RFC3339, s)
	return time.Time{}, err
}

// checkYear rejects times whose UTC year does not have four digits: they
// cannot be written back in TimeLayout and parsed again.
func checkYear(t time.Time) (time.Time, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, fmt.Errorf("year %d out of range", y)
	}
	return t, nil
}

// ValidID accepts the ids we generate and any short token without spaces that
// another tool might have written.
func ValidID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// NormalizeTags trims, drops empties and duplicates, keeping first-seen order.
func NormalizeTags(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

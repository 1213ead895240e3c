package memtomem

import (
	"fmt"
	"strings"

	"github.com/memtomem/memtomem/internal/secret"
)

// Redaction is a credential a write carried and memtomem replaced
// (security.secrets = "redact").
type Redaction struct {
	Field string `json:"field"` // "content", "title" or "tags"
	Rule  string `json:"rule"`  // the gitleaks rule id
	Line  int    `json:"line"`  // 1-based line of that field
}

func (r Redaction) String() string {
	if r.Field == "content" {
		return fmt.Sprintf("%s at content line %d", r.Rule, r.Line)
	}
	return r.Rule + " in the " + r.Field
}

// screenSecrets is the one check of every write's text for credentials:
// Add (and so batch_add and import) and Edit call it with the fields they
// would store (nil: a field the write leaves alone). With security.secrets
// "refuse" a credential is an invalid-input error naming the rule and
// line, before anything is written; with "redact" the fields are rewritten
// in place, each credential replaced by [REDACTED:<rule>], and what was
// replaced is returned for the reply.
func (m *Memory) screenSecrets(content, title *string, tags []string) ([]Redaction, error) {
	type field struct {
		name string
		text *string
	}
	fields := []field{{"content", content}, {"title", title}}
	for i := range tags {
		fields = append(fields, field{"tags", &tags[i]})
	}
	redact := m.cfg.Security.Secrets == "redact"
	var out []Redaction
	for _, f := range fields {
		if f.text == nil || *f.text == "" {
			continue
		}
		if !redact {
			if found := secret.Find(*f.text); len(found) > 0 {
				return nil, refuseSecret(f.name, found[0])
			}
			continue
		}
		clean, found := secret.Redact(*f.text)
		if left := secret.Find(clean); len(left) > 0 {
			return nil, refuseSecret(f.name, left[0]) // could not be redacted
		}
		*f.text = clean
		for _, x := range found {
			out = append(out, Redaction{Field: f.name, Rule: x.Rule, Line: x.Line})
		}
	}
	return out, nil
}

func refuseSecret(field string, f secret.Finding) error {
	where := field
	if field == "content" {
		where = fmt.Sprintf("content line %d", f.Line)
	}
	return invalidf("%s holds what looks like a credential (rule %s): nothing was saved. Remove it (note where the secret is kept instead), or have the user run mm config set security.secrets redact to store such text with the credential replaced by [REDACTED:%s]",
		where, f.Rule, f.Rule)
}

// redactionNote is the warning a reply carries for redacted text.
func redactionNote(rs []Redaction) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return "redacted (security.secrets = redact): " + strings.Join(parts, ", ") + "; the rest was stored"
}

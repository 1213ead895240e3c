package secret

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/memtomem/memtomem/internal/secret/secrettest"
)

// credentials is one example of each class the docs promise to catch, with
// the rule that names it.
func credentials() []struct{ name, text, rule string } {
	key := "-----BEGIN RSA PRIVATE KEY-----\n" + secrettest.Fake(1, "", 64, secrettest.Base64) + "\n" + secrettest.Fake(2, "", 64, secrettest.Base64) + "\n-----END RSA PRIVATE KEY-----"
	return []struct{ name, text, rule string }{
		{"AWS access key", "aws_access_key_id = " + secrettest.Fake(3, "AKIA", 16, secrettest.Upper2), "aws-access-token"},
		{"private key block", key, "private-key"},
		{"GitHub token", "export GH_TOKEN=" + secrettest.Fake(4, "ghp_", 36, secrettest.Alnum), "github-pat"},
		{"GitLab token", "token: " + secrettest.Fake(5, "glpat-", 20, secrettest.Alnum), "gitlab-pat"},
		{"Slack bot token", "SLACK=" + secrettest.Fake(6, "xoxb-", 12, "0123456789") + secrettest.Fake(7, "-", 12, "0123456789") + secrettest.Fake(8, "-", 24, secrettest.Alnum), "slack-bot-token"},
		{"OpenAI key", "OPENAI_API_KEY=" + secrettest.Fake(9, "sk-", 20, secrettest.Alnum) + "T3BlbkFJ" + secrettest.Fake(10, "", 20, secrettest.Alnum), "openai-api-key"},
		{"Anthropic key", "key " + secrettest.Fake(11, "sk-ant-api03-", 93, secrettest.Alnum) + "AA", "anthropic-api-key"},
		{"Stripe key", "stripe " + secrettest.Fake(12, "sk_live_", 24, secrettest.Alnum), "stripe-access-token"},
		{"basic-auth URL", "DATABASE_URL=postgres://app:" + secrettest.Fake(13, "", 16, secrettest.Alnum) + "@db.internal:5432/app", "basic-auth-url"},
		{"password assignment", `db_password = "` + secrettest.Fake(14, "", 16, secrettest.Alnum) + `"`, "generic-api-key"},
		{"password with punctuation", "password: " + secrettest.Fake(15, "", 6, secrettest.Alnum) + "!#" + secrettest.Fake(16, "", 6, secrettest.Alnum), "password-assignment"},
	}
}

func TestFindEachClass(t *testing.T) {
	for _, c := range credentials() {
		t.Run(c.name, func(t *testing.T) {
			text := "Notes for the deploy.\n\n" + c.text + "\n\nDone."
			got := Find(text)
			if len(got) != 1 || got[0].Rule != c.rule || got[0].Line != 3 {
				t.Fatalf("Find = %v, want one %s at line 3", got, c.rule)
			}
		})
	}
}

// Prose about credentials, placeholders and gitleaks' documented example
// values are not credentials.
func TestFindNothingInOrdinaryText(t *testing.T) {
	for _, text := range []string{
		"Rotate the API key every 90 days; the password policy needs 12 characters.",
		"The token budget is 8k; the secret to good retrieval is chunking.",
		"Connect with postgres://user:password@localhost:5432/app (placeholder).",
		"Use https://${USER}:${PASS}@example.com for the mirror.",
		"aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
		"password = changeme",
		"password = self.password",
		"password: getpass.getpass(prompt)",
		"password: ${DB_PASSWORD}",
		"password: ********",
		"The password: make it long!",
		"## Heading\n\n- a list\n- of items with numbers 1234567890 and ids a1b2c3d4",
	} {
		if got := Find(text); got != nil {
			t.Errorf("Find(%q) = %v, want none", text, got)
		}
	}
}

// Findings come in one order, whatever order gitleaks' rule map yields.
func TestFindDeterministic(t *testing.T) {
	var all []string
	for _, c := range credentials() {
		all = append(all, c.text)
	}
	text := strings.Join(all, "\n")
	first := Find(text)
	if len(first) != len(all) {
		t.Fatalf("Find found %d credentials in %d lines: %v", len(first), len(all), first)
	}
	for range 20 {
		if got := Find(text); !slices.Equal(got, first) {
			t.Fatalf("Find = %v, then %v", first, got)
		}
	}
}

// One detector serves every goroutine of a server (run with -race).
func TestConcurrentFind(t *testing.T) {
	cs := credentials()
	var wg sync.WaitGroup
	errs := make(chan string, len(cs)*8)
	for g := range 8 {
		wg.Go(func() {
			for i := range cs {
				c := cs[(i+g)%len(cs)]
				if got := Find(c.text); len(got) != 1 || got[0].Rule != c.rule {
					errs <- fmt.Sprintf("%s: Find = %v, want %s", c.name, got, c.rule)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestRedact(t *testing.T) {
	for _, c := range credentials() {
		t.Run(c.name, func(t *testing.T) {
			text := "before\n" + c.text + "\nafter"
			got, found := Redact(text)
			if len(found) != 1 || found[0].Rule != c.rule {
				t.Fatalf("Redact found %v, want %s", found, c.rule)
			}
			if !strings.Contains(got, "[REDACTED:"+c.rule+"]") || !strings.HasPrefix(got, "before\n") || !strings.HasSuffix(got, "\nafter") {
				t.Fatalf("Redact = %q", got)
			}
			if again := Find(got); again != nil {
				t.Fatalf("redacted text %q still holds %v", got, again)
			}
		})
	}
	if got, found := Redact("nothing here"); got != "nothing here" || found != nil {
		t.Fatalf("Redact of clean text = %q, %v", got, found)
	}
}

func TestRulesLoaded(t *testing.T) {
	rules := Rules()
	for _, want := range []string{"aws-access-token", "private-key", "github-pat", "generic-api-key", "basic-auth-url", "password-assignment"} {
		if !slices.Contains(rules, want) {
			t.Errorf("rule %s not loaded", want)
		}
	}
	if len(rules) < 200 {
		t.Errorf("%d rules loaded, want gitleaks' default set (over 200)", len(rules))
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mm index of a whole home, as a user would run it: credential locations,
// the store's own configuration and what .gitignore and .mmignore leave out
// are not searchable through a real server; what a negation re-includes is.
// An agent naming an ignored file with mem_index gets the reason.
func TestIndexHomeHonoursIgnoreRules(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	user := filepath.Join(root, "user")
	store := filepath.Join(user, ".memtomem")
	files := map[string]string{
		".ssh/config":                   "Host zqssh\n  IdentityFile ~/.ssh/id_ed25519\n",
		".ssh/id_ed25519":               "zqkey private\n",
		".aws/credentials":              "[default]\naws_secret_access_key = zqaws\n",
		".config/gh/hosts.yml":          "github.com:\n  oauth_token: zqgh\n",
		".docker/config.json":           `{"auths": {"r": {"auth": "zqdocker"}}}`,
		".memtomem/config.json":         `{"embedding": {"api_key": "zqapikey"}}`,
		".gitignore":                    "secrets.md\n",
		"secrets.md":                    "# Secrets\n\nzqsecret\n",
		"notes/plan.md":                 "# Plan\n\nzqplan\n",
		"projects/app/.git/HEAD":        "ref: refs/heads/main\n",
		"projects/app/.gitignore":       "*.log.md\nbuild/\n",
		"projects/app/logs/.gitignore":  "!keep.log.md\n",
		"projects/app/logs/a.log.md":    "# A\n\nzqdroplog\n",
		"projects/app/logs/keep.log.md": "# Keep\n\nzqkeeplog\n",
		"projects/app/build/out.md":     "# Out\n\nzqbuild\n",
		".mmignore":                     "scratch/\n!secrets.md\nprivate.md\n",
		"scratch/tmp.md":                "# Tmp\n\nzqscratch\n",
		"private.md":                    "# Private\n\nzqprivate\n",
	}
	for name, content := range files {
		p := filepath.Join(user, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := mmCommand(t, store, "index", user).CombinedOutput()
	if err != nil {
		t.Fatalf("mm index: %v\n%s", err, out)
	}
	for _, reason := range []string{"credential location", "ignored (.gitignore)", "ignored (.mmignore)", "memtomem's own files"} {
		if !strings.Contains(string(out), reason) {
			t.Errorf("mm index does not report %q:\n%s", reason, out)
		}
	}

	srv := startServer(t, store)
	for _, word := range []string{"zqssh", "zqaws", "zqgh", "zqdocker", "zqapikey", "zqdroplog", "zqbuild", "zqscratch", "zqprivate"} {
		if ok, err := srv.found(word, word, 5); err != nil || ok {
			t.Errorf("%s is searchable after mm index of the home (err %v)", word, err)
		}
	}
	// secrets.md: ignored by .gitignore, re-included by the .mmignore of the
	// same folder; keep.log.md by a nested negation.
	for _, word := range []string{"zqplan", "zqsecret", "zqkeeplog"} {
		if ok, err := srv.found(word, word, 5); err != nil || !ok {
			t.Errorf("%s is not searchable (err %v)", word, err)
		}
	}

	// The home is a remembered source, so mem_index may name files in it;
	// ignored ones are skipped with the reason.
	for path, reason := range map[string]string{
		".ssh/config":               "credential location",
		"projects/app/build/out.md": "ignored (.gitignore)",
		"private.md":                "ignored (.mmignore)",
	} {
		text, _ := srv.mustCall("mem_index", map[string]any{"path": filepath.Join(user, path)})
		if !strings.Contains(text, reason) {
			t.Errorf("mem_index %s: %q, want it skipped as %q", path, text, reason)
		}
	}
	if ok, err := srv.found("zqssh", "zqssh", 5); err != nil || ok {
		t.Errorf("~/.ssh/config is searchable after mem_index named it (err %v)", err)
	}
}

package setup

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Claude Code settings, before and after --hooks (golden): memtomem's
// matcher groups join the user's hooks, adding again changes nothing, and
// removing gives the file back byte for byte.
func TestHooksGoldenFiles(t *testing.T) {
	befores, _ := filepath.Glob("testdata/hooks-*.before")
	if len(befores) == 0 {
		t.Fatal("no golden files")
	}
	for _, before := range befores {
		t.Run(filepath.Base(before), func(t *testing.T) {
			in, _ := os.ReadFile(before)
			out, changed, err := AddHooks(in, "mm")
			if err != nil || !changed {
				t.Fatalf("AddHooks: %v %v", changed, err)
			}
			golden := strings.TrimSuffix(before, ".before") + ".after"
			if *update {
				os.WriteFile(golden, out, 0o644)
			}
			want, _ := os.ReadFile(golden)
			if !bytes.Equal(out, want) {
				t.Fatalf("after AddHooks:\n%s\nwant:\n%s", out, want)
			}
			var settings struct {
				Hooks map[string][]struct {
					Hooks []struct{ Command string } `json:"hooks"`
				} `json:"hooks"`
			}
			if err := decodeJSONC(out, &settings); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if json.Valid(in) && !json.Valid(out) {
				t.Fatalf("plain JSON became JSONC: %s", out)
			}
			for event, cmd := range map[string]string{"SessionStart": "mm hook session-start", "UserPromptSubmit": "mm hook prompt", "PostCompact": "mm hook stop", "SessionEnd": "mm hook stop"} {
				groups := settings.Hooks[event]
				if len(groups) == 0 || groups[len(groups)-1].Hooks[0].Command != cmd {
					t.Errorf("%s: %+v; want %q last", event, groups, cmd)
				}
			}
			if again, changed, _ := AddHooks(out, "mm"); changed || !bytes.Equal(again, out) {
				t.Fatal("a second AddHooks changed the file")
			}
			back, changed, err := RemoveHooks(out)
			if err != nil || !changed || !bytes.Equal(back, in) {
				t.Fatalf("RemoveHooks: %v %v\n%s\nwant\n%s", changed, err, back, in)
			}
		})
	}
}

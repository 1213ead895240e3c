package setup

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .after golden files")

// Every client's file, before and after mm setup (golden), taken from the
// shapes the clients document, with other servers and settings beside:
// adding changes only the inserted entry, adding again changes nothing,
// and removing gives the file back byte for byte.
func TestGoldenFiles(t *testing.T) {
	befores, _ := filepath.Glob("testdata/*.before")
	if len(befores) == 0 {
		t.Fatal("no golden files")
	}
	for _, before := range befores {
		name := strings.TrimSuffix(filepath.Base(before), ".before")
		if strings.HasPrefix(name, "hooks-") {
			continue // TestHooksGoldenFiles
		}
		t.Run(name, func(t *testing.T) {
			c, ok := Find(strings.Split(name, "-")[0])
			if !ok {
				t.Fatalf("no client for %s", name)
			}
			in, _ := os.ReadFile(before)
			out, changed, err := c.Add(in, "mm")
			if err != nil || !changed {
				t.Fatalf("Add: changed %v, %v", changed, err)
			}
			golden := strings.TrimSuffix(before, ".before") + ".after"
			if *update {
				os.WriteFile(golden, out, 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/setup -update)", err)
			}
			if !bytes.Equal(out, want) {
				t.Fatalf("after Add:\n%s\nwant:\n%s", out, want)
			}
			if !c.toml {
				var v map[string]any
				if err := decodeJSONC(out, &v); err != nil {
					t.Fatalf("the result is not JSON: %v", err)
				}
				if json.Valid(in) && !json.Valid(out) {
					t.Fatalf("plain JSON became JSONC: %s", out)
				}
				var before map[string]any
				decodeJSONC(in, &before)
				for k := range before {
					if k != c.Key && !jsonEqual(before[k], v[k]) {
						t.Errorf("%s changed", k)
					}
				}
				servers, _ := v[c.Key].(map[string]any)
				if servers[ServerName] == nil {
					t.Fatalf("no %s in %s: %s", ServerName, c.Key, out)
				}
			}
			again, changed, err := c.Add(out, "mm")
			if err != nil || changed || !bytes.Equal(again, out) {
				t.Fatalf("a second Add changed the file (%v, %v)", changed, err)
			}
			back, changed, err := c.Remove(out)
			if err != nil || !changed {
				t.Fatalf("Remove: %v, %v", changed, err)
			}
			want = in
			if removed, err := os.ReadFile(strings.TrimSuffix(before, ".before") + ".removed"); err == nil {
				want = removed // the documented exception
			}
			if !bytes.Equal(back, want) {
				t.Fatalf("Remove did not give the file back:\n%q\nwant\n%q", back, in)
			}
			if same, changed, _ := c.Remove(in); changed || !bytes.Equal(same, in) {
				t.Fatal("Remove changed a file without memtomem")
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// A missing file becomes one holding memtomem alone; a file that is not a
// JSON object is refused with what to do, not rewritten.
func TestNewAndRefusedFiles(t *testing.T) {
	for _, c := range Clients {
		out, changed, err := c.Add(nil, "/opt/bin/mm")
		if err != nil || !changed || !strings.Contains(string(out), `"/opt/bin/mm"`) {
			t.Errorf("%s: new file %q, %v", c.Name, out, err)
		}
		if !c.toml {
			var v map[string]map[string]any
			if err := json.Unmarshal(out, &v); err != nil || v[c.Key][ServerName] == nil {
				t.Errorf("%s: new file is not the servers object: %s %v", c.Name, out, err)
			}
		}
	}
	claude, _ := Find("claude")
	for _, bad := range []string{"{\n  \"mcpServers\": {\n", "[1, 2]", "{\"mcpServers\": []}", "{} {}"} {
		if _, _, err := claude.Add([]byte(bad), "mm"); err == nil {
			t.Errorf("Add(%q) took it; want a refusal", bad)
		} else if _, _, rerr := claude.Remove([]byte(bad)); rerr == nil && !strings.Contains(bad, "[]") {
			t.Errorf("Remove(%q) took it; want a refusal", bad)
		}
	}
	if _, _, err := claude.Add([]byte("{\"a\": 1,,}"), "mm"); err == nil || !strings.Contains(err.Error(), "docs/clients.md") {
		t.Errorf("broken JSON: %v; want an error saying where the entry is documented", err)
	}
}

// opencode reads opencode.jsonc as well: mm setup edits the one there is.
func TestJSONCPath(t *testing.T) {
	home := t.TempDir()
	oc, _ := Find("opencode")
	if got := oc.Path(home, home, false); filepath.Base(got) != "opencode.json" {
		t.Errorf("no file: %s; want opencode.json", got)
	}
	dir := filepath.Join(home, ".config", "opencode")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "opencode.jsonc"), []byte("{}"), 0o644)
	if got := oc.Path(home, home, false); got != filepath.Join(dir, "opencode.jsonc") {
		t.Errorf("with opencode.jsonc: %s", got)
	}
	os.WriteFile(filepath.Join(dir, "opencode.json"), []byte("{}"), 0o644)
	if got := oc.Path(home, home, false); got != filepath.Join(dir, "opencode.json") {
		t.Errorf("with both: %s; want opencode.json, which opencode reads first", got)
	}
}

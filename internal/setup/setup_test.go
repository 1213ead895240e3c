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
				if err := json.Unmarshal(out, &v); err != nil {
					t.Fatalf("the result is not JSON: %v", err)
				}
				var before map[string]any
				json.Unmarshal(in, &before)
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

// A missing file becomes one holding memtomem alone; a file that is not
// plain JSON (comments) is refused, not rewritten.
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
	if _, _, err := claude.Add([]byte("{\n  // my servers\n  \"mcpServers\": {}\n}\n"), "mm"); err == nil || !strings.Contains(err.Error(), "comments") {
		t.Errorf("a file with comments: %v; want a refusal naming comments", err)
	}
}

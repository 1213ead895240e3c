package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Links planted in memories/ of a running server, to a file and to a
// folder outside it, lead an agent nowhere: mem_add does not write through
// them (the outside file unchanged, nothing created outside), and neither
// mem_index nor mem_search ever shows a byte of what they point to.
func TestPlantedLinksLeadAgentsNowhere(t *testing.T) {
	home := t.TempDir()
	outside := t.TempDir()
	bashrc := filepath.Join(outside, "bashrc")
	os.WriteFile(bashrc, []byte("export PATH=/usr/bin\n"), 0o644)
	os.WriteFile(filepath.Join(outside, "secret.md"), []byte("# Secret\n\nthe aardvark passphrase\n"), 0o644)
	s := startServer(t, home)
	_, st := s.mustCall("mem_add", map[string]any{"content": "a memory before the links"})
	day, _ := st["file"].(string)
	mem := filepath.Dir(day)
	if err := os.Remove(day); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		day:                            bashrc,
		filepath.Join(mem, "notes.md"): filepath.Join(outside, "secret.md"),
		filepath.Join(mem, "linked"):   outside,
	} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}

	for _, args := range []map[string]any{
		{"content": "appended through a day file linked out"},
		{"content": "written into a folder linked out", "file": "linked/new.md"},
		{"content": "appended to a note linked out", "file": "notes.md"},
	} {
		if _, _, err := s.call("mem_add", args); err == nil {
			t.Errorf("mem_add %v wrote through a link out of memories/", args)
		}
	}
	os.WriteFile(filepath.Join(mem, "real.md"), []byte("# Real\n\nthe pangolin note\n"), 0o600)
	for _, path := range []string{"", filepath.Join(mem, "notes.md"), filepath.Join(mem, "linked")} {
		s.call("mem_index", map[string]any{"path": path}) // a refusal is fine; what counts is below
	}
	if ok, err := s.found("pangolin", "pangolin", 10); err != nil || !ok {
		t.Fatalf("mem_index did not index a plain note beside the links (found=%v, err=%v)", ok, err)
	}
	if ok, err := s.found("aardvark passphrase", "aardvark", 10); err != nil || ok {
		t.Errorf("mem_search finds the file outside (found=%v, err=%v)", ok, err)
	}
	if b, _ := os.ReadFile(bashrc); string(b) != "export PATH=/usr/bin\n" {
		t.Errorf("the file outside was written:\n%s", b)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 2 {
		t.Errorf("files were created outside: %v", entries)
	}
}

//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/disktest"
)

// memoryFiles reads every memory file of the store.
func memoryFiles(t *testing.T, home string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	paths, _ := filepath.Glob(filepath.Join(home, "memories", "*.md"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = b
	}
	if len(out) == 0 {
		t.Fatal("no memory file was written")
	}
	return out
}

// The disk fills while a server runs: searches and reads go on, an add
// fails saying the disk is full and what to do, nothing stored before is
// lost, and once space is freed adds work again without a restart.
func TestDiskFillsWhileServing(t *testing.T) {
	home := filepath.Join(disktest.Tmpfs(t), "home")
	s := startServer(t, home)
	s.mustCall("mem_add", map[string]any{"content": "the kestrel nests on the north tower"})
	_, added := s.mustCall("mem_add", map[string]any{"content": "the heron fishes at dawn"})
	before := memoryFiles(t, home)
	free := disktest.Fill(t, filepath.Dir(home))

	if ok, err := s.found("kestrel", "north tower", 5); !ok || err != nil {
		t.Fatalf("a search on a full disk should find the earlier memory (found %v, %v)", ok, err)
	}
	ids, _ := added["chunk_ids"].([]any)
	if text, err := callText(s, "mem_read", map[string]any{"chunk_id": ids[0]}); err != nil || !strings.Contains(text, "heron") {
		t.Fatalf("mem_read on a full disk: %v\n%s", err, text)
	}
	_, _, err := s.call("mem_add", map[string]any{"content": "the osprey arrives in spring"})
	if err == nil || !strings.Contains(err.Error(), "is full: free space on it, then retry; nothing was written") {
		t.Fatalf("an add on a full disk should fail saying the disk is full and what to do, got %v", err)
	}
	if text, _ := s.mustCall("mem_status", nil); !strings.Contains(text, "disk: the disk holding") || !strings.Contains(text, "is full") {
		t.Errorf("mem_status should say the disk is full:\n%s", text)
	}
	after := memoryFiles(t, home)
	for p, b := range before {
		if !bytes.Equal(after[p], b) {
			t.Errorf("%s changed on the full disk:\nbefore:\n%s\nafter:\n%s", p, b, after[p])
		}
	}
	if len(after) != len(before) {
		t.Errorf("memory files before %d, after %d", len(before), len(after))
	}

	free()
	s.mustCall("mem_add", map[string]any{"content": "the osprey arrives in spring"})
	for word, want := range map[string]string{"osprey": "arrives in spring", "kestrel": "north tower", "heron": "fishes at dawn"} {
		if ok, err := s.found(word, want, 5); !ok || err != nil {
			t.Errorf("after freeing space, %q is not found (%v)", word, err)
		}
	}
}

// A server started on a store whose disk is mounted read-only serves
// searches, reads, listings and status, and refuses adds saying why; the
// CLI's mm search works there too.
func TestServerOnReadOnlyStore(t *testing.T) {
	disk := disktest.Tmpfs(t)
	home := filepath.Join(disk, "home")
	for _, c := range []string{"the lighthouse keeper logs the storms", "the ferry leaves at noon"} {
		if out, err := mmCommand(t, home, "add", c).CombinedOutput(); err != nil {
			t.Fatalf("mm add: %v\n%s", err, out)
		}
	}
	before := memoryFiles(t, home)
	disktest.Remount(t, disk, true)

	cmd := mmCommand(t, home, "serve")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	s := connectServer(t, cmd)
	defer func() {
		if t.Failed() {
			t.Logf("server stderr:\n%s", stderr.String())
		}
	}()
	_, st, err := s.call("mem_search", map[string]any{"query": "lighthouse"})
	results, _ := st["results"].([]any)
	if err != nil || len(results) == 0 {
		t.Fatalf("mem_search on a read-only store: %v (%d results)", err, len(results))
	}
	id, _ := results[0].(map[string]any)["chunk_id"].(string)
	if text, err := callText(s, "mem_read", map[string]any{"chunk_id": id}); err != nil || !strings.Contains(text, "storms") {
		t.Errorf("mem_read on a read-only store: %v\n%s", err, text)
	}
	if _, st, err := s.call("mem_list", map[string]any{}); err != nil || st["count"] != float64(2) {
		t.Errorf("mem_list on a read-only store: %v, %v", err, st)
	}
	_, _, err = s.call("mem_add", map[string]any{"content": "the tide turns at six"})
	if err == nil || !strings.Contains(err.Error(), "is mounted read-only: remount it read-write") || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("an add on a read-only store should be refused saying why and what to do, got %v", err)
	}
	if text, _ := s.mustCall("mem_status", nil); !strings.Contains(text, "disk: the disk holding") || !strings.Contains(text, "read-only") {
		t.Errorf("mem_status should say the disk is read-only:\n%s", text)
	}
	out, err := mmCommand(t, home, "search", "ferry").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "leaves at noon") {
		t.Errorf("mm search on a read-only store: %v\n%s", err, out)
	}
	after := memoryFiles(t, home)
	for p, b := range before {
		if !bytes.Equal(after[p], b) {
			t.Errorf("%s changed", p)
		}
	}
}

// callText runs a tool and returns its text.
func callText(s *server, name string, args map[string]any) (string, error) {
	text, _, err := s.call(name, args)
	return text, err
}

// A server started while the disk is full (no other process has the store
// open, so SQLite cannot size a new -shm file) serves searches and refuses
// adds saying so; once space is freed, an mm add from another process is
// written, and the server, which opened the store for reading, finds it.
func TestServerStartedOnFullDisk(t *testing.T) {
	disk := disktest.Tmpfs(t)
	home := filepath.Join(disk, "home")
	if out, err := mmCommand(t, home, "add", "the glacier retreats each summer").CombinedOutput(); err != nil {
		t.Fatalf("mm add: %v\n%s", err, out)
	}
	free := disktest.Fill(t, disk)
	s := startServer(t, home)
	if ok, err := s.found("glacier", "retreats each summer", 5); !ok || err != nil {
		t.Fatalf("a server started on a full disk should find the earlier memory (found %v, %v)", ok, err)
	}
	_, _, err := s.call("mem_add", map[string]any{"content": "the moraine holds the lake"})
	if err == nil || !strings.Contains(err.Error(), "is full: free space on it, then restart mm") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("an add on a server started on a full disk should say the disk is full and to restart, got %v", err)
	}
	free()
	_, _, err = s.call("mem_add", map[string]any{"content": "the moraine holds the lake"})
	if err == nil || !strings.Contains(err.Error(), "the disk takes writes again") {
		t.Errorf("with space freed, the add should say the disk takes writes but this server must restart, got %v", err)
	}
	if out, err := mmCommand(t, home, "add", "the moraine holds the lake").CombinedOutput(); err != nil {
		t.Fatalf("mm add after freeing space: %v\n%s", err, out)
	}
	if ok, err := s.found("moraine", "holds the lake", 5); !ok || err != nil {
		t.Errorf("the server should see what another process wrote once space was freed (found %v, %v)", ok, err)
	}
}

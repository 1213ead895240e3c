package coord

import (
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func stubStatfs(t *testing.T, f func(path string) (int64, error)) {
	t.Helper()
	orig := statfsType
	statfsType = f
	t.Cleanup(func() { statfsType = orig })
}

func TestCheckLocalFSRefusesNFS(t *testing.T) {
	dir := t.TempDir()
	stubStatfs(t, func(string) (int64, error) { return 0x6969, nil })
	err := CheckLocalFS(dir)
	if err == nil {
		t.Fatal("NFS accepted")
	}
	for _, want := range []string{dir, "NFS", "MEMTOMEM_HOME", "local"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestCheckLocalFSKinds(t *testing.T) {
	for magic, kind := range map[int64]string{0xFF534D42: "CIFS", 0x65735546: "FUSE", 0x01021997: "9P", 0x517B: "SMB"} {
		stubStatfs(t, func(string) (int64, error) { return magic, nil })
		if err := CheckLocalFS("/x"); err == nil || !strings.Contains(err.Error(), kind) {
			t.Errorf("magic %#x: %v", magic, err)
		}
	}
	stubStatfs(t, func(string) (int64, error) { return 0xEF53, nil }) // ext4
	if err := CheckLocalFS("/x"); err != nil {
		t.Errorf("ext4 refused: %v", err)
	}
}

// A home that does not exist yet is judged by where it will be created.
func TestCheckLocalFSMissingPath(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "a", "b", "home")
	var checked []string
	stubStatfs(t, func(p string) (int64, error) {
		checked = append(checked, p)
		if p != dir {
			return 0, fs.ErrNotExist
		}
		return 0x6969, nil
	})
	err := CheckLocalFS(missing)
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("got %v, want an NFS refusal naming %s", err, missing)
	}
	if last := checked[len(checked)-1]; last != dir {
		t.Errorf("checked %v, want to end at %s", checked, dir)
	}
}

func TestCheckLocalFSReal(t *testing.T) {
	dir := t.TempDir()
	if err := CheckLocalFS(dir); err != nil {
		t.Fatalf("temp dir refused: %v", err)
	}
	if err := CheckLocalFS(filepath.Join(dir, "not", "yet")); err != nil {
		t.Fatalf("missing path under temp dir refused: %v", err)
	}
	if runtime.GOOS == "linux" {
		typ, err := statfsType(dir)
		if err != nil || typ == 0 {
			t.Errorf("statfsType(%s) = %#x, %v", dir, typ, err)
		}
	}
}

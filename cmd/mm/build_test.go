package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	schemaPkg  = "github.com/memtomem/memtomem/internal/store/sqlite"
	versionPkg = "github.com/memtomem/memtomem"
)

// buildMM builds a release-like mm for tests that need more than the test
// binary re-executed as mm: other schema versions (schema > 0 fakes a release
// with that schema version and floors), crash points (tags "crashtest").
// The binary lives in the test's temp dir.
func buildMM(t *testing.T, name string, tags string, schema, readFloor, writeFloor int, ldflags ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	ldflags = append(ldflags, "-X "+versionPkg+".Version=test-"+name)
	if schema > 0 {
		ldflags = append(ldflags,
			"-X "+schemaPkg+".schemaOverride="+itoa(schema),
			"-X "+schemaPkg+".testReadFloor="+itoa(readFloor),
			"-X "+schemaPkg+".testWriteFloor="+itoa(writeFloor))
	}
	args := []string{"build", "-o", out, "-ldflags", strings.Join(ldflags, " ")}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, b)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// run executes a built binary on home and returns combined output and exit code.
func run(t *testing.T, bin, home string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "MEMTOMEM_HOME="+home)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", bin, err)
	}
	return string(out), code
}

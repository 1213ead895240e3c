package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const (
	schemaPkg  = "github.com/memtomem/memtomem/internal/store/sqlite"
	versionPkg = "github.com/memtomem/memtomem"
)

// buildMM builds a release-like mm for tests that need more than the test
// binary re-executed as mm: other schema versions (schema > 0 fakes a release
// with that schema version and floors), crash points (tags "crashtest").
// Binaries are shared by every test of the run: the same tags and flags
// under another name are the same program, and each link costs seconds on
// a loaded machine. name only names the first build of a kind.
func buildMM(t *testing.T, name string, tags string, schema, readFloor, writeFloor int, ldflags ...string) string {
	t.Helper()
	if schema > 0 {
		ldflags = append(ldflags,
			"-X "+schemaPkg+".schemaOverride="+itoa(schema),
			"-X "+schemaPkg+".testReadFloor="+itoa(readFloor),
			"-X "+schemaPkg+".testWriteFloor="+itoa(writeFloor))
	}
	key := tags + "|" + strings.Join(ldflags, " ")
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if bin, ok := builds.bins[key]; ok {
		return bin
	}
	if builds.dir == "" {
		dir, err := os.MkdirTemp("", "mm-test-builds-")
		if err != nil {
			t.Fatal(err)
		}
		builds.dir = dir
	}
	out := filepath.Join(builds.dir, name)
	ldflags = append(ldflags, "-X "+versionPkg+".Version=test-"+name)
	args := []string{"build", "-o", out, "-ldflags", strings.Join(ldflags, " ")}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, b)
	}
	builds.bins[key] = out
	return out
}

// builds are the binaries buildMM made, by tags and flags; removeBuilds
// deletes them when the package's tests end (see TestMain).
var builds = struct {
	mu   sync.Mutex
	dir  string
	bins map[string]string
}{bins: map[string]string{}}

func removeBuilds() {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
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

package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/memtomem/memtomem/internal/cli"
)

// TestMain lets the test binary act as mm: testscript scripts and the
// multi-process tests run it as a real child process.
func TestMain(m *testing.M) {
	testscript.Main(cleanupM{m}, map[string]func(){
		"mm": func() {
			os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// cleanupM removes the binaries buildMM shared once the tests are done.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	defer removeBuilds()
	return c.m.Run()
}

// TestScripts runs the command-line scenarios in testdata/script: each is a
// txtar file with the commands a user would type and what they must see.
// Rewrite expected output with: go test ./cmd/mm -run TestScripts -update
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("MEMTOMEM_HOME", env.WorkDir+"/home")
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			return nil
		},
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") != "",
	})
}

// eventually polls cond every 50ms and fails the test if it is not true
// within a generous bound (these tests run on loaded machines).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

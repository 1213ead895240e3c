package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/memtomem/memtomem/internal/cli"
)

// TestMain lets the test binary act as mm: testscript scripts and the
// multi-process tests run it as a real child process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mm": func() {
			os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
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

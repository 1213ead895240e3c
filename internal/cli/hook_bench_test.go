package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkPromptHook runs mm hook prompt (open, search, compose, record)
// on a store of 10,000 memories, inside a git project, a distinct prompt
// and session each time, and reports its p50 and p99: the hook's bound is
// 300 ms, and the client waits for it on every prompt.
//
//	go test ./internal/cli -run XXX -bench PromptHook -benchtime 200x
func BenchmarkPromptHook(b *testing.B) {
	home := b.TempDir()
	b.Setenv("MEMTOMEM_HOME", home)
	b.Setenv(projectEnv, "")
	repo := filepath.Join(b.TempDir(), "lark")
	os.MkdirAll(filepath.Join(repo, ".git"), 0o755)
	b.Chdir(repo)
	words := []string{"deploy", "cache", "locale", "canary", "lint", "review", "schema", "migration", "token", "budget", "queue", "retry"}
	var jsonl bytes.Buffer
	for i := range 10000 {
		ns := "default"
		if i%3 == 0 {
			ns = "project:lark"
		}
		rec := map[string]any{"id": fmt.Sprintf("m%05d", i), "title": fmt.Sprintf("Note %d", i), "namespace": ns,
			"content": fmt.Sprintf("Note %d about the %s and the %s: keep the %s in mind when working on the %s.", i,
				words[i%len(words)], words[(i/7)%len(words)], words[(i/13)%len(words)], words[(i/31)%len(words)])}
		line, _ := json.Marshal(rec)
		jsonl.Write(append(line, '\n'))
	}
	export := filepath.Join(b.TempDir(), "m.jsonl")
	os.WriteFile(export, jsonl.Bytes(), 0o600)
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"import", export}, nil, &out, &errOut); code != ExitOK {
		b.Fatalf("import: %s", errOut.String())
	}
	var took []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		in, _ := json.Marshal(map[string]any{"session_id": fmt.Sprintf("bench-%d", i), "cwd": repo, "hook_event_name": "UserPromptSubmit",
			"prompt": fmt.Sprintf("why does the %s touch the %s?", words[i%len(words)], words[(i/5)%len(words)])})
		out.Reset()
		start := time.Now()
		Main(context.Background(), []string{"hook", "prompt"}, bytes.NewReader(in), &out, &errOut)
		took = append(took, time.Since(start))
		if out.Len() == 0 {
			b.Fatalf("the hook injected nothing: %s", errOut.String())
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

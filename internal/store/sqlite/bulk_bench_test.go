package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/store"
)

// benchFiles makes n chunks of ~300 bytes of keyword-rich prose, 50 a file
// (the corpus of the root package's BenchmarkIndexKeyword).
func benchFiles(n int) [][]store.Chunk {
	words := strings.Fields("release checklist deploy runbook build breaks postgres vacuum nightly garage winter " +
		"sedan cache eviction latency budget rollout canary metrics alert pager rotation schema migration index " +
		"backfill vector embedding keyword search ranking quality")
	var files [][]store.Chunk
	for f := 0; f*50 < n; f++ {
		var cs []store.Chunk
		for s := 0; s < 50 && f*50+s < n; s++ {
			k := f*50 + s
			var sb strings.Builder
			for w := 0; w < 40; w++ {
				sb.WriteString(words[(k*7+w*13+w*w)%len(words)])
				sb.WriteByte(' ')
			}
			fmt.Fprintf(&sb, "item %d.", k)
			cs = append(cs, store.Chunk{Content: sb.String(), ContentHash: fmt.Sprint("h", k),
				Hierarchy: []string{fmt.Sprint("Notes ", f), fmt.Sprint("Topic ", k)}, Namespace: "default", StartLine: 4 * s, EndLine: 4*s + 3})
		}
		files = append(files, cs)
	}
	return files
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWriteChunks is the store's share of keyword indexing: n chunks
// written into a fresh store one file per transaction (ReplaceFile, as
// mm add and the watcher do) and a batch of files per transaction
// (ReplaceFiles, as a walk does).
//
//	go test -run '^$' -bench WriteChunks -benchtime 3x ./internal/store/sqlite/
func BenchmarkWriteChunks(b *testing.B) {
	ctx := context.Background()
	const n = 10_000
	files := benchFiles(n)
	build := func(i int) func() (store.File, []store.Chunk, error) {
		return func() (store.File, []store.Chunk, error) {
			f := store.File{Path: fmt.Sprintf("/notes/n%05d.md", i), Namespace: "default", SHA256: fmt.Sprint(i)}
			return f, append([]store.Chunk(nil), files[i]...), nil
		}
	}
	for _, per := range []int{1, 20} {
		b.Run(fmt.Sprintf("files-per-tx=%d", per), func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				db, err := Open(ctx, filepath.Join(b.TempDir(), "m.db"), Options{})
				if err != nil {
					b.Fatal(err)
				}
				c := cpuNow()
				b.StartTimer()
				for i := 0; i < len(files); i += per {
					if per == 1 {
						_, _, err = db.ReplaceFile(ctx, store.Always, build(i))
					} else {
						var builds []func() (store.File, []store.Chunk, error)
						for j := i; j < min(i+per, len(files)); j++ {
							builds = append(builds, build(j))
						}
						_, err = db.ReplaceFiles(ctx, store.Always, builds)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				cpu += cpuNow() - c
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/chunk")
		})
	}
}

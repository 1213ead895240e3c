package memtomem_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

// BenchmarkImport measures one import of n memories into a fresh store
// (markdown writes and indexing), to show import time is linear in its size:
//
//	go test -run '^$' -bench 'BenchmarkImport' -benchtime 1x -count 5 .
func BenchmarkImport(b *testing.B) {
	for _, n := range []int{1000, memtomem.MaxImport} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			exp := importData(n)
			for b.Loop() {
				b.StopTimer()
				m, err := memtomem.Open(context.Background(), config.Default(b.TempDir()))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := m.Import(context.Background(), exp)
				b.StopTimer()
				if err != nil || res.Added != n {
					b.Fatalf("import: %+v %v", res, err)
				}
				m.Close()
				b.StartTimer()
			}
		})
	}
}

// importData is an export of n memories of about 150 bytes in two
// namespaces, as mem_do export would give it.
func importData(n int) memtomem.Export {
	exp := memtomem.Export{Version: memtomem.ExportVersion, Memories: make([]memtomem.ExportedMemory, n)}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range exp.Memories {
		ns := "default"
		if i%2 == 1 {
			ns = "work"
		}
		exp.Memories[i] = memtomem.ExportedMemory{
			ID: fmt.Sprintf("imp%05d", i), Title: fmt.Sprintf("Imported %d", i), Namespace: ns,
			Content: fmt.Sprintf("Imported memory number %d, about the release checklist, the deploy runbook and who to call when the build breaks.", i),
			Tags:    []string{"imported"}, Created: at.Add(time.Duration(i) * time.Minute),
		}
	}
	return exp
}

package memtomem_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

// BenchmarkAdd measures one mem_add end to end (markdown append with fsync,
// then indexing) as a day file grows: b.N entries go to the same file.
func BenchmarkAdd(b *testing.B) {
	m, err := memtomem.Open(context.Background(), config.Default(b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Add(context.Background(), memtomem.AddRequest{Content: fmt.Sprintf("benchmark memory number %d about throughput", i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddToFile measures one add into a day file that already holds
// n entries: an append should cost its entry, not its file.
func BenchmarkAddToFile(b *testing.B) {
	for _, n := range []int{0, 1000, 5000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			ctx := context.Background()
			m, err := memtomem.Open(ctx, config.Default(b.TempDir()))
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			for start := 0; start < n; start += 500 {
				var ms []memtomem.ExportedMemory
				for i := start; i < min(n, start+500); i++ {
					ms = append(ms, memtomem.ExportedMemory{Content: fmt.Sprintf("earlier memory %d about the deployment of service %d", i, i%97)})
				}
				if _, err := m.Import(ctx, memtomem.Export{Version: 1, Memories: ms}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Add(ctx, memtomem.AddRequest{Content: fmt.Sprintf("benchmark memory number %d about throughput", i)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

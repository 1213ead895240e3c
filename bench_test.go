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

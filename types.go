package memtomem

import (
	"time"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/index"
	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
)

// The types the Service's methods take and return, under the root package's
// names: front ends (internal/cli, internal/mcpserver, internal/view, a
// dashboard) speak the Service only and never import the store, the search
// engine, the indexer or the coordination package (arch_test.go enforces
// it). They are aliases, so the packages that own them stay the one
// declaration.
type (
	// Chunk is a stored chunk.
	Chunk = store.Chunk
	// CountPage is one page of per-name chunk counts (tags, namespaces).
	CountPage = store.CountPage
	// NameCount is one row of a CountPage.
	NameCount = store.NameCount
	// SearchResponse is a ranked list and what the caller should know about it.
	SearchResponse = search.Response
	// SearchResult is one ranked chunk.
	SearchResult = search.Result
	// Outage says which embedding provider is down, since when, and when it
	// is tried again.
	Outage = search.Outage
	// IndexStats counts what an index run did.
	IndexStats = index.Stats
	// ChunkSkip is a chunk left out of an indexed file (it holds a credential).
	ChunkSkip = index.ChunkSkip
	// WatchOptions tune the watcher a process runs while it holds the
	// indexer role (see WithWatch).
	WatchOptions = index.WatchOptions
	// Instance is a live process that has the store open.
	Instance = coord.Instance
)

// MaxTopK is the most results a search returns.
const MaxTopK = search.MaxTopK

// ParseTime reads a time bound as every front end takes it: a date
// (2026-11-01), an RFC 3339 time, or an age before now (30m, 36h, 7d, 2w);
// "" is the zero time (no bound).
func ParseTime(s string, now time.Time) (time.Time, error) { return search.ParseTime(s, now) }

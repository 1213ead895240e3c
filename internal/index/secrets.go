package index

import (
	"strings"
	"sync"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/secret"
)

// SkipSecretRule prefixes the rule id that matched in a chunk left out of
// the index (Stats.ChunksSkipped): "secret: github-pat".
const SkipSecretRule = "secret: "

// MaxListedSkips bounds Stats.Skipped: the counts stay complete, the list
// of places stops (a home folder can hold thousands of keys).
const MaxListedSkips = 100

// scanCacheSize bounds the scan cache (about 100 bytes an entry).
const scanCacheSize = 50_000

// scanCache remembers the findings for chunk texts already scanned. A
// scan costs 0.1 to 2 ms a chunk; without it every add would rescan every
// earlier entry of its day file, and inside the write transaction.
type scanCache struct {
	mu   sync.Mutex
	seen map[string][]secret.Finding
}

func (c *scanCache) get(key string) ([]secret.Finding, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.seen[key]
	return f, ok
}

func (c *scanCache) put(key string, f []secret.Finding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil || len(c.seen) >= scanCacheSize {
		c.seen = map[string][]secret.Finding{} // start over rather than track age
	}
	c.seen[key] = f
}

// secrets lists the credentials in a chunk: in its text, or in a heading or
// tag that the text does not carry (reported at the chunk's first line).
func (ix *Indexer) secrets(p chunk.Chunk) []secret.Finding {
	if ix.noSecretScan {
		return nil
	}
	key := chunkHash(p) + "\x00" + strings.Join(p.Tags, "\x00")
	if f, ok := ix.scanned.get(key); ok {
		return f
	}
	found := secret.Find(p.Content)
	if len(found) == 0 {
		for _, s := range append(append([]string(nil), p.Hierarchy...), p.Tags...) {
			if f := ix.findIn(s); len(f) > 0 && !strings.Contains(p.Content, s) {
				found = []secret.Finding{{Rule: f[0].Rule, Line: 1}}
				break
			}
		}
	}
	ix.scanned.put(key, found)
	return found
}

// findIn scans one heading or tag, through the cache: every chunk of a
// section carries the headings above it, so without the cache a file's
// title was scanned once per chunk, and a scan costs the same fixed setup
// however short its text.
func (ix *Indexer) findIn(s string) []secret.Finding {
	key := "\x01" + s // no chunk key starts with a control byte
	if f, ok := ix.scanned.get(key); ok {
		return f
	}
	f := secret.Find(s)
	ix.scanned.put(key, f)
	return f
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/memtomem/memtomem/internal/vector"
)

// The dense index: every current vector of one generation held in this
// process's memory as int8 codes (384 bytes per 384-dimensional vector, a
// quarter of the float32 blob), so that a dense query scans memory instead
// of reading every chunk_vectors page through SQLite's small page cache
// (≈ 82,000 preads per query at 100k chunks). It is built on the first
// dense query, not at Open: a process that never searches by meaning never
// pays for it.
//
// The index only proposes candidates. The final rows, their exact float32
// scores, the filters, the generation and the stale-vector guard (the
// vector's content hash equals its chunk's) are all read from the database
// in the query's own snapshot (see DenseSearch), so a stale index can cost
// recall for the moment it is stale but never return a deleted, edited or
// filtered-out chunk.
//
// Staying current across processes: PRAGMA data_version, read on the
// index's own connection before every query (a few microseconds), changes
// whenever any other connection, in this or another process, commits. Only
// then is the store compared with what is held (resync): the 64 highest
// rowids and anything above them (where new rows land, and where SQLite
// reuses the rowid of a deleted last row) are re-read; one aggregate over
// the generation index (no vector read) checks that nothing below them
// moved, and when something did, per-bucket figures (1,024 rowids a
// bucket: the count of vectors and a sum of their mixed rowids) find the
// buckets to re-read.
type denseIndex struct {
	db *DB

	mu      sync.RWMutex
	conn    *sql.Conn  // own connection: data_version is per connection
	connMu  sync.Mutex // one user of conn at a time (taken after mu, never before)
	loaded  bool       // gen's vectors are held
	dirty   bool       // a fetch found an entry stale: resync even if data_version did not move
	gen     string
	dim     int
	version int64 // data_version when last synced
	rowids  []int64
	codes   codeSlab  // len(rowids)*dim codes, entry i at codes.codes[i*dim:]
	scales  []float32 // per entry: code units to cosine
	hashes  []uint64  // per entry: FNV-1a of the content hash it was computed from
	forced  []int64   // buckets a fetch found stale, to re-read at the next sync
}

// bucketBits sets the bucket width: 2^10 rowids, so a change re-reads at
// most ~1,024 vectors (≈ 1.5 MB), and a 100k store has ~100 buckets.
const bucketBits = 10

type bucketSig struct{ n, sum int64 }

// bucketSQL is the per-bucket summary of one generation's vectors. It
// reads only the generation index (generation, chunk_rowid). The rowid is
// multiplied by a large odd constant before summing so that one vector
// leaving and another arriving in the same bucket (a delete and a backfill)
// changes the sum too.
const bucketSQL = `SELECT chunk_rowid >> 10, count(*), sum((chunk_rowid * 2654435761) % 4294967311)
	FROM chunk_vectors INDEXED BY chunk_vectors_generation WHERE generation = ? GROUP BY 1`

// rangeSQL reads the vectors of a rowid range (a bucket, or everything).
// It does not join the chunks to check content hashes: that would read
// every chunk's text too, doubling a full load, and the fetch of the final
// rows applies the stale-vector guard anyway (a vector whose chunk is gone
// or changed only ever costs a candidate slot).
const rangeSQL = `SELECT chunk_rowid, content_hash, vec FROM chunk_vectors
	WHERE chunk_rowid BETWEEN ? AND ? AND +generation = ? ORDER BY chunk_rowid`

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// denseIndexFor returns the process's index, creating it (empty) on first use.
func (db *DB) denseIndexFor() *denseIndex {
	db.denseOnce.Do(func() { db.dense = &denseIndex{db: db} })
	return db.dense
}

// close releases the index's connection and memory.
func (x *denseIndex) close() {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.connMu.Lock()
	defer x.connMu.Unlock()
	if x.conn != nil {
		x.conn.Close()
		x.conn = nil
	}
	x.drop()
}

// drop forgets every entry and releases their memory.
func (x *denseIndex) drop() {
	x.rowids, x.scales, x.hashes, x.forced = nil, nil, nil, nil
	x.codes.free()
	x.loaded = false
}

// sync brings the index up to date for generation gen and reports its
// dimension (0: the generation has no vectors). It takes the write lock
// only when the store changed.
func (x *denseIndex) sync(ctx context.Context, gen string) (int, error) {
	x.mu.RLock()
	conn, loaded := x.conn, x.loaded && !x.dirty && x.gen == gen
	x.mu.RUnlock()
	if conn != nil && loaded {
		x.connMu.Lock()
		v, err := dataVersion(ctx, conn)
		x.connMu.Unlock()
		if err != nil {
			return 0, err
		}
		x.mu.RLock()
		current := x.loaded && !x.dirty && x.version == v && x.gen == gen
		dim := x.dim
		x.mu.RUnlock()
		if current {
			return dim, nil
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.connMu.Lock()
	defer x.connMu.Unlock()
	if x.conn == nil {
		c, err := x.db.reader.Conn(ctx)
		if err != nil {
			return 0, friendly(err)
		}
		x.conn = c
	}
	// Read before the snapshot below: a commit in between bumps it again,
	// and the next query syncs once more, which is harmless.
	v, err := dataVersion(ctx, x.conn)
	if err != nil {
		return 0, err
	}
	if x.loaded && !x.dirty && x.version == v && x.gen == gen {
		return x.dim, nil // another query synced meanwhile
	}
	tx, err := x.conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, friendly(err)
	}
	defer tx.Rollback()
	full := !x.loaded || x.gen != gen
	if full {
		err = x.fullLoad(ctx, tx, gen)
	} else {
		err = x.resync(ctx, tx)
	}
	if err != nil {
		x.drop()
		return 0, err
	}
	if full {
		// The load read every vector page through this connection, and
		// SQLite keeps ~3 MB (at 100k) of what that took, which no later
		// query needs: a resync re-reads a bucket at most. Best effort: a
		// failure costs only memory.
		tx.Rollback()
		_, _ = x.conn.ExecContext(ctx, "PRAGMA shrink_memory")
	}
	x.loaded, x.dirty, x.version = true, false, v
	return x.dim, nil
}

func dataVersion(ctx context.Context, conn *sql.Conn) (int64, error) {
	var v int64
	err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v)
	return v, friendly(err)
}

func readBuckets(ctx context.Context, tx *sql.Tx, gen string) (map[int64]bucketSig, error) {
	rows, err := tx.QueryContext(ctx, bucketSQL, gen)
	if err != nil {
		return nil, friendly(err)
	}
	defer rows.Close()
	sigs := map[int64]bucketSig{}
	for rows.Next() {
		var b int64
		var s bucketSig
		if err := rows.Scan(&b, &s.n, &s.sum); err != nil {
			return nil, err
		}
		sigs[b] = s
	}
	return sigs, friendly(rows.Err())
}

// fullLoad reads every vector of gen.
func (x *denseIndex) fullLoad(ctx context.Context, tx *sql.Tx, gen string) error {
	x.drop()
	x.gen, x.dim = gen, 0
	var n int64
	var blobLen sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT count(*), max(length(vec)) FROM (SELECT vec FROM chunk_vectors WHERE generation = ? LIMIT 1)`, gen).Scan(&n, &blobLen)
	if err != nil {
		return friendly(err)
	}
	x.dim = int(blobLen.Int64) / 4
	if n > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM chunk_vectors INDEXED BY chunk_vectors_generation WHERE generation = ?`, gen).Scan(&n); err != nil {
			return friendly(err)
		}
	}
	if err := x.codes.reserve(int(n) * x.dim); err != nil {
		return err
	}
	ids, scales, hashes, err := x.readRange(ctx, tx, 0, 1<<63-1, int(n), x.codes.grow)
	if err != nil {
		return err
	}
	x.rowids, x.scales, x.hashes = ids, scales, hashes
	// Reading every blob through database/sql made ~4 bytes of garbage per
	// byte kept; hand it back to the OS now rather than carry it in RSS.
	if n > 1000 {
		debug.FreeOSMemory()
	}
	return nil
}

// tailLen is how many of the highest rowids every resync re-reads: where
// new rows land, and where SQLite reuses the rowids of deleted last rows.
const tailLen = 64

// mixLimit bounds the rowids whose bucket figures Go computes exactly as
// SQLite does (below it the products stay integers in SQLite too).
const mixLimit = 1 << 31

func mix(rowid int64) int64 { return (rowid * 2654435761) % 4294967311 }

// resync brings the held entries up to the store's. Usually only the tail
// moved (rows added, the newest edited): one aggregate over the generation
// index below the tail, compared with the same figures computed from the
// entries held, proves that, and the tail alone is re-read. Otherwise the
// per-bucket figures find the buckets to re-read.
func (x *denseIndex) resync(ctx context.Context, tx *sql.Tx) error {
	for _, b := range x.forced {
		if err := x.replaceRange(ctx, tx, b<<bucketBits, (b+1)<<bucketBits-1); err != nil {
			return err
		}
	}
	x.forced = nil
	tail := max(0, len(x.rowids)-tailLen)
	var tailStart int64
	if len(x.rowids) > 0 {
		tailStart = x.rowids[tail]
	}
	if tailStart < mixLimit {
		var n, sum int64
		err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum((chunk_rowid * 2654435761) % 4294967311), 0)
			FROM chunk_vectors INDEXED BY chunk_vectors_generation WHERE generation = ? AND chunk_rowid < ?`, x.gen, tailStart).Scan(&n, &sum)
		if err != nil {
			return friendly(err)
		}
		var held int64
		for _, id := range x.rowids[:tail] {
			held += mix(id)
		}
		if n == int64(tail) && sum == held {
			return x.replaceRange(ctx, tx, tailStart, 1<<63-1)
		}
	}
	sigs, err := readBuckets(ctx, tx, x.gen)
	if err != nil {
		return err
	}
	have := map[int64]bucketSig{}
	for _, id := range x.rowids {
		s := have[id>>bucketBits]
		have[id>>bucketBits] = bucketSig{s.n + 1, s.sum + mix(id)}
	}
	var changed []int64
	top := int64(-1)
	for b, s := range sigs {
		top = max(top, b)
		if have[b] != s {
			changed = append(changed, b)
		}
	}
	for b := range have {
		if _, ok := sigs[b]; !ok {
			changed = append(changed, b) // emptied
		}
	}
	if top >= 0 && !slices.Contains(changed, top) {
		changed = append(changed, top)
	}
	slices.Sort(changed)
	for _, b := range changed {
		if err := x.replaceRange(ctx, tx, b<<bucketBits, (b+1)<<bucketBits-1); err != nil {
			return err
		}
	}
	return nil
}

// replaceRange swaps the entries with rowids in [lo, hi] for what the
// store holds now. Entries are kept in rowid order, so a range is one
// contiguous run.
func (x *denseIndex) replaceRange(ctx context.Context, tx *sql.Tx, lo, hi int64) error {
	var codes []int8
	ids, scales, hashes, err := x.readRange(ctx, tx, lo, hi, 0, func(n int) ([]int8, error) {
		codes = append(codes, make([]int8, n)...)
		return codes[len(codes)-n:], nil
	})
	if err != nil {
		return err
	}
	i, _ := slices.BinarySearch(x.rowids, lo)
	j := len(x.rowids)
	if hi < 1<<63-1 {
		j, _ = slices.BinarySearch(x.rowids, hi+1)
	}
	x.rowids = slices.Replace(x.rowids, i, j, ids...)
	x.scales = slices.Replace(x.scales, i, j, scales...)
	x.hashes = slices.Replace(x.hashes, i, j, hashes...)
	return x.codes.replace(i*x.dim, j*x.dim, codes)
}

// readRange reads and quantises the vectors with rowids in [lo, hi] into
// the space next returns for each; hint is how many to expect (sizes the
// other slices once).
func (x *denseIndex) readRange(ctx context.Context, tx *sql.Tx, lo, hi int64, hint int, next func(n int) ([]int8, error)) ([]int64, []float32, []uint64, error) {
	rows, err := tx.QueryContext(ctx, rangeSQL, lo, hi, x.gen)
	if err != nil {
		return nil, nil, nil, friendly(err)
	}
	defer rows.Close()
	ids := make([]int64, 0, hint)
	scales := make([]float32, 0, hint)
	hashes := make([]uint64, 0, hint)
	var id int64
	var hash string
	var blob sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &hash, &blob); err != nil {
			return nil, nil, nil, err
		}
		if x.dim == 0 {
			x.dim = len(blob) / 4
		}
		if len(blob) != 4*x.dim {
			// PutVectors keeps one length per generation; a row that
			// breaks that was written by something else.
			return nil, nil, nil, fmt.Errorf("dense index: vector of chunk row %d has %d bytes, the generation's others %d", id, len(blob), 4*x.dim)
		}
		codes, err := next(x.dim)
		if err != nil {
			return nil, nil, nil, err
		}
		scales = append(scales, vector.QuantizeBytes(codes, blob))
		ids = append(ids, id)
		hashes = append(hashes, hash64(hash))
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, friendly(err)
	}
	return ids, scales, hashes, nil
}

// candidates scores every entry allowed by keep (nil: all) against the
// query's codes and returns the best m rowids, best first. Unfiltered, the
// entries are scored in runs of scanBlock by one call; filtered, only the
// entries that pass.
func (x *denseIndex) candidates(q []int8, qScale float32, m int, keep func(int64) bool) []vector.Scored {
	x.mu.RLock()
	defer x.mu.RUnlock()
	top := vector.TopK{K: m}
	dim, codes := x.dim, x.codes.codes
	var dots [scanBlock]int32
	for lo := 0; lo < len(x.rowids); lo += scanBlock {
		hi := min(lo+scanBlock, len(x.rowids))
		if keep == nil {
			vector.DotsInt8(q, codes[lo*dim:hi*dim], dots[:hi-lo])
			for i := lo; i < hi; i++ {
				top.Offer(x.rowids[i], float32(dots[i-lo])*x.scales[i]*qScale)
			}
			continue
		}
		for i := lo; i < hi; i++ {
			if keep(x.rowids[i]) {
				vector.DotsInt8(q, codes[i*dim:(i+1)*dim], dots[:1])
				top.Offer(x.rowids[i], float32(dots[0])*x.scales[i]*qScale)
			}
		}
	}
	return top.Best()
}

// scanBlock is how many entries one DotsInt8 call scores (a 1 KB buffer).
const scanBlock = 256

// len is the number of vectors held.
func (x *denseIndex) len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.rowids)
}

// stale reports whether the entry for rowid was computed from other text
// than hash (a rowid reused, seen at fetch time); the caller then forces a
// resync of its bucket.
func (x *denseIndex) stale(rowid int64, hash string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, ok := slices.BinarySearch(x.rowids, rowid)
	return ok && x.hashes[i] != hash64(hash)
}

// invalidate drops the recorded summary of rowid's bucket, so the next
// sync re-reads it.
func (x *denseIndex) invalidate(rowid int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.forced = append(x.forced, rowid>>bucketBits)
	x.dirty = true
}

package memtomem

import (
	"context"
	"sort"
	"time"

	"github.com/memtomem/memtomem/internal/memfile"
	"github.com/memtomem/memtomem/internal/store"
)

// What the dashboard (mm web) shows beyond the other front ends' calls:
// the indexed files, memories per day and which process is the indexer.

// IndexedFile is one file the store holds chunks of.
type IndexedFile struct {
	Path      string    `json:"path"`
	Namespace string    `json:"namespace"`
	Size      int64     `json:"size"`
	IndexedAt time.Time `json:"indexed_at"`
}

// Files lists the indexed files whose path starts with prefix ("" for
// all), by path.
func (m *Memory) Files(ctx context.Context, prefix string) ([]IndexedFile, error) {
	if err := m.guard(ctx); err != nil {
		return nil, err
	}
	files, err := m.store.Files(ctx, prefix)
	if err != nil {
		return nil, wrapStore(err)
	}
	out := make([]IndexedFile, 0, len(files))
	for _, f := range files {
		out = append(out, IndexedFile{Path: f.Path, Namespace: f.Namespace, Size: f.Size, IndexedAt: f.IndexedAt})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// DayCount is how many memories were created on one day.
type DayCount struct {
	Day   time.Time `json:"day"` // midnight, in the location asked for
	Count int       `json:"count"`
}

// maxTimelineDays bounds a timeline: a year and a bit fits a screen.
const maxTimelineDays = 400

// MemoriesPerDay counts the memory entries (chunks that carry an entry id,
// counted once per entry) created on each of the days from since to until
// inclusive, in loc's calendar; days without memories are listed with 0.
// Indexed documents (no entry id) are not memories and are left out.
func (m *Memory) MemoriesPerDay(ctx context.Context, since, until time.Time, namespace string, loc *time.Location) ([]DayCount, error) {
	if err := m.guard(ctx); err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.Local
	}
	first := midnight(since.In(loc))
	last := midnight(until.In(loc))
	if last.Before(first) {
		return nil, invalidf("the timeline's end (%s) is before its start (%s)", last.Format(time.DateOnly), first.Format(time.DateOnly))
	}
	days := int(last.Sub(first).Hours()/24+0.5) + 1
	if days > maxTimelineDays {
		return nil, invalidf("a timeline of %d days is over the %d-day limit: pick a shorter range", days, maxTimelineDays)
	}
	filter, err := buildFilter(namespace, nil, "", first, last.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	out := make([]DayCount, days)
	for i := range out {
		out[i].Day = first.AddDate(0, 0, i)
	}
	seen := map[string]bool{}
	const page = 2000
	for offset := 0; ; offset += page {
		chunks, err := m.store.List(ctx, store.ListQuery{Filter: filter, Limit: page, Offset: offset})
		if err != nil {
			return nil, wrapStore(err)
		}
		for _, c := range chunks {
			if c.EntryID == "" || seen[c.EntryID] {
				continue
			}
			seen[c.EntryID] = true
			d := midnight(c.CreatedAt.In(loc))
			if i := int(d.Sub(first).Hours()/24 + 0.5); i >= 0 && i < days {
				out[i].Count++
			}
		}
		if len(chunks) < page {
			return out, nil
		}
	}
}

func midnight(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, t.Location())
}

// IndexerPID is the pid of the live process that holds the store's indexer
// role (it watches the memory directories), as the store's coordinator
// records it, or 0 when no live process is recorded as holding it.
func (m *Memory) IndexerPID(ctx context.Context) int {
	in, ok, err := m.coord.Leader(ctx, indexerRole)
	if err != nil || !ok {
		return 0
	}
	return in.PID
}

// MemoryEntry is a memory entry as its markdown file holds it: what an
// edit form shows and sends back. A long entry is indexed as several
// chunks; this is the whole entry, whichever chunk names it.
type MemoryEntry struct {
	ID    string   `json:"entry_id"`
	File  string   `json:"file"`
	Title string   `json:"title"` // "" for an untitled entry (its heading is generated)
	Tags  []string `json:"tags"`
	Body  string   `json:"body"`
}

// Entry reads the memory entry that holds a chunk (by chunk id or entry
// id) from its markdown file.
func (m *Memory) Entry(ctx context.Context, id string) (MemoryEntry, error) {
	c, err := m.Read(ctx, id)
	if err != nil {
		return MemoryEntry{}, err
	}
	if c.EntryID == "" {
		return MemoryEntry{}, newError(KindNotFound, "chunk %s is not part of a memory entry: it comes from the indexed file %s", id, c.Source)
	}
	data, err := m.readFile(c.Source)
	if err != nil {
		return MemoryEntry{}, wrapStore(err)
	}
	for _, e := range memfile.Parse(data) {
		if e.ID != c.EntryID {
			continue
		}
		title := e.Title
		if memfile.IsAutoTitle(title) {
			title = ""
		}
		return MemoryEntry{ID: e.ID, File: c.Source, Title: title, Tags: append([]string{}, e.Tags...), Body: e.Body}, nil
	}
	return MemoryEntry{}, newError(KindNotFound, "entry %s is no longer in %s (edited since it was indexed?): reload the page", c.EntryID, c.Source)
}

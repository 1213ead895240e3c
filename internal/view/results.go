package view

import "github.com/memtomem/memtomem"

// Add says where a memory went.
type Add struct {
	EntryID   string   `json:"entry_id"`
	File      string   `json:"file"`
	Namespace string   `json:"namespace"`
	Created   string   `json:"created"`
	ChunkIDs  []string `json:"chunk_ids"`
	Added     bool     `json:"added" jsonschema:"false when the same entry was already saved (a retry); nothing was written twice"`
	Warnings  []string `json:"warnings,omitempty" jsonschema:"what went only partly well, e.g. saved but not embedded, or a credential redacted"`
	// Redacted lists credentials replaced by [REDACTED:<rule>].
	Redacted []memtomem.Redaction `json:"redacted,omitempty" jsonschema:"credentials replaced by [REDACTED:<rule>] (security.secrets = redact)"`
}

// FromAdd is the view of r.
func FromAdd(r memtomem.AddResult) Add {
	return Add{EntryID: r.EntryID, File: r.File, Namespace: r.Namespace, Created: timestamp(r.Created), ChunkIDs: list(r.ChunkIDs),
		Added: r.Added, Warnings: r.Warnings, Redacted: r.Redacted}
}

// Index summarises an index run.
type Index struct {
	FilesScanned   int                  `json:"files_scanned"`
	FilesIndexed   int                  `json:"files_indexed"`
	FilesUnchanged int                  `json:"files_unchanged"`
	FilesRemoved   int                  `json:"files_removed"`
	FilesSkipped   map[string]int       `json:"files_skipped" jsonschema:"skipped files by reason"`
	ChunksIndexed  int                  `json:"chunks_indexed"`
	ChunksKept     int                  `json:"chunks_unchanged"`
	ChunksDeleted  int                  `json:"chunks_deleted"`
	ChunksSkipped  map[string]int       `json:"chunks_skipped,omitempty" jsonschema:"chunks left out of indexed files, by reason (secret: <rule>)"`
	SkippedChunks  []memtomem.ChunkSkip `json:"skipped_chunks,omitempty" jsonschema:"where those chunks are (file and line; the first 100)"`
	Errors         []string             `json:"errors,omitempty"`
	DurationMS     int64                `json:"duration_ms"`
	// Remembered lists the paths the run added to the remembered sources
	// (mm index PATH; an agent's mem_index never adds any).
	Remembered []string `json:"remembered,omitempty" jsonschema:"paths this run added to the remembered sources"`
	Stopped    string   `json:"stopped,omitempty" jsonschema:"why the run stopped before the end (cancelled, shutting down)"`
}

// FromIndex is the view of st.
func FromIndex(st memtomem.IndexStats) Index {
	return Index{FilesScanned: st.FilesScanned, FilesIndexed: st.FilesIndexed, FilesUnchanged: st.FilesUnchanged,
		FilesRemoved: st.FilesRemoved, FilesSkipped: counts(st.FilesSkipped), ChunksIndexed: st.ChunksIndexed,
		ChunksKept: st.ChunksKept, ChunksDeleted: st.ChunksDeleted, ChunksSkipped: st.ChunksSkipped, SkippedChunks: st.SkippedChunks,
		Errors: st.Errors, DurationMS: st.Duration.Milliseconds(), Remembered: st.Remembered}
}

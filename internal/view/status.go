package view

import "github.com/memtomem/memtomem"

// Status describes the store.
type Status struct {
	Version       string                   `json:"version"`
	Home          string                   `json:"home"`
	Database      string                   `json:"database"`
	SchemaVersion int                      `json:"schema_version"`
	ReadOnly      string                   `json:"read_only,omitempty" jsonschema:"why the store is read-only, if it is"`
	Disk          string                   `json:"disk,omitempty" jsonschema:"which disk of the store refuses writes now (full or read-only) and what to do; searches and reads still work"`
	MemoryDirs    []string                 `json:"memory_dirs"`
	Stats                                  // what the store holds, as mem_stats gives it
	Embedding     memtomem.EmbeddingStatus `json:"embedding" jsonschema:"configured and stored embedding generations, and chunks lacking vectors"`
	Instances     []Instance               `json:"instances" jsonschema:"live processes that have the store open"`
	Problems      []memtomem.FileProblem   `json:"problems,omitempty" jsonschema:"memory entries holding control characters or invalid UTF-8 (indexed with them replaced), at most 50"`
	ProblemCount  int                      `json:"problem_count,omitempty" jsonschema:"how many such entries there are in all"`
	Sources       []Source                 `json:"sources" jsonschema:"folders and files the user indexed with mm index PATH; mm reset indexes them again"`
	SourcesError  string                   `json:"sources_error,omitempty" jsonschema:"why the remembered sources could not be read"`
}

// Source is one remembered source.
type Source struct {
	Path      string `json:"path"`
	Dir       bool   `json:"dir"`
	Recursive bool   `json:"recursive"`
	Namespace string `json:"namespace,omitempty"`
	Added     string `json:"added,omitempty" jsonschema:"RFC 3339 time it was first indexed"`
}

// Instance is one live process sharing the store.
type Instance struct {
	PID       int    `json:"pid"`
	Version   string `json:"version"`
	Transport string `json:"transport" jsonschema:"how it serves: stdio, http, cli"`
	Started   string `json:"started" jsonschema:"RFC 3339 start time"`
	Command   string `json:"command,omitempty" jsonschema:"its command line"`
}

// FromStatus is the view of st.
func FromStatus(st memtomem.Status) Status {
	out := Status{Version: st.Version, Home: st.Home, Database: st.Database, SchemaVersion: st.SchemaVersion,
		ReadOnly: st.ReadOnly, Disk: st.Disk, MemoryDirs: list(st.MemoryDirs), Stats: FromStats(st),
		Embedding: st.Embedding, Instances: []Instance{}, Sources: []Source{}, SourcesError: st.SourcesError,
		Problems: st.Problems, ProblemCount: st.ProblemCount}
	out.Embedding.Generations = counts(out.Embedding.Generations)
	for _, src := range st.Sources {
		out.Sources = append(out.Sources, Source{Path: src.Path, Dir: src.Dir, Recursive: src.Recursive, Namespace: src.Namespace, Added: timestamp(src.Added)})
	}
	for _, in := range st.Instances {
		out.Instances = append(out.Instances, Instance{PID: in.PID, Version: in.Version, Transport: in.Transport, Started: timestamp(in.Started), Command: in.Command})
	}
	return out
}

// Stats counts what the store holds.
type Stats struct {
	Files          int            `json:"files"`
	Chunks         int            `json:"chunks"`
	DBBytes        int64          `json:"db_bytes"`
	Namespaces     map[string]int `json:"namespaces" jsonschema:"chunks per namespace, the 100 with the most"`
	Tags           map[string]int `json:"tags" jsonschema:"chunks per tag, the 100 with the most"`
	NamespacesMore int            `json:"namespaces_more,omitempty" jsonschema:"namespaces not shown (mem_do ns_list pages through all)"`
	TagsMore       int            `json:"tags_more,omitempty" jsonschema:"tags not shown (mem_do tag_list pages through all)"`
}

// FromStats is the counts of st.
func FromStats(st memtomem.Status) Stats {
	return Stats{Files: st.Files, Chunks: st.Chunks, DBBytes: st.DBBytes, Namespaces: counts(st.Namespaces), Tags: counts(st.Tags),
		NamespacesMore: st.NamespacesMore, TagsMore: st.TagsMore}
}

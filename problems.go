package memtomem

import (
	"context"
	"fmt"
	"sort"

	"github.com/memtomem/memtomem/internal/memfile"
)

// maxProblems bounds the list status shows; the count says if there are more.
const maxProblems = 50

// FileProblem is a memory entry holding characters memory files may not
// hold (a control character or invalid UTF-8, written by hand or by an
// older mm). It is indexed with them replaced by U+FFFD, and so are the
// other entries of its file; status names it so that it can be fixed.
type FileProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	EntryID string `json:"entry_id,omitempty"`
	Title   string `json:"title,omitempty"`
	Detail  string `json:"detail"`
}

// String is the one-line human form.
func (p FileProblem) String() string {
	where := fmt.Sprintf("%s:%d", p.File, p.Line)
	switch {
	case p.EntryID != "":
		where += fmt.Sprintf(" (entry %s %q)", p.EntryID, p.Title)
	case p.Title != "":
		where += fmt.Sprintf(" (entry %q)", p.Title)
	}
	return where + ": " + p.Detail
}

// fileProblems reads the indexed memory files and lists their bad entries.
// It is computed from the markdown each time rather than recorded in the
// database: the markdown is the truth (a fix by hand shows at once, with no
// re-index), no schema change is needed, and a clean file costs one scan of
// its bytes.
func (m *Memory) fileProblems(ctx context.Context) ([]FileProblem, int, error) {
	files, err := m.store.Files(ctx, "")
	if err != nil {
		return nil, 0, wrapStore(err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var out []FileProblem
	total := 0
	for _, f := range files {
		if ctx.Err() != nil {
			return out, total, ctx.Err()
		}
		if !m.inMemoryDir(f.Path) {
			continue
		}
		content, err := m.readFile(f.Path)
		if err != nil {
			continue
		}
		for _, p := range memfile.Problems(content) {
			total++
			if len(out) < maxProblems {
				out = append(out, FileProblem{File: f.Path, Line: p.Line, EntryID: p.EntryID, Title: p.Title, Detail: p.Detail})
			}
		}
	}
	return out, total, nil
}

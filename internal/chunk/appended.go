package chunk

import "bytes"

// An append to a memory file should cost its entry, not its file: the
// index adds the chunks of the appended text alone. Markdown chunks depend
// on the file before them only through the headings that enclose the
// file's end (a section's hierarchy) and the frontmatter's tags (on every
// chunk), so that is what a Context carries. Chunking a file and chunking
// its appended part from the file's Context give the same chunks; the
// differential fuzz test in appended_test.go holds the two to it.

// Context is what chunking text appended to a markdown file needs to know
// of the file before it.
type Context struct {
	Headings []ContextHeading `json:"headings,omitempty"`
	Tags     []string         `json:"tags,omitempty"`
}

// ContextHeading is one enclosing heading.
type ContextHeading struct {
	Level int    `json:"level"`
	Title string `json:"title"`
}

// SplitContext is Split of a markdown file, also returning the Context at
// its end; ok is false for a file that is not markdown (it has none).
func SplitContext(path string, content []byte, opt Options) (chunks []Chunk, end Context, ok bool) {
	if kindOf(path) != kindMarkdown {
		return Split(path, content, opt), Context{}, false
	}
	if len(bytes.TrimSpace(content)) == 0 {
		return nil, Context{}, true
	}
	return splitFrom(content, opt, nil)
}

// SplitAppended chunks text appended to a markdown file whose end had
// context from; line is the 1-based line number of text's first line in
// the file. The chunks are those Split gives the whole file for those
// lines, and end is the whole file's Context. ok is false if chunking
// failed; the caller then chunks the whole file.
func SplitAppended(from Context, text []byte, line int, opt Options) (chunks []Chunk, end Context, ok bool) {
	chunks, end, ok = splitFrom(text, opt, &from)
	for i := range chunks {
		chunks[i].StartLine += line - 1
		chunks[i].EndLine += line - 1
	}
	return chunks, end, ok
}

// splitFrom runs the markdown splitter with Split's safety net: a panic
// (a bug) gives ok=false rather than a crashed server.
func splitFrom(content []byte, opt Options, from *Context) (chunks []Chunk, end Context, ok bool) {
	d := newDoc(content)
	if catchPanics {
		defer func() {
			if recover() != nil {
				chunks, end, ok = nil, Context{}, false
			}
		}()
	}
	chunks, end = splitMarkdown(d, opt.normalized(), from)
	return finalize(chunks), end, true
}

package cli

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
)

// maxImportFile bounds one markdown file of an import (as indexing does).
const maxImportFile = 64 << 20

func (a *app) importCommand() *cobra.Command {
	var (
		namespace string
		dryRun    bool
		asJSON    bool
	)
	cmd := &cobra.Command{
		Use:   "import PATH|-",
		Short: "Add memories from mm export's JSONL, or a folder or zip of markdown",
		Long: `Add the memories of an export, keeping their ids, titles, tags, namespaces and
creation times. A memory whose id the store holds is skipped, so importing the
same export twice adds nothing. Each memory passes the checks of mm add (size,
control characters, secret rules).

PATH is read by what it is:
  FILE.jsonl, FILE.json, -   mm export's JSONL (or mem_do export's object), or
                             the MCP memory server's knowledge graph
                             (memory.jsonl: an entity becomes a memory titled by
                             its name, with its observations and relations), or
                             memtomem (Python)'s export bundle (a chunk becomes a
                             memory keeping its id, heading, tags, namespace and
                             time), or a conversation transcript (one turn a
                             line: "speaker", "text", optional "date",
                             "session", "conversation", "id"; a turn becomes a
                             memory titled by its speaker and date that quotes
                             the end of the turn before)
  FOLDER, FILE.zip           every .md file in it, recursively
  FILE.md                    one markdown file

Markdown is read as memory entries ("## " headings): memtomem's own files keep
everything; other markdown gets the namespace of its frontmatter, else
--namespace, and each entry an id made from its text, so a second import of
the same files skips them too.

--dry-run counts what would be added and skipped, and writes nothing.`,
		Example: `  mm import memories.jsonl
  mm export | ssh laptop mm import -
  mm import notes/ --namespace notes --dry-run`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, argv []string) error {
			mems, err := a.readImport(argv[0], namespace)
			if err != nil {
				return err
			}
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				var total memtomem.ImportResult
				for start := 0; start < len(mems); start += memtomem.MaxImport {
					part := memtomem.Export{Version: memtomem.ExportVersion, Memories: mems[start:min(start+memtomem.MaxImport, len(mems))]}
					run := m.Import
					if dryRun {
						run = m.CheckImport
					}
					res, err := run(cmd.Context(), part)
					total.Added += res.Added
					total.Skipped += res.Skipped
					for _, e := range res.Errors {
						total.Errors = append(total.Errors, offsetMemory(e, start))
					}
					for _, w := range res.Warnings {
						total.Warnings = append(total.Warnings, offsetMemory(w, start))
					}
					if err != nil {
						return err
					}
				}
				if asJSON {
					return writeJSON(a.stdout, total)
				}
				verb := "added"
				if dryRun {
					verb = "would add"
				}
				fmt.Fprintf(a.stdout, "%s %d of %d memories; %d already present (skipped)\n", verb, total.Added, len(mems), total.Skipped)
				for _, w := range total.Warnings {
					fmt.Fprintln(a.stdout, "warning: "+w)
				}
				for _, e := range total.Errors {
					fmt.Fprintln(a.stderr, "not imported: "+e)
				}
				if len(total.Errors) > 0 {
					return fmt.Errorf("%d memories not imported (listed above): fix them and import again; the others are in and will be skipped", len(total.Errors))
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&namespace, "namespace", "", "namespace of markdown entries whose file names none (default: search.default_namespace)")
	f.BoolVar(&dryRun, "dry-run", false, "count what would be added and skipped; write nothing")
	f.BoolVar(&asJSON, "json", false, "print the counts as JSON")
	return cmd
}

// offsetMemory renumbers "memory N: …" of a part's message by the part's
// start, so it names the memory's place in the whole import.
func offsetMemory(msg string, start int) string {
	var n int
	if _, err := fmt.Sscanf(msg, "memory %d:", &n); err == nil && start > 0 {
		return fmt.Sprintf("memory %d:%s", n+start, strings.SplitN(msg, ":", 2)[1])
	}
	return msg
}

// readImport reads the memories at path, by what it is.
func (a *app) readImport(path, namespace string) ([]memtomem.ExportedMemory, error) {
	if path == "-" {
		return a.readStream(a.stdin, "standard input", namespace)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	lower := strings.ToLower(path)
	switch {
	case info.IsDir():
		return readMarkdownTree(os.DirFS(path), path, namespace)
	case strings.HasSuffix(lower, ".zip"):
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, usagef("%s: %v", path, err)
		}
		defer zr.Close()
		return readMarkdownTree(zr, path, namespace)
	case strings.HasSuffix(lower, ".md"), strings.HasSuffix(lower, ".markdown"):
		b, err := readBounded(os.DirFS(filepath.Dir(path)), filepath.Base(path))
		if err != nil {
			return nil, usagef("%v", err)
		}
		return memtomem.ReadMarkdown(path, b, namespace), nil
	default:
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return a.readStream(f, path, namespace)
	}
}

// readStream reads a JSON import by what its start shows: a memtomem
// (Python) bundle, the MCP memory server's knowledge graph, a conversation
// transcript, or mm export's JSONL.
func (a *app) readStream(r io.Reader, name, namespace string) ([]memtomem.ExportedMemory, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	first, _ := br.Peek(br.Size())
	ns := namespace
	if ns == "" {
		ns = "default"
	}
	switch {
	case memtomem.IsBundle(first):
		mems, version, err := memtomem.ReadBundle(br, ns)
		if err != nil {
			return nil, usagef("%s: %v", name, err)
		}
		fmt.Fprintf(a.stderr, "%s: a memtomem (Python) export bundle, version %s: %d chunks, a memory each\n", name, version, len(mems))
		return mems, nil
	case memtomem.IsKnowledgeGraph(firstLine(first)):
		mems, entities, relations, err := memtomem.ReadKnowledgeGraph(br, ns)
		if err != nil {
			return nil, usagef("%s: %v", name, err)
		}
		fmt.Fprintf(a.stderr, "%s: the MCP memory server's knowledge graph, %d entities and %d relations, as %d memories of namespace %s\n", name, entities, relations, len(mems), ns)
		return mems, nil
	case memtomem.IsConversation(firstLine(first)):
		mems, turns, sessions, err := memtomem.ReadConversation(br, ns)
		if err != nil {
			return nil, usagef("%s: %v", name, err)
		}
		fmt.Fprintf(a.stderr, "%s: a conversation transcript, %d turns in %d sessions, a memory each in namespace %s\n", name, turns, sessions, ns)
		return mems, nil
	}
	mems, err := memtomem.ReadJSONL(br)
	if err != nil {
		return nil, usagef("%s: %v", name, err)
	}
	return mems, nil
}

// firstLine is the first non-blank line of b.
func firstLine(b []byte) []byte {
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			return l
		}
	}
	return nil
}

// readMarkdownTree reads every markdown file of a folder or zip, in name
// order.
func readMarkdownTree(fsys fs.FS, where, namespace string) ([]memtomem.ExportedMemory, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".md" || ext == ".markdown") {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, usagef("%s: %v", where, err)
	}
	sort.Strings(names)
	var out []memtomem.ExportedMemory
	for _, name := range names {
		b, err := readBounded(fsys, name)
		if err != nil {
			return nil, usagef("%s: %v", where, err)
		}
		out = append(out, memtomem.ReadMarkdown(name, b, namespace)...)
	}
	if len(names) == 0 {
		return nil, usagef("%s holds no markdown files (.md)", where)
	}
	return out, nil
}

// readBounded reads one file of an import, refusing one over maxImportFile.
func readBounded(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxImportFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxImportFile {
		return nil, fmt.Errorf("%s is over %d MiB: not a memory file", name, maxImportFile>>20)
	}
	return b, nil
}

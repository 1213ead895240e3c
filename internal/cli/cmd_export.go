package cli

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
)

const (
	formatJSONL    = "jsonl"
	formatMarkdown = "markdown"
)

type exportOptions struct {
	out, format, namespace string
	tags                   []string
	since, until           string
}

func (a *app) exportCommand() *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export [-o PATH]",
		Short: "Copy memories out: JSONL, or a folder or zip of markdown files",
		Long: `Write every memory (or those the filters select) with its id, title, tags,
namespace and creation time, read from the markdown files (the source of
truth). mm import reads each format back, on this store or another, and
importing the same export twice adds nothing.

Formats (--format, else chosen by -o):
  jsonl     one memory as JSON per line, oldest first (the default; standard
            output without -o)
  markdown  memtomem's own memory files, one per namespace, into a new folder
            (-o DIR) or a zip (-o FILE.zip)

An existing file or non-empty folder at -o is never overwritten.`,
		Example: `  mm export > memories.jsonl
  mm export -o team-notes.zip --namespace 'team:*'
  mm export -o backup/ --format markdown --since 30d`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := exportFormat(o.out, o.format)
			if err != nil {
				return err
			}
			since, until, err := parseRange(o.since, o.until)
			if err != nil {
				return err
			}
			if err := checkExportTarget(o.out); err != nil {
				return err
			}
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				mems, err := exportAll(cmd.Context(), m, memtomem.ExportRequest{Namespace: o.namespace, Tags: o.tags, Since: since, Until: until})
				if err != nil {
					return err
				}
				if err := writeExport(a, o.out, format, mems); err != nil {
					return err
				}
				if o.out != "" {
					fmt.Fprintf(a.stderr, "exported %d memories to %s (%s)\n", len(mems), o.out, format)
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "output", "o", "", "file (.jsonl, .zip) or folder to write; standard output for jsonl when empty")
	f.StringVar(&o.format, "format", "", "jsonl or markdown (default: from -o, else jsonl)")
	f.StringVar(&o.namespace, "namespace", "", "only this namespace (a glob like 'team:*' works)")
	f.StringSliceVar(&o.tags, "tags", nil, "only memories with any of these tags")
	f.StringVar(&o.since, "since", "", "created at or after: date, RFC 3339 time, or age (7d, 36h)")
	f.StringVar(&o.until, "until", "", "created before: date, RFC 3339 time, or age")
	return cmd
}

// exportFormat is the format asked for, or the one -o implies.
func exportFormat(out, format string) (string, error) {
	switch format {
	case formatJSONL, formatMarkdown:
	case "":
		format = formatJSONL
		if out != "" && (strings.HasSuffix(strings.ToLower(out), ".zip") || filepath.Ext(out) == "" || strings.HasSuffix(out, string(filepath.Separator))) {
			format = formatMarkdown
		}
	default:
		return "", usagef("--format %q: use jsonl or markdown", format)
	}
	if format == formatMarkdown && out == "" {
		return "", usagef("a markdown export is a folder or a zip: give -o DIR or -o FILE.zip")
	}
	return format, nil
}

// checkExportTarget refuses to overwrite: an export never replaces a file
// or fills a folder that holds something.
func checkExportTarget(out string) error {
	if out == "" {
		return nil
	}
	info, err := os.Stat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case info.IsDir():
		entries, err := os.ReadDir(out)
		if err != nil {
			return err
		}
		if len(entries) > 0 {
			return usagef("%s is a folder that is not empty: give a new or empty folder", out)
		}
		return nil
	default:
		return usagef("%s exists: give another name, or remove it first", out)
	}
}

// exportAll reads every page of the export.
func exportAll(ctx context.Context, m *memtomem.Memory, req memtomem.ExportRequest) ([]memtomem.ExportedMemory, error) {
	var all []memtomem.ExportedMemory
	for {
		page, err := m.Export(ctx, req)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Memories...)
		if page.NextOffset == nil {
			return all, nil
		}
		req.Offset = *page.NextOffset
	}
}

// writeExport writes the memories in the format to out (standard output
// when empty), each file whole or not at all.
func writeExport(a *app, out, format string, mems []memtomem.ExportedMemory) error {
	if format == formatJSONL {
		if out == "" {
			return memtomem.WriteJSONL(a.stdout, mems)
		}
		return writeFileAtomic(out, func(f *os.File) error { return memtomem.WriteJSONL(f, mems) })
	}
	files := memtomem.MarkdownFiles(mems)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	if strings.HasSuffix(strings.ToLower(out), ".zip") {
		return writeFileAtomic(out, func(f *os.File) error {
			zw := zip.NewWriter(f)
			for _, name := range names {
				w, err := zw.Create(name)
				if err != nil {
					return err
				}
				if _, err := w.Write(files[name]); err != nil {
					return err
				}
			}
			return zw.Close()
		})
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return err
	}
	for _, name := range names {
		if err := writeFileAtomic(filepath.Join(out, name), func(f *os.File) error {
			_, err := f.Write(files[name])
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes path through a temporary file renamed into place,
// so a failed export leaves no half file. Memories are private: 0600.
func writeFileAtomic(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".mm-export-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

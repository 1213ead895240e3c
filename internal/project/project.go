// Package project derives a memory namespace from the git repository a
// command runs in, so that a memory added inside a project lands in that
// project's namespace without any setup.
//
// It reads the repository's files itself and never runs the git binary:
// scoping must work where git is not installed and must not execute
// anything a hostile repository could influence (hooks, fsmonitor, aliases).
package project

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/memtomem/memtomem/internal/fspath"
)

// Prefix starts every project namespace, so project scopes never collide
// with namespaces a user names by hand.
const Prefix = "project:"

// MaxNameLen bounds the sanitised name so that Prefix+name stays within 64
// bytes, a size every backend stores and displays without trouble.
const MaxNameLen = 64 - len(Prefix)

// maxDepth bounds the upward walk; real paths are far shallower, and a bound
// keeps a pathological or looping filesystem from stalling a command.
const maxDepth = 256

// maxFileSize bounds every file read from a repository: .git, commondir and
// config are tiny, and a repository must not make us read gigabytes.
const maxFileSize = 1 << 20

// Project is the git repository a folder belongs to.
type Project struct {
	// Root is the repository's top folder: the one holding .git.
	Root string
	// Name is the sanitised short name: the last path element of the
	// origin URL when there is one, else the base name of Root.
	Name string
	// Remote is the origin URL as written in the config, or "" when there
	// is none or the config cannot be read.
	Remote string
}

// Namespace is the memory namespace of the project, "project:" + Name, or ""
// when Name has nothing usable left after sanitising. Name is sanitised again
// here so a Project built by hand still yields a well-formed namespace.
func (p Project) Namespace() string {
	n := sanitize(p.Name)
	if n == "" {
		return ""
	}
	return Prefix + n
}

// Named is the namespace of a project named by the user (MEMTOMEM_PROJECT),
// sanitised as a repository's name is; "" when nothing usable is left.
func Named(name string) string {
	return Project{Name: name}.Namespace()
}

// Find walks up from dir to the filesystem root looking for a .git folder or
// .git file and reports the repository it belongs to. Not being inside a
// repository is ok=false with no error, and so is a repository whose name
// sanitises to nothing. A missing or unreadable config only means no Remote:
// the error is reserved for dir itself being unusable.
func Find(dir string) (Project, bool, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Project{}, false, fmt.Errorf("project: resolve %q: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return Project{}, false, fmt.Errorf("project: %w", err)
	}
	if !fi.IsDir() {
		abs = filepath.Dir(abs)
	}
	for cur, i := abs, 0; i < maxDepth; i++ {
		if p, ok := probe(cur); ok {
			if p.Name == "" {
				return Project{}, false, nil
			}
			return p, true, nil
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			break
		}
		cur = parent
	}
	return Project{}, false, nil
}

// probe reports whether folder holds a .git entry and, if so, the project.
func probe(folder string) (Project, bool) {
	dotgit := filepath.Join(folder, ".git")
	fi, err := os.Stat(dotgit)
	if err != nil {
		return Project{}, false
	}
	var gitDir string
	switch {
	case fi.IsDir():
		gitDir = dotgit
	case fi.Mode().IsRegular():
		// Worktrees and submodules: a file "gitdir: PATH". A malformed
		// one still marks the root; it only costs us the remote.
		gitDir = readGitFile(dotgit, folder)
	default:
		return Project{}, false
	}
	p := Project{Root: folder}
	if gitDir != "" {
		if data, err := readBounded(filepath.Join(commonDir(gitDir), "config")); err == nil {
			p.Remote = originURL(data)
		}
	}
	p.Name = sanitize(nameFromURL(p.Remote))
	if p.Name == "" {
		p.Name = sanitize(filepath.Base(folder))
	}
	return p, true
}

// readGitFile returns the gitdir a .git file points to, resolved against
// the folder holding it, or "" when the file is unreadable or malformed.
func readGitFile(path, folder string) string {
	data, err := readBounded(path)
	if err != nil {
		return ""
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	rest, ok := bytes.CutPrefix(line, []byte("gitdir:"))
	if !ok {
		return ""
	}
	target := strings.TrimSpace(string(rest))
	if target == "" || strings.ContainsRune(target, 0) {
		return ""
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(folder, target)
	}
	return filepath.Clean(target)
}

// commonDir returns where a gitdir keeps its shared files. A linked
// worktree's gitdir holds a commondir file naming the main .git folder,
// whose config is the one with the remotes.
func commonDir(gitDir string) string {
	data, err := readBounded(filepath.Join(gitDir, "commondir"))
	if err != nil {
		return gitDir
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	c := strings.TrimSpace(string(line))
	if c == "" || strings.ContainsRune(c, 0) {
		return gitDir
	}
	if !filepath.IsAbs(c) {
		c = filepath.Join(gitDir, c)
	}
	return filepath.Clean(c)
}

var errTooLarge = errors.New("file too large")

// readBounded reads a whole regular file of at most maxFileSize bytes. A
// larger file is an error rather than a truncated read, so a cut-off config
// is never parsed as if it were complete.
func readBounded(path string) ([]byte, error) {
	f, _, err := fspath.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, errTooLarge
	}
	return data, nil
}

// nameFromURL returns the last path element of a remote URL without a
// trailing ".git": "repo" for https://host/owner/repo.git,
// git@host:owner/repo.git, ssh://git@host:22/owner/repo, file:///x/y/repo
// and plain paths. It returns "" for an empty URL.
func nameFromURL(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ""
	}
	if i := strings.Index(s, "://"); i >= 0 {
		// A real URL: drop query and fragment, undo percent-encoding.
		if j := strings.IndexAny(s[i+3:], "?#"); j >= 0 {
			s = s[:i+3+j]
		}
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
	}
	s = strings.TrimRight(s, `/\`)
	s = strings.TrimSuffix(s, ".git")
	s = strings.TrimRight(s, `/\`)
	// ':' ends the host part of scp-like "host:repo" forms.
	if i := strings.LastIndexAny(s, `/\:`); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// sanitize turns a name into the part after Prefix: lowercase, only
// a-z 0-9 _ . -, no runs of '-', no leading or trailing '-' or '.', at most
// MaxNameLen bytes. The result is safe in any store, file name or shell
// line, and cannot spell a path like "../x". It is idempotent.
func sanitize(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '.' {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-.")
	if len(s) > MaxNameLen {
		s = strings.TrimRight(s[:MaxNameLen], "-.")
	}
	return s
}

package index

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/memtomem/memtomem/internal/fspath"
)

// Skip reasons of the ignore rules (see Stats.FilesSkipped). A directory
// left out counts once: the walk does not descend into it.
const (
	SkipGitignore   = "ignored (.gitignore)"
	SkipGitExclude  = "ignored (.git/info/exclude)"
	SkipMmignore    = "ignored (.mmignore)"
	SkipIgnoreFile  = "ignore file unreadable or over 1 MiB"
	SkipCredentials = "credential location"
	SkipStoreFiles  = "memtomem's own files"
)

// MaxIgnoreFileBytes bounds one .gitignore, .mmignore or .git/info/exclude.
// Their content is untrusted (any cloned repository brings its own) and every
// pattern is tried on every file below it; a larger or unreadable one leaves
// its whole directory out rather than guessing what it meant.
const MaxIgnoreFileBytes = 1 << 20

// MmignoreName is memtomem's own ignore file: gitignore syntax, read after
// the .gitignore of the same directory, so it can re-include what git
// ignores ("!notes/") as well as leave out more.
const MmignoreName = ".mmignore"

// credentialPatterns are locations that hold credentials, in gitignore
// syntax matched against the whole absolute path (so a copy of a home under
// /backup is covered too). They are checked apart from the ignore files,
// which are content and may say anything: no "!" pattern re-includes them.
var credentialLines = []string{
	".git", ".git-credentials",
	".ssh", ".gnupg", ".aws", ".azure", ".password-store", ".kube",
	"**/.config/gh", "**/.config/gcloud", "**/.config/hub", "**/.config/rclone",
	"**/.docker/config.json", "**/.terraform.d/credentials*", ".terraformrc",
	"**/.cargo/credentials*", "**/.gem/credentials",
	".netrc", ".npmrc", ".pypirc", ".pgpass", ".vault-token", ".s3cfg", ".boto",
}

var credentialPatterns = func() []gitignore.Pattern {
	ps := make([]gitignore.Pattern, len(credentialLines))
	for i, l := range credentialLines {
		ps[i] = gitignore.ParsePattern(l, nil)
	}
	return ps
}()

// ignoreRule is one line of an ignore file, with what to report when it is
// the one that decides.
type ignoreRule struct {
	pattern gitignore.Pattern
	reason  string // SkipGitignore, SkipGitExclude or SkipMmignore
	file    string
	fromGit bool // from a .gitignore or .git/info/exclude (dropped at a nested repository)
}

// ignoreScope is what holds inside one directory: the rules of the ignore
// files from the filesystem root down to it, and whether the directory
// itself is left out.
type ignoreScope struct {
	dir   string
	parts []string // dir's path components below "/", as the patterns see it
	rules []ignoreRule
	// left is why the directory is left out ("" if it is not), detail the
	// file or pattern that said so.
	left, detail string
	// hard marks a credential location: nothing below it is indexed, not
	// even a memory directory.
	hard bool
}

// ignoreWalk works out the scopes of directories, each from its parent's,
// so that a walk, a single file, the watcher and the check before
// forgetting all decide by the one descent from "/": where indexing starts
// never changes what is ignored.
type ignoreWalk struct {
	ix    *Indexer
	byDir map[string]*ignoreScope
}

func (ix *Indexer) newIgnoreWalk() *ignoreWalk {
	return &ignoreWalk{ix: ix, byDir: map[string]*ignoreScope{}}
}

// scope returns the scope of the canonical directory dir.
func (w *ignoreWalk) scope(dir string) *ignoreScope {
	if s, ok := w.byDir[dir]; ok {
		return s
	}
	var s *ignoreScope
	if parent := filepath.Dir(dir); parent == dir {
		s = &ignoreScope{dir: dir}
		w.ix.loadIgnoreFiles(s)
	} else {
		s = w.ix.enter(w.scope(parent), dir)
	}
	w.byDir[dir] = s
	return s
}

// prunes reports whether a walk leaves out everything below dir; it says
// why through the scope. A directory ignored by an ignore file or inside
// the store's home is still walked when a memory directory lies below it.
func (w *ignoreWalk) prunes(dir string) (*ignoreScope, bool) {
	s := w.scope(dir)
	return s, s.left != "" && (s.hard || !w.ix.leadsToMemoryDir(dir))
}

// file says why the canonical file path is left out by the ignore rules
// (reason "" if it is not).
func (w *ignoreWalk) file(path string) (reason, detail string) {
	s := w.scope(filepath.Dir(path))
	parts := append(s.parts[:len(s.parts):len(s.parts)], filepath.Base(path))
	if s.hard {
		return s.left, s.detail
	}
	if p := matchCredential(parts, false); p != "" {
		return SkipCredentials, p
	}
	if d := w.ix.storeFile(path); d != "" {
		return SkipStoreFiles, d
	}
	if w.ix.InMemoryDir(path) {
		// Memories are indexed whatever an ignore file says: a project that
		// keeps its memory folder out of git still wants it searchable.
		return "", ""
	}
	if s.left != "" {
		return s.left, s.detail
	}
	if r := matchRules(s.rules, parts, false); r != nil {
		return r.reason, r.file
	}
	return "", ""
}

// ignoreReason says why the canonical path is left out by the ignore rules,
// on its own (no walk around it).
func (ix *Indexer) ignoreReason(path string) (reason, detail string) {
	if ix.InMemoryDir(path) {
		// Only the fixed lists apply in a memory directory, and they are
		// matched on the whole path: no descent reading ignore files on
		// every mm add (the walk's descent decides the same).
		if p := matchCredential(strings.Split(strings.TrimPrefix(filepath.ToSlash(path), "/"), "/"), false); p != "" {
			return SkipCredentials, p
		}
		if d := ix.storeFile(path); d != "" {
			return SkipStoreFiles, d
		}
		return "", ""
	}
	return ix.newIgnoreWalk().file(path)
}

// enter works out the scope of dir from its parent's.
func (ix *Indexer) enter(parent *ignoreScope, dir string) *ignoreScope {
	s := &ignoreScope{dir: dir, parts: append(parent.parts[:len(parent.parts):len(parent.parts)], filepath.Base(dir)), rules: parent.rules}
	if parent.hard {
		s.left, s.detail, s.hard = parent.left, parent.detail, true
		return s
	}
	if p := matchCredential(s.parts, true); p != "" {
		s.left, s.detail, s.hard = SkipCredentials, p, true
		return s
	}
	if ix.InMemoryDir(dir) {
		return s // no ignore file applies in a memory directory
	}
	s.left, s.detail = parent.left, parent.detail
	if s.left == "" {
		if d := ix.storeFile(dir); d != "" {
			s.left, s.detail = SkipStoreFiles, d
		} else if r := matchRules(parent.rules, s.parts, true); r != nil {
			s.left, s.detail = r.reason, r.file
		}
	}
	if s.left == "" {
		ix.loadIgnoreFiles(s)
	}
	return s
}

// loadIgnoreFiles adds the rules of the ignore files in s.dir to those it
// inherited. At the top of a git repository (a .git entry) the .gitignore
// rules from above stop applying, as in git; .mmignore rules go on.
func (ix *Indexer) loadIgnoreFiles(s *ignoreScope) {
	inherited := s.rules
	gitDir, err := os.Lstat(filepath.Join(s.dir, ".git"))
	var files [][2]string // path, reason
	if err == nil {
		var kept []ignoreRule
		for _, r := range inherited {
			if !r.fromGit {
				kept = append(kept, r)
			}
		}
		inherited = kept
		if gitDir.IsDir() {
			files = append(files, [2]string{filepath.Join(s.dir, ".git", "info", "exclude"), SkipGitExclude})
		}
	}
	files = append(files, [2]string{filepath.Join(s.dir, ".gitignore"), SkipGitignore}, [2]string{filepath.Join(s.dir, MmignoreName), SkipMmignore})
	var added []ignoreRule
	for _, f := range files {
		lines, err := readIgnoreFile(f[0])
		if err != nil {
			s.left, s.detail = SkipIgnoreFile, err.Error()
			return
		}
		for _, l := range lines {
			added = append(added, ignoreRule{gitignore.ParsePattern(l, s.parts), f[1], f[0], f[1] != SkipMmignore})
		}
	}
	if len(added) == 0 && len(inherited) == len(s.rules) {
		return // nothing new: share the parent's slice
	}
	s.rules = append(inherited[:len(inherited):len(inherited)], added...)
}

// readIgnoreFile returns the pattern lines of an ignore file (none if there
// is no such file).
func readIgnoreFile(path string) ([]string, error) {
	// O_NONBLOCK: a FIFO planted under the name must not hang the walk.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case info.IsDir():
		return nil, nil
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxIgnoreFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxIgnoreFileBytes {
		return nil, fmt.Errorf("%s is over %s", path, humanBytes(MaxIgnoreFileBytes))
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		lines = append(lines, l)
	}
	return lines, nil
}

// matchRules returns the rule that decides the path if it excludes it:
// the last matching rule wins, as in git (gitignore.NewMatcher decides the
// same way but cannot say which file decided).
func matchRules(rules []ignoreRule, parts []string, isDir bool) *ignoreRule {
	for i := len(rules) - 1; i >= 0; i-- {
		switch rules[i].pattern.Match(parts, isDir) {
		case gitignore.Exclude:
			return &rules[i]
		case gitignore.Include:
			return nil
		}
	}
	return nil
}

// matchCredential returns the pattern of the credential location the path
// lies in, or "".
func matchCredential(parts []string, isDir bool) string {
	for i, p := range credentialPatterns {
		if p.Match(parts, isDir) == gitignore.Exclude {
			return credentialLines[i]
		}
	}
	return ""
}

// storeFile says which of the store's own files or folders the path is or
// lies in ("" if none): its configuration (with the API key), database and
// coordination files anywhere, and everything in its home but the memory
// directories there.
func (ix *Indexer) storeFile(path string) string {
	for _, f := range ix.StoreFiles {
		if fspath.Within(f, path) {
			return f
		}
	}
	if ix.StoreHome == "" || !fspath.Within(ix.StoreHome, path) {
		return ""
	}
	for _, d := range ix.MemoryDirs {
		if fspath.Within(ix.StoreHome, d) && fspath.Within(d, path) {
			return ""
		}
	}
	return ix.StoreHome
}

// leadsToMemoryDir reports whether a memory directory lies at or below dir.
func (ix *Indexer) leadsToMemoryDir(dir string) bool {
	for _, d := range ix.MemoryDirs {
		if fspath.Within(dir, d) {
			return true
		}
	}
	return false
}

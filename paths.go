package memtomem

import (
	"path/filepath"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/fspath"
)

// canonicalConfig resolves the configuration's paths once, at Open, to the
// one spelling (fspath.Canonical) the store keys files by. With a home
// reached through a symlink (macOS, Dropbox) the configured spelling and
// the walked one differed, every memory was indexed twice, and deleting one
// copy left the other behind. Absolute globs get their literal directory
// part resolved too, so a rule written with the link's path still matches.
// The slices are copied: the caller's Config is left as it was.
func canonicalConfig(cfg config.Config) config.Config {
	cfg.Home = fspath.MustCanonical(cfg.Home)
	if cfg.Storage.Path != "" {
		cfg.Storage.Path = fspath.MustCanonical(cfg.Storage.Path)
	}
	dirs := make([]string, len(cfg.Indexing.MemoryDirs))
	for i, d := range cfg.Indexing.MemoryDirs {
		dirs[i] = fspath.MustCanonical(d)
	}
	cfg.Indexing.MemoryDirs = dirs
	globs := make([]string, len(cfg.Indexing.ExcludeGlobs))
	for i, g := range cfg.Indexing.ExcludeGlobs {
		globs[i] = fspath.CanonicalGlob(g)
	}
	cfg.Indexing.ExcludeGlobs = globs
	rules := make([]config.NamespaceRule, len(cfg.Indexing.NamespaceRules))
	for i, r := range cfg.Indexing.NamespaceRules {
		r.Glob = fspath.CanonicalGlob(r.Glob)
		rules[i] = r
	}
	cfg.Indexing.NamespaceRules = rules
	return cfg
}

// inMemoryDir reports whether a canonical path is inside one of the
// (canonical) memory directories.
func (m *Memory) inMemoryDir(path string) bool { return m.indexer.InMemoryDir(path) }

// readFile reads an indexed file through a descriptor of the memory
// directory holding it (for any other file, of its own directory): a
// folder swapped for a symlink since the store recorded the path does not
// lead the read, and what it returns to an agent, out of that directory.
func (m *Memory) readFile(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	for _, d := range m.cfg.Indexing.MemoryDirs {
		if fspath.Within(d, path) && len(d) < len(dir) {
			dir = d
		}
	}
	return fspath.ReadFileBeneath(dir, path)
}

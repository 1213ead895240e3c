package index

import (
	"bytes"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// skippedDirs are never descended into: version control, dependency trees,
// caches, and memtomem's own coordination directory.
var skippedDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "node_modules": true, "__pycache__": true,
	".venv": true, "venv": true, ".idea": true, ".vscode": true, ".cache": true,
	".tox": true, ".mypy_cache": true, ".pytest_cache": true, "memtomem.run": true,
}

// indexedExts are the file types a directory walk picks up. A file named
// explicitly on the command line is indexed whatever its extension, as long
// as it is text.
var indexedExts = map[string]bool{}

func init() {
	for _, e := range strings.Fields(`.md .markdown .mdx .txt .text .rst .org .adoc
		.json .yaml .yml .toml .go .py .js .mjs .cjs .ts .tsx .jsx .rs .java .c .h .cc .cpp .hpp
		.rb .sh .bash .zsh .php .swift .kt .scala .cs .lua .sql .css .scss .html`) {
		indexedExts[e] = true
	}
}

// isSecretName reports files that commonly hold credentials. Indexing them
// would copy secrets into the database and into agents' context windows.
func isSecretName(name string) bool {
	lower := strings.ToLower(name)
	switch {
	case lower == ".env", strings.HasPrefix(lower, ".env."), strings.HasSuffix(lower, ".env"),
		lower == ".netrc", lower == ".npmrc", lower == ".pypirc", lower == ".pgpass", lower == ".htpasswd",
		lower == "credentials", lower == "credentials.json", strings.HasPrefix(lower, "id_rsa"),
		strings.HasPrefix(lower, "id_dsa"), strings.HasPrefix(lower, "id_ecdsa"), strings.HasPrefix(lower, "id_ed25519"):
		return true
	}
	switch filepath.Ext(lower) {
	case ".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".kdbx", ".gpg", ".asc", ".ppk":
		return true
	}
	return false
}

// looksSecret catches private keys in files with innocent names.
func looksSecret(content []byte) bool {
	return bytes.Contains(content, []byte("-----BEGIN ")) && bytes.Contains(content, []byte("PRIVATE KEY-----"))
}

// looksBinary uses the same heuristic as git: a NUL byte in the first 8000 bytes.
func looksBinary(content []byte) bool {
	head := content
	if len(head) > 8000 {
		head = head[:8000]
	}
	return bytes.IndexByte(head, 0) >= 0
}

// excluded matches a path against the user's exclude globs. Patterns without
// a slash match the base name anywhere ("*.log"); others match the whole path
// or any trailing part of it ("drafts/**").
func excluded(globs []string, path string) bool {
	base := filepath.Base(path)
	for _, g := range globs {
		if !strings.Contains(g, "/") {
			if ok, _ := doublestar.Match(g, base); ok {
				return true
			}
			continue
		}
		if ok, _ := doublestar.Match(g, path); ok {
			return true
		}
		if !strings.HasPrefix(g, "/") && !strings.HasPrefix(g, "**/") {
			if ok, _ := doublestar.Match("**/"+g, path); ok {
				return true
			}
		}
	}
	return false
}

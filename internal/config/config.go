// Package config resolves memtomem's settings.
//
// Settings come from three layers, later ones winning:
//
//  1. built-in defaults (Default),
//  2. <home>/config.json, which holds only what differs from the defaults,
//  3. environment variables MEMTOMEM_<SECTION>__<FIELD>.
//
// Keeping config.json minimal matters: when a default changes in a later
// release, users who never touched that setting get the new default instead
// of a stale copy frozen into their file. Set and Unset maintain that
// invariant.
//
// Every malformed or unknown setting is an error that names where it came
// from (the file or the environment variable) and the "section.field" key,
// because a silently ignored typo in a config file is worse than a refusal to
// start.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Config is the fully resolved configuration.
//
// Fields tagged mm:"path" hold filesystem paths: Load expands a leading "~"
// and resolves relative values against Home, so the rest of the program only
// ever sees absolute paths.
type Config struct {
	Home      string          `json:"-"` // resolved MEMTOMEM_HOME
	Storage   StorageConfig   `json:"storage"`
	Indexing  IndexingConfig  `json:"indexing"`
	Search    SearchConfig    `json:"search"`
	Embedding EmbeddingConfig `json:"embedding"`
	Rerank    RerankConfig    `json:"rerank"`
	Security  SecurityConfig  `json:"security"`
}

// StorageConfig selects where the index lives.
type StorageConfig struct {
	// Backend is one of Backends.
	Backend string `json:"backend"`
	// Path is the SQLite database file; "" means <home>/memtomem.db.
	Path string `json:"path" mm:"path"`
	// URL is the PostgreSQL connection string (a postgres:// URL or
	// key=value pairs). A password in it works, but PasswordFile or the
	// PGPASSWORD variable keep it out of the configuration; it is masked
	// whenever the configuration is shown.
	URL string `json:"url"`
	// PasswordFile holds the database password (one line), readable by its
	// owner only.
	PasswordFile string `json:"password_file" mm:"path"`
	// Host names this machine in a shared (postgres) store: its files are
	// kept apart from other hosts' under this name. "" means the machine's
	// hostname; set it when that may change.
	Host string `json:"host"`
}

// Backends are the storage.backend values.
var Backends = []string{"sqlite", "postgres"}

// IndexingConfig controls which files are indexed and how they are chunked.
type IndexingConfig struct {
	// MemoryDirs are the directories to index; the first one is where
	// `mm add` writes new entries.
	MemoryDirs []string `json:"memory_dirs" mm:"path"`
	// ExcludeGlobs are extra user exclusions (doublestar patterns such as
	// "**/drafts/**"), on top of the indexer's built-in ones.
	ExcludeGlobs []string `json:"exclude_globs"`
	// MaxFileBytes skips files larger than this; huge files are almost
	// always logs or dumps, not memories.
	MaxFileBytes     int64           `json:"max_file_bytes"`
	ChunkTargetChars int             `json:"chunk_target_chars"`
	ChunkMinChars    int             `json:"chunk_min_chars"`
	ChunkMaxChars    int             `json:"chunk_max_chars"`
	NamespaceRules   []NamespaceRule `json:"namespace_rules"`
}

// NamespaceRule assigns Namespace to files whose path (relative to their
// memory dir) matches Glob.
type NamespaceRule struct {
	Glob      string `json:"glob"`
	Namespace string `json:"namespace"`
}

// SearchConfig holds search defaults.
type SearchConfig struct {
	DefaultTopK      int    `json:"default_top_k"`
	DefaultNamespace string `json:"default_namespace"`
	// BM25Weight and DenseWeight weigh the two legs in reciprocal rank
	// fusion; 0 drops a leg. The dense leg runs only with an embedding
	// provider whose generation matches the stored vectors.
	BM25Weight  float64 `json:"bm25_weight"`
	DenseWeight float64 `json:"dense_weight"`
	// RRFK is the k of reciprocal rank fusion: 1/(k+rank).
	RRFK int `json:"rrf_k"`
	// FusionGuard scales the dense leg per query by how far its top hits
	// agree with the keyword leg's beyond chance, so a model that carries
	// no signal cannot sink fused results below keywords alone:
	// "agreement" (the default; "" means it too) or "off".
	FusionGuard string `json:"fusion_guard"`
	// DecayHalfLifeDays, when > 0, halves a result's score for every this
	// many days of age (off by default: old decisions stay findable).
	DecayHalfLifeDays float64 `json:"decay_half_life_days"`
	// MMRLambda, when > 0, re-ranks for diversity (maximal marginal
	// relevance; 1 = relevance only). Needs vectors.
	MMRLambda float64 `json:"mmr_lambda"`
}

// EmbeddingConfig selects the optional embedding provider. Provider "none"
// means keyword search only.
type EmbeddingConfig struct {
	Provider  string `json:"provider"`
	Model     string `json:"model"`
	Dimension int    `json:"dimension"`
	BaseURL   string `json:"base_url"`
	APIKey    string `json:"api_key"`
	// TimeoutSeconds bounds one request to the provider (0: the default).
	TimeoutSeconds int `json:"timeout_seconds"`
	// BreakerSeconds is how long a provider that failed (refused, timed
	// out, overloaded) is left alone before one trial call; meanwhile
	// searches answer from keywords at once (0: the default).
	BreakerSeconds int `json:"breaker_seconds"`
}

// SecurityConfig holds what memtomem does with credentials in writes.
type SecurityConfig struct {
	// Secrets is what a write (add, edit, batch_add, import) whose text
	// holds a credential gets: "refuse" (nothing is stored) or "redact"
	// (the credential is replaced by [REDACTED:<rule>] and the rest stored).
	Secrets string `json:"secrets"`
}

// FusionGuards lists the accepted search.fusion_guard values.
var FusionGuards = []string{"agreement", "off"}

// SecretModes lists the accepted security.secrets values.
var SecretModes = []string{"refuse", "redact"}

// Default values that are not derived from the home directory.
const (
	DefaultMaxFileBytes     = 10 << 20
	DefaultChunkTargetChars = 1200
	DefaultChunkMinChars    = 200
	DefaultChunkMaxChars    = 2400
	DefaultTopK             = 10
	MaxTopK                 = 100
	DefaultNamespace        = "default"
	DefaultRRFK             = 60
	DefaultEmbedTimeout     = 30  // seconds
	DefaultEmbedBreaker     = 30  // seconds
	MaxEmbedTimeout         = 600 // seconds
	MaxEmbedBreaker         = 3600
)

// Providers lists the accepted embedding.provider values.
var Providers = []string{"none", "openai", "ollama", "model2vec"}

// Default returns the built-in configuration for the given home directory.
// List fields are empty rather than nil so `mm config show` prints [] and
// not null.
func Default(home string) Config {
	return Config{
		Home:    home,
		Storage: StorageConfig{Backend: "sqlite"},
		Indexing: IndexingConfig{
			MemoryDirs:       []string{filepath.Join(home, "memories")},
			ExcludeGlobs:     []string{},
			MaxFileBytes:     DefaultMaxFileBytes,
			ChunkTargetChars: DefaultChunkTargetChars,
			ChunkMinChars:    DefaultChunkMinChars,
			ChunkMaxChars:    DefaultChunkMaxChars,
			NamespaceRules:   []NamespaceRule{},
		},
		Search: SearchConfig{DefaultTopK: DefaultTopK, DefaultNamespace: DefaultNamespace,
			BM25Weight: 1, DenseWeight: 1, RRFK: DefaultRRFK, FusionGuard: "agreement"},
		Embedding: EmbeddingConfig{Provider: "none", TimeoutSeconds: DefaultEmbedTimeout, BreakerSeconds: DefaultEmbedBreaker},
		Rerank: RerankConfig{Provider: "none", Candidates: DefaultRerankCandidates,
			TimeoutSeconds: DefaultRerankTimeout, BreakerSeconds: DefaultRerankBreaker},
		Security: SecurityConfig{Secrets: "refuse"},
	}
}

// HomeDir returns $MEMTOMEM_HOME, or ~/.memtomem when it is unset, as an
// absolute path.
func HomeDir() (string, error) {
	if h := os.Getenv(EnvHome); h != "" {
		h, err := expandTilde(h)
		if err != nil {
			return "", fmt.Errorf("env %s: %w", EnvHome, err)
		}
		return filepath.Abs(h)
	}
	uh, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot locate memtomem home (set %s): %w", EnvHome, err)
	}
	return filepath.Join(uh, ".memtomem"), nil
}

// Path returns the location of the config file inside home.
func Path(home string) string { return filepath.Join(home, "config.json") }

// DBPath returns the database file, defaulting to <home>/memtomem.db.
func (c Config) DBPath() string {
	if c.Storage.Path != "" {
		return c.Storage.Path
	}
	return filepath.Join(c.Home, "memtomem.db")
}

// MemoryDir returns the directory new entries are written to: the first of
// MemoryDirs. It is "" only for a Config that fails Validate.
func (c Config) MemoryDir() string {
	if len(c.Indexing.MemoryDirs) == 0 {
		return ""
	}
	return c.Indexing.MemoryDirs[0]
}

// Redacted returns a copy safe to print: API keys are reduced to their last
// four characters (enough to tell keys apart, not enough to use one), and
// passwords embedded in base URLs and the storage URL are masked.
func (c Config) Redacted() Config {
	c.Embedding.APIKey = redactKey(c.Embedding.APIKey)
	c.Embedding.BaseURL = redactURL(c.Embedding.BaseURL)
	c.Rerank.APIKey = redactKey(c.Rerank.APIKey)
	c.Rerank.BaseURL = redactURL(c.Rerank.BaseURL)
	c.Storage.URL = RedactDSN(c.Storage.URL)
	return c
}

// FieldError is a validation failure of one or more keys. Load uses Keys to
// say where the offending value came from.
type FieldError struct {
	Keys []string // "section.field" keys involved
	Msg  string
}

func (e *FieldError) Error() string { return strings.Join(e.Keys, ", ") + ": " + e.Msg }

func fieldErr(key, format string, args ...any) error {
	return &FieldError{Keys: []string{key}, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks every setting and reports all problems at once (joined with
// errors.Join), each as a *FieldError naming its key.
func (c Config) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	switch st := c.Storage; {
	case !slices.Contains(Backends, st.Backend):
		add(fieldErr("storage.backend", "unsupported backend %q (supported: %s)", st.Backend, strings.Join(Backends, ", ")))
	case st.Backend == "postgres" && strings.TrimSpace(st.URL) == "":
		add(fieldErr("storage.url", "storage.backend = postgres needs the database's connection string, e.g. postgres://mm@db.example:5432/memtomem"))
	}
	if h := c.Storage.Host; strings.ContainsAny(h, "/ \t\n") || len(h) > 253 {
		add(fieldErr("storage.host", "%q is not a host name: use letters, digits, '-' and '.' (at most 253 characters)", h))
	}

	ix := c.Indexing
	if len(ix.MemoryDirs) == 0 {
		add(fieldErr("indexing.memory_dirs", "at least one directory is required"))
	}
	for i, d := range ix.MemoryDirs {
		if strings.TrimSpace(d) == "" {
			add(fieldErr("indexing.memory_dirs", "entry %d is empty", i))
		}
	}
	for i, g := range ix.ExcludeGlobs {
		if g == "" || !doublestar.ValidatePattern(g) {
			add(fieldErr("indexing.exclude_globs", "entry %d: invalid glob %q", i, g))
		}
	}
	if ix.MaxFileBytes <= 0 {
		add(fieldErr("indexing.max_file_bytes", "must be positive, got %d", ix.MaxFileBytes))
	}
	if ix.ChunkMinChars <= 0 || ix.ChunkMinChars >= ix.ChunkTargetChars || ix.ChunkTargetChars >= ix.ChunkMaxChars {
		errs = append(errs, &FieldError{
			Keys: []string{"indexing.chunk_min_chars", "indexing.chunk_target_chars", "indexing.chunk_max_chars"},
			Msg: fmt.Sprintf("chunk sizes must satisfy 0 < min < target < max, got min %d, target %d, max %d",
				ix.ChunkMinChars, ix.ChunkTargetChars, ix.ChunkMaxChars),
		})
	}
	for i, r := range ix.NamespaceRules {
		if r.Glob == "" || !doublestar.ValidatePattern(r.Glob) {
			add(fieldErr("indexing.namespace_rules", "rule %d: invalid glob %q", i, r.Glob))
		}
		if err := ValidNamespace(r.Namespace); err != nil {
			add(fieldErr("indexing.namespace_rules", "rule %d: %v", i, err))
		}
	}

	if c.Search.DefaultTopK < 1 || c.Search.DefaultTopK > MaxTopK {
		add(fieldErr("search.default_top_k", "must be between 1 and %d, got %d", MaxTopK, c.Search.DefaultTopK))
	}
	if c.Search.BM25Weight < 0 || c.Search.DenseWeight < 0 || c.Search.BM25Weight+c.Search.DenseWeight == 0 {
		add(fieldErr("search.bm25_weight", "search.bm25_weight and search.dense_weight must be >= 0 and not both 0, got %g and %g", c.Search.BM25Weight, c.Search.DenseWeight))
	}
	if c.Search.RRFK < 1 {
		add(fieldErr("search.rrf_k", "must be at least 1, got %d", c.Search.RRFK))
	}
	if !slices.Contains(FusionGuards, c.Search.FusionGuard) && c.Search.FusionGuard != "" {
		add(fieldErr("search.fusion_guard", "must be one of %s, got %q", strings.Join(FusionGuards, ", "), c.Search.FusionGuard))
	}
	if c.Search.DecayHalfLifeDays < 0 {
		add(fieldErr("search.decay_half_life_days", "must be >= 0 (0 turns decay off), got %g", c.Search.DecayHalfLifeDays))
	}
	if c.Search.MMRLambda < 0 || c.Search.MMRLambda > 1 {
		add(fieldErr("search.mmr_lambda", "must be between 0 (off) and 1, got %g", c.Search.MMRLambda))
	}
	if err := ValidNamespace(c.Search.DefaultNamespace); err != nil {
		add(fieldErr("search.default_namespace", "%v", err))
	}

	e := c.Embedding
	valid := false
	for _, p := range Providers {
		valid = valid || e.Provider == p
	}
	if !valid {
		add(fieldErr("embedding.provider", "unknown provider %q (valid: %s)", e.Provider, strings.Join(Providers, ", ")))
	}
	if e.Dimension < 0 {
		add(fieldErr("embedding.dimension", "must not be negative, got %d", e.Dimension))
	}
	if e.TimeoutSeconds < 0 || e.TimeoutSeconds > MaxEmbedTimeout {
		add(fieldErr("embedding.timeout_seconds", "must be between 1 and %d (0 takes the default %d), got %d", MaxEmbedTimeout, DefaultEmbedTimeout, e.TimeoutSeconds))
	}
	if e.BreakerSeconds < 0 || e.BreakerSeconds > MaxEmbedBreaker {
		add(fieldErr("embedding.breaker_seconds", "must be between 1 and %d (0 takes the default %d), got %d", MaxEmbedBreaker, DefaultEmbedBreaker, e.BreakerSeconds))
	}
	if e.BaseURL != "" {
		u, err := url.Parse(e.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(fieldErr("embedding.base_url", "must be an http(s) URL, got %q", e.BaseURL))
		}
	}
	errs = append(errs, c.Rerank.validate()...)
	if !slices.Contains(SecretModes, c.Security.Secrets) {
		add(fieldErr("security.secrets", "unknown mode %q (valid: %s)", c.Security.Secrets, strings.Join(SecretModes, ", ")))
	}
	return errors.Join(errs...)
}

// ValidNamespace reports whether ns can name a namespace: 1 to 64 characters
// from [A-Za-z0-9_.:-], not starting with ':'. The leading-colon ban keeps
// names like ":all" free for query syntax.
func ValidNamespace(ns string) error {
	if ns == "" {
		return errors.New("namespace must not be empty")
	}
	if len(ns) > 64 {
		// Quoted in part: an error must not repeat a huge input back.
		return fmt.Errorf("namespace %q… is %d characters long (max 64)", ns[:32], len(ns))
	}
	if ns[0] == ':' {
		return fmt.Errorf("namespace %q must not start with ':'", ns)
	}
	for i, r := range ns {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '_' || r == '.' || r == ':' || r == '-'
		if !ok {
			return fmt.Errorf("namespace %q has invalid character %q at position %d (allowed: A-Z a-z 0-9 _ . : -)", ns, r, i)
		}
	}
	return nil
}

// expandTilde replaces a leading "~" or "~/" with the user's home directory.
// "~user" forms are left alone: resolving other users' homes is not worth
// the platform-specific code.
func expandTilde(p string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, "~"+string(filepath.Separator)) {
		return p, nil
	}
	uh, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot expand %q: %w", p, err)
	}
	return filepath.Join(uh, p[1:]), nil
}

// resolvePath makes a configured path absolute: "~" is the user's home,
// relative paths are relative to the memtomem home (not the working
// directory, so the same config means the same thing wherever mm runs).
func resolvePath(home, p string) (string, error) {
	if p == "" {
		return "", nil
	}
	p, err := expandTilde(p)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(home, p)
	}
	return filepath.Clean(p), nil
}

package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeConfig(t *testing.T, home, content string) string {
	t.Helper()
	p := Path(home)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func readConfig(t *testing.T, home string) string {
	t.Helper()
	b, err := os.ReadFile(Path(home))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func TestDefaults(t *testing.T) {
	home := t.TempDir()
	c, err := load(home, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Default(home), c); diff != "" {
		t.Errorf("Load without file differs from Default (-want +got):\n%s", diff)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	if got, want := c.DBPath(), filepath.Join(home, "memtomem.db"); got != want {
		t.Errorf("DBPath = %q, want %q", got, want)
	}
	if got, want := c.MemoryDir(), filepath.Join(home, "memories"); got != want {
		t.Errorf("MemoryDir = %q, want %q", got, want)
	}
	if c.Search.DefaultTopK != 10 || c.Search.DefaultNamespace != "default" || c.Embedding.Provider != "none" ||
		c.Indexing.MaxFileBytes != 10<<20 || c.Storage.Backend != "sqlite" {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

func TestFileOverrides(t *testing.T) {
	home := t.TempDir()
	writeConfig(t, home, `{
  "storage": {"path": "db/index.db"},
  "indexing": {
    "memory_dirs": ["notes", "/abs/dir", "~/x"],
    "exclude_globs": ["**/drafts/**"],
    "namespace_rules": [{"glob": "work/**", "namespace": "work"}]
  },
  "search": {"default_top_k": 5, "default_namespace": null},
  "embedding": {"provider": "openai", "api_key": "sk-123"}
}`)
	c, err := load(home, nil)
	if err != nil {
		t.Fatal(err)
	}
	uh, _ := os.UserHomeDir()
	if got, want := c.DBPath(), filepath.Join(home, "db", "index.db"); got != want {
		t.Errorf("DBPath = %q, want %q", got, want)
	}
	wantDirs := []string{filepath.Join(home, "notes"), "/abs/dir", filepath.Join(uh, "x")}
	if diff := cmp.Diff(wantDirs, c.Indexing.MemoryDirs); diff != "" {
		t.Errorf("memory_dirs (-want +got):\n%s", diff)
	}
	if c.Search.DefaultTopK != 5 {
		t.Errorf("top_k = %d", c.Search.DefaultTopK)
	}
	if c.Search.DefaultNamespace != "default" {
		t.Errorf("null should keep the default, got %q", c.Search.DefaultNamespace)
	}
	if diff := cmp.Diff([]NamespaceRule{{"work/**", "work"}}, c.Indexing.NamespaceRules); diff != "" {
		t.Errorf("namespace_rules: %s", diff)
	}
	if c.Embedding.Provider != "openai" || c.Embedding.APIKey != "sk-123" {
		t.Errorf("embedding = %+v", c.Embedding)
	}
}

func TestEmptyFileAndBOM(t *testing.T) {
	home := t.TempDir()
	for _, content := range []string{"", "  \n", "\xef\xbb\xbf{}", "{}", "null"} {
		writeConfig(t, home, content)
		if _, err := load(home, nil); err != nil {
			t.Errorf("content %q: %v", content, err)
		}
	}
}

func TestEnvOverridesFile(t *testing.T) {
	home := t.TempDir()
	writeConfig(t, home, `{"search": {"default_top_k": 5}, "embedding": {"model": "a"}}`)
	c, err := load(home, []string{
		"MEMTOMEM_SEARCH__DEFAULT_TOP_K=7",
		"MEMTOMEM_INDEXING__MEMORY_DIRS=one, /two",
		`MEMTOMEM_INDEXING__EXCLUDE_GLOBS=["a/**","b,c"]`,
		"MEMTOMEM_HOME=/elsewhere",   // not a setting
		"MEMTOMEM_DEBUG=1",           // no "__": not a setting
		"MEMTOMEM_EMBEDDING__MODEL=", // empty: unset
		"PATH=/bin",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Search.DefaultTopK != 7 {
		t.Errorf("top_k = %d, want 7 (env beats file)", c.Search.DefaultTopK)
	}
	if diff := cmp.Diff([]string{filepath.Join(home, "one"), "/two"}, c.Indexing.MemoryDirs); diff != "" {
		t.Errorf("memory_dirs: %s", diff)
	}
	if diff := cmp.Diff([]string{"a/**", "b,c"}, c.Indexing.ExcludeGlobs); diff != "" {
		t.Errorf("exclude_globs: %s", diff)
	}
	if c.Embedding.Model != "a" {
		t.Errorf("empty env var should not override, model = %q", c.Embedding.Model)
	}
}

func TestEnvThroughLoad(t *testing.T) {
	home := t.TempDir()
	t.Setenv("MEMTOMEM_SEARCH__DEFAULT_NAMESPACE", "proj")
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if c.Search.DefaultNamespace != "proj" {
		t.Errorf("namespace = %q", c.Search.DefaultNamespace)
	}
}

func TestHomeDir(t *testing.T) {
	t.Setenv(EnvHome, "rel/home")
	h, err := HomeDir()
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if want := filepath.Join(wd, "rel/home"); h != want {
		t.Errorf("HomeDir = %q, want %q", h, want)
	}
	t.Setenv(EnvHome, "")
	h, err = HomeDir()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(h) != ".memtomem" || !filepath.IsAbs(h) {
		t.Errorf("default HomeDir = %q", h)
	}
}

func TestUnknownKeyInFile(t *testing.T) {
	home := t.TempDir()
	p := writeConfig(t, home, `{"search": {"top_k": 3}}`)
	_, err := load(home, nil)
	wantErr(t, err, "config "+p+`: unknown key "search.top_k" (valid keys: search.default_top_k, search.default_namespace, search.bm25_weight, `+
		`search.dense_weight, search.rrf_k, search.fusion_guard, search.decay_half_life_days, search.mmr_lambda)`)

	writeConfig(t, home, `{"serch": {}}`)
	_, err = load(home, nil)
	wantErr(t, err, p, `unknown key "serch"`, "valid sections: storage, indexing, search, embedding")

	writeConfig(t, home, `{"indexing": {"namespace_rules": [{"glob": "a", "ns": "b"}]}}`)
	_, err = load(home, nil)
	wantErr(t, err, p, "indexing.namespace_rules", `unknown field "ns"`)
}

func TestUnknownKeyInEnv(t *testing.T) {
	home := t.TempDir()
	_, err := load(home, []string{"MEMTOMEM_SEARCH__TOPK=3"})
	wantErr(t, err, "env MEMTOMEM_SEARCH__TOPK", `unknown key "search.topk"`, "search.default_top_k")
	_, err = load(home, []string{"MEMTOMEM_NOPE__X=3"})
	wantErr(t, err, "env MEMTOMEM_NOPE__X", "valid sections")
	_, err = load(home, []string{"MEMTOMEM_SEARCH__DEFAULT_TOP_K=lots"})
	wantErr(t, err, "env MEMTOMEM_SEARCH__DEFAULT_TOP_K", "search.default_top_k", "expected integer")
	_, err = load(home, []string{"MEMTOMEM_SEARCH__DEFAULT_TOP_K=1000"})
	wantErr(t, err, "env MEMTOMEM_SEARCH__DEFAULT_TOP_K", "between 1 and 100")
}

func TestBadType(t *testing.T) {
	home := t.TempDir()
	cases := []struct{ content, want string }{
		{`{"search": {"default_top_k": "5"}}`, `key "search.default_top_k": expected integer, got string`},
		{`{"search": {"default_top_k": 1.5}}`, `key "search.default_top_k": expected integer`},
		{`{"indexing": {"memory_dirs": "notes"}}`, `key "indexing.memory_dirs": expected list of strings, got string`},
		{`{"indexing": {"namespace_rules": [{"glob": 1}]}}`, `key "indexing.namespace_rules": expected list of {glob, namespace} objects`},
		{`{"search": 3}`, `key "search": expected object, got number`},
		{`[1, 2]`, `top level must be a JSON object`},
	}
	for _, tc := range cases {
		p := writeConfig(t, home, tc.content)
		_, err := load(home, nil)
		wantErr(t, err, "config "+p, tc.want)
	}
}

func TestMalformedJSON(t *testing.T) {
	home := t.TempDir()
	p := writeConfig(t, home, "{\n  \"search\": {\n    \"default_top_k\": 5,\n  }\n}\n")
	_, err := load(home, nil)
	wantErr(t, err, "config "+p, "line 4, column 3")

	writeConfig(t, home, "{\"search\": {")
	_, err = load(home, nil)
	wantErr(t, err, p, "line 1", "unexpected end")
}

func TestValidationNamesSource(t *testing.T) {
	home := t.TempDir()
	p := writeConfig(t, home, `{"indexing": {"chunk_min_chars": 5000}, "embedding": {"provider": "magic"}}`)
	_, err := load(home, nil)
	wantErr(t, err, "config "+p+": indexing.chunk", "min 5000, target 1200, max 2400",
		"config "+p+`: embedding.provider: unknown provider "magic"`)

	writeConfig(t, home, `{}`)
	_, err = load(home, []string{"MEMTOMEM_EMBEDDING__BASE_URL=localhost:11434"})
	wantErr(t, err, "env MEMTOMEM_EMBEDDING__BASE_URL: embedding.base_url")
}

func TestValidate(t *testing.T) {
	base := Default("/h")
	cases := map[string]func(*Config){
		"storage.backend":           func(c *Config) { c.Storage.Backend = "pg" },
		"indexing.memory_dirs":      func(c *Config) { c.Indexing.MemoryDirs = nil },
		"indexing.exclude_globs":    func(c *Config) { c.Indexing.ExcludeGlobs = []string{"[a"} },
		"indexing.max_file_bytes":   func(c *Config) { c.Indexing.MaxFileBytes = 0 },
		"indexing.chunk":            func(c *Config) { c.Indexing.ChunkMaxChars = 1200 },
		"indexing.namespace_rules":  func(c *Config) { c.Indexing.NamespaceRules = []NamespaceRule{{"a/**", ":x"}} },
		"search.default_top_k":      func(c *Config) { c.Search.DefaultTopK = 101 },
		"search.default_namespace":  func(c *Config) { c.Search.DefaultNamespace = "a b" },
		"embedding.provider":        func(c *Config) { c.Embedding.Provider = "" },
		"embedding.dimension":       func(c *Config) { c.Embedding.Dimension = -1 },
		"embedding.base_url":        func(c *Config) { c.Embedding.BaseURL = "ftp://x" },
		"indexing.namespace_rules ": func(c *Config) { c.Indexing.NamespaceRules = []NamespaceRule{{"", "x"}} },
		"security.secrets":          func(c *Config) { c.Security.Secrets = "allow" },
	}
	for key, mutate := range cases {
		c := base
		c.Indexing.MemoryDirs = slices.Clone(base.Indexing.MemoryDirs)
		mutate(&c)
		wantErr(t, c.Validate(), strings.TrimSpace(key))
	}
	if c := base; c.Security.Secrets != "refuse" {
		t.Errorf("security.secrets defaults to %q, want refuse", c.Security.Secrets)
	}
	for _, mode := range SecretModes {
		c := base
		c.Security.Secrets = mode
		if err := c.Validate(); err != nil {
			t.Errorf("security.secrets %s: %v", mode, err)
		}
	}
	for _, p := range []string{"openai", "ollama", "model2vec"} {
		c := base
		c.Embedding.Provider = p
		if err := c.Validate(); err != nil {
			t.Errorf("provider %s: %v", p, err)
		}
	}
}

func TestSetUnsetRoundTrip(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home") // does not exist yet
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(Set(home, "search.default_top_k", "5"))
	must(Set(home, "indexing.exclude_globs", "**/drafts/**, tmp/**"))
	must(Set(home, "indexing.memory_dirs", "~/notes"))
	must(Set(home, "embedding.api_key", "sk-abcdef123456"))
	want := `{
  "indexing": {
    "memory_dirs": [
      "~/notes"
    ],
    "exclude_globs": [
      "**/drafts/**",
      "tmp/**"
    ]
  },
  "search": {
    "default_top_k": 5
  },
  "embedding": {
    "api_key": "sk-abcdef123456"
  }
}
`
	if diff := cmp.Diff(want, readConfig(t, home)); diff != "" {
		t.Errorf("config.json (-want +got):\n%s", diff)
	}
	st, err := os.Stat(Path(home))
	must(err)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}

	c, err := load(home, nil)
	must(err)
	if c.Search.DefaultTopK != 5 || len(c.Indexing.ExcludeGlobs) != 2 {
		t.Errorf("loaded %+v", c)
	}

	// Setting a value equal to the default removes it; so does Unset.
	must(Set(home, "search.default_top_k", "10"))
	must(Unset(home, "indexing.exclude_globs"))
	must(Unset(home, "embedding.api_key"))
	must(Set(home, "indexing.memory_dirs", "memories")) // resolves to the default
	if got := readConfig(t, home); got != "{}\n" {
		t.Errorf("after resetting everything config.json = %q, want {}", got)
	}

	ents, _ := os.ReadDir(home)
	if len(ents) != 1 {
		t.Errorf("temp files left behind: %v", ents)
	}
}

func TestUnsetRelativeHome(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := Set("h", "indexing.memory_dirs", "notes"); err != nil {
		t.Fatal(err)
	}
	if err := Unset("h", "indexing.memory_dirs"); err != nil {
		t.Fatal(err)
	}
	if got := readConfig(t, "h"); got != "{}\n" {
		t.Errorf("config.json = %q, want {}", got)
	}
}

func TestSetErrors(t *testing.T) {
	home := t.TempDir()
	wantErr(t, Set(home, "search.top_k", "1"), `unknown key "search.top_k"`, "search.default_top_k, search.default_namespace")
	wantErr(t, Set(home, "search.default_top_k", "x"), "expected integer")
	wantErr(t, Set(home, "search.default_top_k", "0"), "search.default_top_k", "between 1 and 100")
	wantErr(t, Set(home, "indexing.namespace_rules", "a=b"), "indexing.namespace_rules")
	wantErr(t, Unset(home, "nope.x"), "valid sections")
	if _, err := os.Stat(Path(home)); !os.IsNotExist(err) {
		t.Errorf("failed Set wrote a file: %v", err)
	}

	// A broken file is reported, not overwritten.
	p := writeConfig(t, home, `{"search": {"top_k": 3}}`)
	wantErr(t, Set(home, "search.default_top_k", "3"), p, "search.top_k")
}

func TestSetTypes(t *testing.T) {
	home := t.TempDir()
	if err := Set(home, "indexing.namespace_rules", `[{"glob":"work/**","namespace":"work"}]`); err != nil {
		t.Fatal(err)
	}
	if err := Set(home, "indexing.max_file_bytes", "2048"); err != nil {
		t.Fatal(err)
	}
	c, err := load(home, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Indexing.MaxFileBytes != 2048 || len(c.Indexing.NamespaceRules) != 1 {
		t.Errorf("got %+v", c.Indexing)
	}
}

func TestParseTextKinds(t *testing.T) {
	// No current field is a bool or float, but parseText must handle them so
	// adding one later needs no parser changes.
	type probe struct {
		B bool
		F float64
	}
	pt := reflect.TypeFor[probe]()
	fb := &field{key: "x.b", typ: pt.Field(0).Type}
	ff := &field{key: "x.f", typ: pt.Field(1).Type}
	if v, err := fb.parseText("true"); err != nil || !v.Bool() {
		t.Errorf("bool: %v %v", v, err)
	}
	if _, err := fb.parseText("yes please"); err == nil {
		t.Error("bool: want error")
	}
	if v, err := ff.parseText("1.25"); err != nil || v.Float() != 1.25 {
		t.Errorf("float: %v %v", v, err)
	}
	if _, err := ff.parseText("NaN"); err == nil {
		t.Error("float NaN: want error")
	}
}

func TestGet(t *testing.T) {
	c := Default("/h")
	v, err := Get(c, "search.default_top_k")
	if err != nil || v != 10 {
		t.Errorf("Get = %v, %v", v, err)
	}
	v, err = Get(c, "indexing.memory_dirs")
	if err != nil || !reflect.DeepEqual(v, []string{"/h/memories"}) {
		t.Errorf("Get = %v, %v", v, err)
	}
	for _, k := range Keys() {
		if _, err := Get(c, k); err != nil {
			t.Errorf("Get(%q): %v", k, err)
		}
	}
	if _, err := Get(c, "search.nope"); err == nil {
		t.Error("want error")
	}
}

func TestRedacted(t *testing.T) {
	c := Default("/h")
	if r := c.Redacted(); r.Embedding.APIKey != "" {
		t.Errorf("empty key redacted to %q", r.Embedding.APIKey)
	}
	c.Embedding.APIKey = "sk-proj-abcdefgh1234"
	c.Embedding.BaseURL = "https://user:secret@example.com/v1"
	r := c.Redacted()
	if r.Embedding.APIKey != "****1234" {
		t.Errorf("APIKey = %q", r.Embedding.APIKey)
	}
	if strings.Contains(r.Embedding.BaseURL, "secret") {
		t.Errorf("BaseURL = %q", r.Embedding.BaseURL)
	}
	if c.Embedding.APIKey != "sk-proj-abcdefgh1234" {
		t.Error("Redacted modified the receiver")
	}
	c.Embedding.APIKey = "short"
	if r := c.Redacted(); r.Embedding.APIKey != "****" {
		t.Errorf("short key = %q", r.Embedding.APIKey)
	}
}

func TestValidNamespace(t *testing.T) {
	for _, ok := range []string{"default", "a", "proj:sub", "A-b_c.d", strings.Repeat("x", 64), "a:"} {
		if err := ValidNamespace(ok); err != nil {
			t.Errorf("ValidNamespace(%q) = %v", ok, err)
		}
	}
	bad := map[string]string{
		"":                      "empty",
		strings.Repeat("x", 65): "max 64",
		":x":                    "start with ':'",
		"a b":                   `' '`,
		"a/b":                   `'/'`,
		"café":                  `'é'`,
	}
	for ns, want := range bad {
		wantErr(t, ValidNamespace(ns), want)
	}
}

func TestKeys(t *testing.T) {
	want := []string{
		"embedding.api_key", "embedding.base_url", "embedding.breaker_seconds", "embedding.dimension", "embedding.model", "embedding.provider",
		"embedding.timeout_seconds", "indexing.chunk_max_chars", "indexing.chunk_min_chars", "indexing.chunk_target_chars",
		"indexing.exclude_globs", "indexing.max_file_bytes", "indexing.memory_dirs", "indexing.namespace_rules",
		"rerank.api_key", "rerank.base_url", "rerank.breaker_seconds", "rerank.candidates", "rerank.model", "rerank.provider",
		"rerank.timeout_seconds", "search.bm25_weight", "search.decay_half_life_days", "search.default_namespace", "search.default_top_k",
		"search.dense_weight", "search.fusion_guard", "search.mmr_lambda", "search.rrf_k",
		"security.secrets", "storage.backend", "storage.host", "storage.password_file", "storage.path", "storage.url",
	}
	if diff := cmp.Diff(want, Keys()); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
	if EnvName("indexing.memory_dirs") != "MEMTOMEM_INDEXING__MEMORY_DIRS" {
		t.Errorf("EnvName = %q", EnvName("indexing.memory_dirs"))
	}
}

func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"search":{"default_top_k":5}}`,
		`{"indexing":{"memory_dirs":["~/x","rel"],"namespace_rules":[{"glob":"a/**","namespace":"n"}]}}`,
		`{"indexing":{"chunk_min_chars":1,"chunk_target_chars":2,"chunk_max_chars":3}}`,
		`{"storage":{"path":"~"},"embedding":{"provider":"ollama","base_url":"http://h:1"}}`,
		"{\n\"search\": {,}}", `{"search":{"default_namespace":":x"}}`,
	} {
		f.Add([]byte(s))
	}
	home := f.TempDir()
	p := Path(home)
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := load(home, nil)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name %s: %v", p, err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Load succeeded with invalid config: %v", err)
		}
	})
}

package memtomem_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// frontEnds are the packages that talk to users and clients. They speak the
// Service (the root package) only, with its types (types.go) and the shared
// result views (internal/view), so that a new front end is a thin layer and
// a change to the store, the search engine, the indexer or the coordination
// protocol never reaches into one. Missing directories (a front end not yet
// written) are skipped.
var frontEnds = []string{"cmd/mm", "internal/cli", "internal/mcpserver", "internal/web", "internal/view"}

// internals are the packages front ends must not import (or any package
// below them).
var internals = []string{"internal/store", "internal/search", "internal/coord", "internal/index"}

const module = "github.com/memtomem/memtomem/"

func TestFrontEndsSpeakOnlyTheService(t *testing.T) {
	for _, dir := range frontEnds {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			continue
		}
		for _, v := range forbiddenImports(t, dir) {
			t.Errorf("%s: front ends must not import %s; use (or add) what the root package exports", v.file, v.path)
		}
	}
}

// The check above can fail: a file that imports the store is caught.
func TestBoundaryCheckCatchesAnImport(t *testing.T) {
	got := forbiddenImports(t, filepath.Join("testdata", "arch", "frontend"))
	if len(got) != 1 || got[0].path != module+"internal/store/sqlite" {
		t.Fatalf("violations in testdata/arch/frontend: %+v, want the one import of internal/store/sqlite", got)
	}
}

type violation struct{ file, path string }

// forbiddenImports lists the imports of internals in dir's Go files,
// whatever their build tags. Test files are left out: a test may set up its
// fixtures through the internals the code under test must not use.
func forbiddenImports(t *testing.T, dir string) []violation {
	t.Helper()
	var out []violation
	for _, v := range importsOf(t, dir) {
		if slices.ContainsFunc(internals, func(p string) bool {
			return v.path == module+p || strings.HasPrefix(v.path, module+p+"/")
		}) {
			out = append(out, v)
		}
	}
	return out
}

// importsOf lists the imports of dir's Go files, test files left out.
func importsOf(t *testing.T, dir string) []violation {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []violation
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			out = append(out, violation{f, path})
		}
	}
	return out
}

// The service opens stores by name through store.Open: the root package and
// the eval harness import no backend, so a new backend is one package that
// registers itself plus one line in internal/backends.
func TestServiceImportsNoBackend(t *testing.T) {
	for _, dir := range []string{".", "internal/eval", "internal/search", "internal/index"} {
		for _, f := range importsOf(t, dir) {
			if strings.HasPrefix(f.path, module+"internal/store/") || f.path == module+"internal/backends" {
				t.Errorf("%s imports %s; open stores with store.Open and let the binary link the backends (internal/backends)", f.file, f.path)
			}
		}
	}
}

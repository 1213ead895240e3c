package chunk

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"testing"
)

// recvType spells every receiver form as go/types does.
func TestRecvTypeAgreesWithGoTypes(t *testing.T) {
	src := `package p
type T struct{}
type G[K comparable, V any] struct{}
type H[K any] struct{}
func (T) A() {}
func (*T) B() {}
func (g G[K, V]) C() {}
func (h *H[K]) D() {}
func ((T)) E() {}
func (t (*T)) F() {}
func (g *G[_, V]) I() {}
`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		n++
		recv := fd.Recv.List[0].Type
		if got, want := recvType(recv), types.ExprString(recv); got != want {
			t.Errorf("%s: recvType %q, go/types %q", fd.Name.Name, got, want)
		}
	}
	if n != 7 {
		t.Fatalf("%d methods parsed, want 7", n)
	}
}

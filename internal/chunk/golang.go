package chunk

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
)

// splitGo makes one chunk per top-level declaration, so that a search for a
// function finds that function whole, named in the hierarchy as
// [package, "func (*Server) Run"]. The package clause with the imports (and
// any file header comment) is one more chunk. Comments between declarations
// go with the declaration that follows them, trailing ones with the last,
// so no text of the file is left unindexed. A file that does not parse is
// chunked as code.
func splitGo(d *doc, opt Options, path string) []Chunk {
	f, fset := parseGo(d.src, path)
	if f == nil {
		return splitCode(d, opt, path)
	}
	lineOf := func(p token.Pos) int { return fset.Position(p).Line - 1 } // 0-based
	pkg := f.Name.Name

	type part struct {
		end  int // last line, inclusive
		name string
	}
	headerEnd := lineOf(f.Name.End())
	var parts []part
	for _, decl := range f.Decls {
		if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			headerEnd = max(headerEnd, lineOf(g.End()))
			continue
		}
		parts = append(parts, part{end: lineOf(decl.End()), name: declName(decl)})
	}

	var out []Chunk
	emit := func(from, to int, hier []string) {
		out = append(out, piecesToChunks(splitSection(d.frags(from, to+1), opt), hier)...)
	}
	last := len(d.lines) - 1
	if len(parts) == 0 {
		headerEnd = last
	}
	emit(0, headerEnd, []string{pkg})
	prev := headerEnd
	for k, p := range parts {
		end := p.end
		if k == len(parts)-1 {
			end = last
		}
		if end <= prev {
			continue // shares its line with the previous declaration, already included
		}
		emit(prev+1, end, []string{pkg, p.name})
		prev = end
	}
	return out
}

// parseGo parses src, returning nil on any error (or a parser panic, which
// must not escape Split).
func parseGo(src []byte, path string) (f *ast.File, fset *token.FileSet) {
	defer func() {
		if recover() != nil {
			f = nil
		}
	}()
	fset = token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Base(path), src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil || f.Name == nil {
		return nil, nil
	}
	return f, fset
}

// recvType spells a method's receiver type as written: T, *T, T[K, V],
// (*T). (go/types' ExprString did this, at the cost of linking all of
// go/types into mm.)
func recvType(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + recvType(e.X)
	case *ast.ParenExpr:
		return "(" + recvType(e.X) + ")"
	case *ast.SelectorExpr:
		return recvType(e.X) + "." + e.Sel.Name
	case *ast.IndexExpr:
		return recvType(e.X) + "[" + recvType(e.Index) + "]"
	case *ast.IndexListExpr:
		args := make([]string, len(e.Indices))
		for i, x := range e.Indices {
			args[i] = recvType(x)
		}
		return recvType(e.X) + "[" + strings.Join(args, ", ") + "]"
	}
	return "_"
}

// declName names a declaration the way a reader would look for it:
// "func Name", "func (*Server) Run", "type Config", "const (A, B, C, …)".
func declName(decl ast.Decl) string {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) > 0 {
			return "func (" + recvType(d.Recv.List[0].Type) + ") " + d.Name.Name
		}
		return "func " + d.Name.Name
	case *ast.GenDecl:
		var names []string
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				names = append(names, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					names = append(names, n.Name)
				}
			}
		}
		kw := d.Tok.String()
		switch {
		case len(names) == 0:
			return kw
		case len(names) == 1 && !d.Lparen.IsValid():
			return kw + " " + names[0]
		case len(names) > 3:
			names = append(names[:3], "…")
		}
		return kw + " (" + strings.Join(names, ", ") + ")"
	}
	return ""
}

package web

import (
	"bytes"
	"html"
	"net/http"
	"strconv"
	"strings"
)

// The pages are written by Go code, not by html/template: text/template
// calls methods through reflect.Value.MethodByName, which keeps the linker
// from dropping any exported method of any type in the binary; without it
// mm is 5 MB smaller and every `mm serve` idles at ~3 MiB less resident
// memory. The one rule html/template enforced is kept by the types below:
// markup is written only from constants, and everything else is escaped.

// markup is HTML this package writes itself. Only an untyped string
// constant becomes markup without a conversion, so a value read from a
// request or the store cannot be written unescaped by mistake: it goes
// through text, num or link.
type markup string

// doc is a page being written.
type doc struct {
	b    bytes.Buffer
	csrf string // the session's token, for the forms' hidden field
}

// raw writes markup.
func (d *doc) raw(m markup) *doc {
	d.b.WriteString(string(m))
	return d
}

// text writes s escaped, for an element's content or a quoted attribute
// value: & < > " ' become references, so s can neither open a tag nor
// leave the attribute.
func (d *doc) text(s string) *doc {
	d.b.WriteString(html.EscapeString(s))
	return d
}

// num writes an integer.
func (d *doc) num(n int) *doc {
	d.b.WriteString(strconv.Itoa(n))
	return d
}

// float writes a coordinate (shortest exact form, as fmt's %v).
func (d *doc) float(f float64) *doc {
	d.b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	return d
}

// link writes an href value. The pages link only to this server's own
// paths, which the handlers build with their parts escaped; anything else
// (another host, a javascript: URL) becomes "#" rather than a live link.
func (d *doc) link(u string) *doc {
	if !localPath(u) {
		u = "#"
	}
	return d.text(u)
}

// localPath reports whether u is a path on this server: one leading slash,
// not "//host" nor "/\host" (which browsers read as another host).
func localPath(u string) bool {
	return strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.HasPrefix(u, `/\`)
}

// csrfField writes the hidden field every form that changes something sends.
func (d *doc) csrfField() *doc {
	return d.raw(`<input type="hidden" name="csrf" value="`).text(d.csrf).raw(`">`)
}

// hidden writes a hidden form field.
func (d *doc) hidden(name markup, value string) *doc {
	return d.raw(`<input type="hidden" name="`).raw(name).raw(`" value="`).text(value).raw(`">`)
}

// page is one dashboard page: its title and what goes inside <main>.
type page interface {
	title() string
	body(d *doc)
}

// tabs are the navigation's entries, each a path of its own.
var tabs = []string{"search", "sources", "memories", "tags", "namespaces", "timeline", "status"}

// render writes p inside the layout, with nav the tab to highlight.
// Everything shown comes escaped (see doc): a memory's text is never
// written as HTML.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, nav string, p page) {
	d := &doc{csrf: s.sessions.csrf(r)}
	loggedIn := s.sessions.get(r) != nil || s.guard.HasToken(r)
	d.raw("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>").
		text(p.title()).raw(" · memtomem</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n</head>\n<body>\n<header>\n" +
		"  <a class=\"brand\" href=\"/search\">memtomem</a>\n")
	if loggedIn {
		d.raw("  <nav>\n")
		for _, t := range tabs {
			d.raw(`    <a href="/`).text(t).raw(`"`)
			if t == nav {
				d.raw(` class="here"`)
			}
			d.raw(`>`).text(t).raw("</a>\n")
		}
		d.raw("  </nav>\n")
	}
	d.raw("</header>\n<main>\n")
	if loggedIn {
		if flash := s.sessions.takeFlash(r); flash != "" {
			d.raw(`<p class="flash" role="status">`).text(flash).raw("</p>\n")
		}
	}
	p.body(d)
	d.raw("</main>\n</body>\n</html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(d.b.Bytes())
}

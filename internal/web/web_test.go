package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/web"
)

// dash is a running `mm web` (web.Serve on a free loopback port) over a
// real store in a temporary home.
type dash struct {
	t      *testing.T
	url    string
	login  string
	cfg    config.Config
	token  string
	client *http.Client // keeps cookies, does not follow redirects
	done   chan error
	cancel context.CancelFunc
}

func start(t *testing.T) *dash {
	t.Helper()
	cfg := config.Default(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	d := &dash{t: t, cfg: cfg, done: make(chan error, 1), cancel: cancel}
	ready := make(chan struct{})
	tokenFile := filepath.Join(cfg.Home, "http-token")
	go func() {
		d.done <- web.Serve(ctx, web.Options{
			Open: func(ctx context.Context) (*memtomem.Memory, error) {
				return memtomem.Open(ctx, cfg, memtomem.WithTransport("web"))
			},
			Addr:      "127.0.0.1:0",
			TokenFile: tokenFile,
			Ready:     func(u, l string) { d.url, d.login = u, l; close(ready) },
		})
	}()
	select {
	case <-ready:
	case err := <-d.done:
		t.Fatalf("web.Serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the dashboard did not listen within 10 s")
	}
	jar, _ := cookiejar.New(nil)
	d.client = &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-d.done:
			if err != nil {
				t.Errorf("web.Serve ended with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("the dashboard did not shut down within 30 s")
		}
	})
	return d
}

type answer struct {
	status int
	body   string
	header http.Header
}

func (d *dash) do(req *http.Request) answer {
	d.t.Helper()
	resp, err := d.client.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b), resp.Header}
}

func (d *dash) get(path string) answer {
	d.t.Helper()
	req, _ := http.NewRequest("GET", d.url+path, nil)
	return d.do(req)
}

// post sends a form as a browser on the dashboard's page does: with the
// dashboard's Origin.
func (d *dash) post(path string, form url.Values) answer {
	d.t.Helper()
	return d.postFrom(d.url, path, form)
}

func (d *dash) postFrom(origin, path string, form url.Values) answer {
	d.t.Helper()
	req, _ := http.NewRequest("POST", d.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return d.do(req)
}

func (d *dash) logIn() {
	d.t.Helper()
	u, _ := url.Parse(d.login)
	if a := d.get(u.RequestURI()); a.status != http.StatusSeeOther {
		d.t.Fatalf("login link: %d, want 303 to the dashboard", a.status)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf is the token in the forms of a page.
func (d *dash) csrf(path string) string {
	d.t.Helper()
	m := csrfField.FindStringSubmatch(d.get(path).body)
	if m == nil {
		d.t.Fatalf("no CSRF field on %s", path)
	}
	return m[1]
}

func TestLoginLinkWorksOnce(t *testing.T) {
	d := start(t)
	a := d.get("/search")
	if a.status != http.StatusUnauthorized || !strings.Contains(a.body, "login link") {
		t.Fatalf("no cookie: %d %q, want 401 and a page saying how to log in", a.status, a.body)
	}
	u, _ := url.Parse(d.login)
	a = d.get(u.RequestURI())
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/search" {
		t.Fatalf("login link: %d to %q, want 303 to /search", a.status, a.header.Get("Location"))
	}
	c := a.header.Get("Set-Cookie")
	if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") {
		t.Errorf("session cookie %q: want HttpOnly and SameSite=Strict", c)
	}
	if a := d.get("/search"); a.status != http.StatusOK {
		t.Fatalf("with the cookie: %d, want 200", a.status)
	}
	// The link is spent: another browser (no cookie) cannot use it again.
	fresh := &http.Client{CheckRedirect: d.client.CheckRedirect}
	resp, err := fresh.Get(d.login)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "used already") {
		t.Fatalf("login link used twice: %d %q, want 401 saying it was used", resp.StatusCode, b)
	}
}

func TestTokenLogsInAndBearerWorks(t *testing.T) {
	d := start(t)
	tok, err := loadToken(d)
	if err != nil {
		t.Fatal(err)
	}
	if a := d.postFrom(d.url, "/login", url.Values{"token": {"not-the-token-at-all"}}); a.status != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", a.status)
	}
	// A script with the bearer token needs no cookie (this request is
	// sent before any login, so the jar is empty).
	req, _ := http.NewRequest("GET", d.url+"/status", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if a := d.do(req); a.status != http.StatusOK {
		t.Errorf("bearer token: %d, want 200", a.status)
	}
	if a := d.postFrom(d.url, "/login", url.Values{"token": {tok}}); a.status != http.StatusSeeOther {
		t.Fatalf("right token: %d, want 303", a.status)
	}
	if a := d.get("/status"); a.status != http.StatusOK || !strings.Contains(a.body, "<td>web</td>") {
		t.Errorf("status after a token login: %d, want 200 listing this web instance:\n%s", a.status, a.body)
	}
}

func loadToken(d *dash) (string, error) {
	b, err := os.ReadFile(filepath.Join(d.cfg.Home, "http-token"))
	return strings.TrimSpace(string(b)), err
}

func TestForeignOriginAndHostRefused(t *testing.T) {
	d := start(t)
	d.logIn()
	csrf := d.csrf("/memories")
	a := d.postFrom("http://evil.example", "/memories", url.Values{"csrf": {csrf}, "content": {"planted"}})
	if a.status != http.StatusForbidden {
		t.Errorf("POST from a foreign origin: %d, want 403", a.status)
	}
	req, _ := http.NewRequest("GET", d.url+"/search", nil)
	req.Host = "rebound.example:80"
	if a := d.do(req); a.status != http.StatusForbidden {
		t.Errorf("foreign Host: %d, want 403", a.status)
	}
	if a := d.postFrom("", "/memories", url.Values{"csrf": {csrf}, "content": {"planted"}}); a.status != http.StatusForbidden {
		t.Errorf("POST with no Origin: %d, want 403", a.status)
	}
	if a := d.get("/memories"); strings.Contains(a.body, "planted") {
		t.Error("a refused POST added its memory")
	}
}

func TestMutationsNeedTheCSRFToken(t *testing.T) {
	d := start(t)
	d.logIn()
	for _, form := range []url.Values{{"content": {"no token"}}, {"content": {"wrong token"}, "csrf": {strings.Repeat("0", 64)}}} {
		if a := d.post("/memories", form); a.status != http.StatusForbidden || !strings.Contains(a.body, "CSRF") {
			t.Errorf("POST %v: %d, want 403 naming the CSRF token", form, a.status)
		}
	}
	if a := d.get("/memories"); strings.Contains(a.body, "no token") || strings.Contains(a.body, "wrong token") {
		t.Error("a POST without the CSRF token added its memory")
	}
	if a := d.get("/chunk/x/delete"); a.status != http.StatusMethodNotAllowed {
		t.Errorf("GET on a mutation: %d, want 405", a.status)
	}
}

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	d := start(t)
	for _, a := range []answer{d.get("/search"), d.get("/static/style.css")} {
		if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}
		if a.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("X-Content-Type-Options %q", a.header.Get("X-Content-Type-Options"))
		}
	}
}

// A memory is added, found, edited, shown in the timeline and deleted over
// HTTP, and markup in it is shown as text everywhere.
func TestMemoryRoundTripEscapesContent(t *testing.T) {
	d := start(t)
	d.logIn()
	const evil = `Rollback plan <script>alert("xss")</script> <img src=x onerror=alert(1)>`
	a := d.post("/memories", url.Values{"csrf": {d.csrf("/memories")}, "content": {evil}, "title": {"Rollback"}, "tags": {"ops, <b>bold</b>"}})
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), "/chunk/") {
		t.Fatalf("add: %d to %q, want 303 to the new chunk\n%s", a.status, a.header.Get("Location"), a.body)
	}
	chunkPath := a.header.Get("Location")
	for _, path := range []string{chunkPath, "/search?q=rollback", "/memories", "/tags"} {
		a := d.get(path)
		if a.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", path, a.status, a.body)
		}
		if strings.Contains(a.body, "<script>alert") || strings.Contains(a.body, "<img src=x") || strings.Contains(a.body, "<b>bold") {
			t.Errorf("%s shows the memory's markup as HTML:\n%s", path, a.body)
		}
	}
	if a := d.get(chunkPath); !strings.Contains(a.body, "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;") {
		t.Errorf("chunk page does not show the script as text:\n%s", a.body)
	}
	if a := d.get("/search?q=rollback"); !strings.Contains(a.body, `<small>bm25</small>`) {
		t.Errorf("search shows no score scale:\n%s", a.body)
	}
	if a := d.get("/timeline?days=7"); !strings.Contains(a.body, `data-count="1"`) {
		t.Errorf("the timeline does not show today's memory:\n%s", a.body)
	}

	edit := url.Values{"csrf": {d.csrf(chunkPath)}, "content": {"Rollback plan: redeploy the previous tag"}, "was_content": {evil},
		"title": {"Rollback"}, "was_title": {"Rollback"}, "tags": {"ops"}, "was_tags": {"ops, <b>bold</b>"}}
	a = d.post(chunkPath+"/edit", edit)
	if a.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", a.status, a.body)
	}
	chunkPath = a.header.Get("Location")
	if a := d.get(chunkPath); !strings.Contains(a.body, "redeploy the previous tag") || !strings.Contains(a.body, "Memory saved") {
		t.Errorf("after the edit the chunk page shows:\n%s", a.body)
	}
	a = d.post(chunkPath+"/delete", url.Values{"csrf": {d.csrf(chunkPath)}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/memories" {
		t.Fatalf("delete: %d to %q", a.status, a.header.Get("Location"))
	}
	if a := d.get("/memories"); strings.Contains(a.body, "redeploy") || !strings.Contains(a.body, "Deleted") {
		t.Errorf("after the delete the memories page shows:\n%s", a.body)
	}
	if a := d.get(chunkPath); a.status != http.StatusNotFound {
		t.Errorf("the deleted chunk: %d, want 404", a.status)
	}
}

func TestRenameAndDeleteTag(t *testing.T) {
	d := start(t)
	d.logIn()
	d.post("/memories", url.Values{"csrf": {d.csrf("/memories")}, "content": {"tagged memory"}, "tags": {"old"}})
	csrf := d.csrf("/tags")
	if a := d.post("/tags/rename", url.Values{"csrf": {csrf}, "from": {"old"}, "to": {"new"}}); a.status != http.StatusSeeOther {
		t.Fatalf("rename: %d\n%s", a.status, a.body)
	}
	a := d.get("/tags")
	if !strings.Contains(a.body, ">new</a>") || strings.Contains(a.body, ">old</a>") {
		t.Errorf("after renaming old to new, the tags page:\n%s", a.body)
	}
	d.post("/tags/delete", url.Values{"csrf": {csrf}, "name": {"new"}})
	if a := d.get("/tags"); strings.Contains(a.body, ">new</a>") {
		t.Errorf("after deleting the tag, the tags page:\n%s", a.body)
	}
}

// Deleting a namespace deletes its memories: the form's box must be ticked.
func TestDeleteNamespaceNeedsConfirmation(t *testing.T) {
	d := start(t)
	d.logIn()
	d.post("/memories", url.Values{"csrf": {d.csrf("/memories")}, "content": {"scratch note"}, "namespace": {"scratch"}})
	csrf := d.csrf("/namespaces")
	if a := d.post("/namespaces/delete", url.Values{"csrf": {csrf}, "name": {"scratch"}}); a.status != http.StatusBadRequest || !strings.Contains(a.body, "tick the box") {
		t.Fatalf("delete without confirmation: %d\n%s", a.status, a.body)
	}
	if a := d.get("/namespaces"); !strings.Contains(a.body, ">scratch</a>") {
		t.Fatal("the namespace went without confirmation")
	}
	if a := d.post("/namespaces/delete", url.Values{"csrf": {csrf}, "name": {"scratch"}, "confirm": {"yes"}}); a.status != http.StatusSeeOther {
		t.Fatalf("confirmed delete: %d\n%s", a.status, a.body)
	}
	if a := d.get("/memories"); strings.Contains(a.body, "scratch note") {
		t.Error("the namespace's memory is still listed after deleting it")
	}
}

var hrefAttr = regexp.MustCompile(`href="(/[^"]*)"`)

// The links the pages render lead where they say: a file's link lists that
// file's chunks alone, a tag's link that tag's memories, a namespace's
// that namespace's. (Query strings built in a template were escaped a
// second time once, which turned every such link into an unfiltered list.)
func TestLinksCarryTheirFilters(t *testing.T) {
	d := start(t)
	d.logIn()
	d.post("/memories", url.Values{"csrf": {d.csrf("/memories")}, "content": {"alpha memory in work"}, "tags": {"alpha"}, "namespace": {"work"}})
	d.post("/memories", url.Values{"csrf": {d.csrf("/memories")}, "content": {"beta memory in default"}, "tags": {"beta"}})
	links := func(page, prefix string) []string {
		t.Helper()
		var out []string
		for _, m := range hrefAttr.FindAllStringSubmatch(d.get(page).body, -1) {
			if u := html.UnescapeString(m[1]); strings.HasPrefix(u, prefix) {
				out = append(out, u)
			}
		}
		if len(out) == 0 {
			t.Fatalf("%s has no link to %s…", page, prefix)
		}
		return out
	}
	check := func(link, want, notWant string) {
		t.Helper()
		a := d.get(link)
		if a.status != http.StatusOK || !strings.Contains(a.body, want) || strings.Contains(a.body, notWant) {
			t.Errorf("%s (status %d) should show %q and not %q:\n%s", link, a.status, want, notWant, a.body)
		}
	}
	for _, link := range links("/sources", "/source?") {
		if strings.Contains(link, "work") {
			check(link, "alpha memory", "beta memory")
		} else {
			check(link, "beta memory", "alpha memory")
		}
	}
	for _, link := range links("/tags", "/memories?") {
		if strings.Contains(link, "alpha") {
			check(link, "alpha memory", "beta memory")
		}
	}
	for _, link := range links("/namespaces", "/memories?") {
		if strings.Contains(link, "work") {
			check(link, "alpha memory", "beta memory")
		}
	}
}

//go:build browser

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The dashboard in a real browser (Debian's chromium, headless, through
// chromedp): log in with the printed link, search, open a chunk, add, edit
// and delete a memory, see it in the timeline, and a memory holding
// <script> shown as text. A screenshot of every page goes to $MM_ARTIFACTS
// (or a temporary folder, printed) for a person to look at.
//
//	go test -tags browser -run TestDashboardInBrowser -v ./cmd/mm/
func TestDashboardInBrowser(t *testing.T) {
	chromium := os.Getenv("MM_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(chromium); err != nil {
		t.Fatalf("no chromium at %s (apt-get install chromium, or set MM_CHROMIUM): %v", chromium, err)
	}
	shots := os.Getenv("MM_ARTIFACTS")
	if shots == "" {
		var err error
		if shots, err = os.MkdirTemp("", "mm-artifacts-"); err != nil {
			t.Fatal(err)
		}
	}
	shots = filepath.Join(shots, "web")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)

	home := t.TempDir()
	for _, m := range []struct{ content, tags string }{
		{"Deploys use a blue-green rollout: switch the router only after health checks pass", "ops,deploy"},
		{"The staging database is rebuilt every night from the anonymised dump", "ops,db"},
		{"Prefer table-driven tests; name each case by what the user would notice", "go,testing"},
	} {
		if out, err := mmCommand(t, home, "add", m.content, "--tags", m.tags).CombinedOutput(); err != nil {
			t.Fatalf("mm add: %v\n%s", err, out)
		}
	}
	w := startWeb(t, home)

	userData := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(userData),
		chromedp.WindowSize(1200, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	// The first call starts the browser and must not carry a timeout (it
	// would stop the browser); every later step gets its own bound.
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	bounded := func() (context.Context, context.CancelFunc) { return context.WithTimeout(browser, time.Minute) }

	n := 0
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			n++
			return os.WriteFile(filepath.Join(shots, fmt.Sprintf("%02d-%s.png", n, name)), png, 0o644)
		})
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := bounded()
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\n(mm web log:\n%s)", what, err, w.log)
		}
	}
	get := func(what string, a chromedp.Action[string]) string {
		t.Helper()
		ctx, cancel := bounded()
		defer cancel()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	// waitText waits until the element sel holds want: a click that
	// submits a form answers with a new page, and the old one may still
	// be showing for a moment.
	waitText := func(sel, want string) string {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			ctx, cancel := context.WithTimeout(browser, 5*time.Second)
			got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
			cancel()
			if err == nil && strings.Contains(got, want) {
				return got
			}
			if time.Now().After(deadline) {
				ctx, cancel := context.WithTimeout(browser, 10*time.Second)
				chromedp.Do(ctx, shot("failed"))
				cancel()
				t.Fatalf("%s does not show %q within a minute (last: %q, %v)", sel, want, got, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	do("open the dashboard without logging in", chromedp.Navigate(w.url+"/status"), shot("not-logged-in"))
	do("open the login link", chromedp.Navigate(w.login), chromedp.WaitVisible(css(`input[name=q]`)))
	if loc := get("location", chromedp.Location()); !strings.HasSuffix(loc, "/search") {
		t.Fatalf("after the login link the browser is at %s, want /search", loc)
	}
	do("search", chromedp.SendKeys(css(`input[name=q]`), "blue-green rollout\n"))
	text := waitText(`ol.results`, "blue-green")
	do("search", shot("search"))
	if !strings.Contains(text, "bm25") {
		t.Errorf("search results show %q, want the score scale", text)
	}
	do("open a chunk", chromedp.Click(css(`ol.results li a.title`)))
	waitText(`pre.content`, "blue-green")
	do("chunk", shot("chunk"))

	const evil = `<script>document.title="pwned"</script> remember: rotate the <b>signing</b> keys`
	do("add a memory", chromedp.Navigate(w.url+"/memories"), chromedp.WaitVisible(css(`textarea[name=content]`)),
		chromedp.SetValue(css(`textarea[name=content]`), evil), chromedp.SetValue(css(`input[name=title]`), "Key rotation"),
		chromedp.SetValue(css(`input[name=tags]`), "security"), shot("memories-add"),
		chromedp.Click(css(`form[action="/memories"] button`)))
	waitText(`p.flash`, "Memory added")
	text = get("added memory", chromedp.Text(css(`pre.content`)))
	do("added", shot("added-script-as-text"))
	if !strings.Contains(text, `<script>document.title="pwned"</script>`) || !strings.Contains(text, "<b>signing</b>") {
		t.Errorf("the added memory shows as %q, want its markup as text", text)
	}
	ctx, cancel := bounded()
	elems, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("main script, main b").length`))
	cancel()
	if title := get("title", chromedp.Title()); err != nil || elems != 0 || strings.Contains(title, "pwned") {
		t.Errorf("the memory's markup became elements (%d script/b elements, %v; title %q)", elems, err, title)
	}

	do("edit it", chromedp.Click(css(`details.edit summary`)), chromedp.WaitVisible(css(`details.edit textarea`)),
		chromedp.SetValue(css(`details.edit textarea`), "remember: rotate the signing keys every 90 days"),
		chromedp.SetValue(css(`details.edit input[name=tags]`), "security, keys"), shot("edit-form"),
		chromedp.Click(css(`details.edit button`)))
	waitText(`p.flash`, "Memory saved")
	text = get("edited", chromedp.Text(css(`main`)))
	do("edited", shot("edited"))
	if !strings.Contains(text, "every 90 days") || !strings.Contains(text, "keys") || strings.Contains(text, "<script>") {
		t.Errorf("after the edit the page shows %q", text)
	}

	today := time.Now().Format(time.DateOnly)
	bar := css(`rect.bar[data-day="` + today + `"]`)
	count := func() string {
		t.Helper()
		ctx, cancel := bounded()
		defer cancel()
		a, err := chromedp.Run(ctx, chromedp.AttributeValue(bar, "data-count"))
		if err != nil {
			t.Fatalf("today's bar: %v", err)
		}
		return a.Value
	}
	do("timeline", chromedp.Navigate(w.url+"/timeline?days=30"), chromedp.WaitVisible(css(`svg.chart`)), shot("timeline"))
	if c := count(); c != "4" {
		t.Errorf("the timeline shows %q memories today, want 4", c)
	}

	do("tags, namespaces, sources", chromedp.Navigate(w.url+"/tags"), chromedp.WaitVisible(css(`table`)), shot("tags"),
		chromedp.Navigate(w.url+"/namespaces"), chromedp.WaitVisible(css(`table`)), shot("namespaces"),
		chromedp.Navigate(w.url+"/sources"), chromedp.WaitVisible(css(`table`)), shot("sources"),
		chromedp.Click(css(`table a`)), chromedp.WaitVisible(css(`ol.results`)), shot("source-chunks"))
	if h := get("source", chromedp.Text(css(`h1`))); !strings.HasSuffix(h, ".md") {
		t.Errorf("the file's page is headed %q, want the file's name", h)
	}
	do("status", chromedp.Navigate(w.url+"/status"), chromedp.WaitVisible(css(`table`)), shot("status"))
	if text := get("status", chromedp.Text(css(`table`))); !strings.Contains(text, "web") {
		t.Errorf("status lists %q, want the web instance", text)
	}

	do("open the edited memory", chromedp.Navigate(w.url+"/memories"), chromedp.WaitVisible(css(`ol.results`)),
		chromedp.Click(css(`ol.results li a.title`)))
	waitText(`pre.content`, "every 90 days")
	do("delete it", chromedp.Click(css(`form.danger button`)))
	text = waitText(`p.flash`, "Deleted")
	do("deleted", shot("deleted"))
	if list := get("memories", chromedp.Text(css(`ol.results`))); strings.Contains(list, "every 90 days") {
		t.Errorf("after the delete the memories page still lists it: %q", list)
	}
	do("timeline after the delete", chromedp.Navigate(w.url+"/timeline?days=30"), chromedp.WaitVisible(css(`svg.chart`)))
	if c := count(); c != "3" {
		t.Errorf("after the delete the timeline shows %q today, want 3", c)
	}
}

package project

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// write creates path (and its folders) holding content.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// repo makes root/.git with the given config ("" writes no config).
func repo(t *testing.T, root, config string) string {
	t.Helper()
	mkdir(t, filepath.Join(root, ".git"))
	if config != "" {
		write(t, filepath.Join(root, ".git", "config"), config)
	}
	return root
}

func origin(url string) string {
	return "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = " + url + "\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
}

// namespace runs Find and returns the namespace a user would see, "" when
// Find reports no project.
func namespace(t *testing.T, dir string) string {
	t.Helper()
	p, ok, err := Find(dir)
	if err != nil {
		t.Fatalf("Find(%q): %v", dir, err)
	}
	if !ok {
		return ""
	}
	return p.Namespace()
}

func TestFindRemoteURLForms(t *testing.T) {
	for _, url := range []string{
		"https://github.com/owner/repo.git",
		"https://github.com/owner/repo",
		"https://github.com/owner/repo/",
		"https://github.com/owner/repo.git/",
		"http://user:pw@example.com:8080/a/b/repo.git",
		"git@github.com:owner/repo.git",
		"git@github.com:repo.git",
		"github.com:owner/repo",
		"ssh://git@host:22/owner/repo",
		"ssh://git@host:22/owner/repo.git",
		"git://host/owner/repo.git",
		"file:///x/y/repo",
		"file:///x/y/repo.git/",
		"/srv/git/repo.git",
		"../repo",
		"https://gitlab.com/group/sub/Repo.git?ref=main",
		"https://host/owner/%52epo",
	} {
		t.Run(url, func(t *testing.T) {
			root := repo(t, filepath.Join(t.TempDir(), "checkout"), origin(url))
			p, ok, err := Find(root)
			if err != nil || !ok {
				t.Fatalf("Find = %v, %v", ok, err)
			}
			if got := p.Namespace(); got != "project:repo" {
				t.Errorf("namespace = %q, want project:repo", got)
			}
			if p.Remote != url {
				t.Errorf("Remote = %q, want %q", p.Remote, url)
			}
			if p.Root != root {
				t.Errorf("Root = %q, want %q", p.Root, root)
			}
		})
	}
}

func TestFindWithoutRemoteUsesRootName(t *testing.T) {
	base := t.TempDir()
	// No config at all, and a config with only another remote.
	noCfg := repo(t, filepath.Join(base, "My Notes"), "")
	other := repo(t, filepath.Join(base, "tool"), "[remote \"upstream\"]\n\turl = https://x/other.git\n")
	if got := namespace(t, noCfg); got != "project:my-notes" {
		t.Errorf("no config: %q", got)
	}
	if got := namespace(t, other); got != "project:tool" {
		t.Errorf("other remote only: %q", got)
	}
	p, _, _ := Find(other)
	if p.Remote != "" {
		t.Errorf("Remote = %q, want none", p.Remote)
	}
}

func TestFindFromNestedFolder(t *testing.T) {
	root := repo(t, filepath.Join(t.TempDir(), "proj"), origin("git@github.com:me/memtomem.git"))
	deep := mkdir(t, filepath.Join(root, "a", "b", "c", "d"))
	file := filepath.Join(deep, "notes.md")
	write(t, file, "x")
	for _, dir := range []string{deep, file, filepath.Join(root, "a")} {
		p, ok, err := Find(dir)
		if err != nil || !ok {
			t.Fatalf("Find(%q) = %v, %v", dir, ok, err)
		}
		if p.Root != root || p.Namespace() != "project:memtomem" {
			t.Errorf("Find(%q) = %+v", dir, p)
		}
	}
}

func TestFindRelativeDir(t *testing.T) {
	root := repo(t, filepath.Join(t.TempDir(), "rel"), "")
	sub := mkdir(t, filepath.Join(root, "sub"))
	t.Chdir(sub)
	if got := namespace(t, "."); got != "project:rel" {
		t.Errorf("namespace(.) = %q", got)
	}
}

func TestFindInnermostRepoWins(t *testing.T) {
	outer := repo(t, filepath.Join(t.TempDir(), "outer"), origin("https://h/o/outer.git"))
	inner := repo(t, filepath.Join(outer, "vendor", "inner"), origin("https://h/o/inner.git"))
	if got := namespace(t, mkdir(t, filepath.Join(inner, "x"))); got != "project:inner" {
		t.Errorf("got %q", got)
	}
	if got := namespace(t, filepath.Join(outer, "vendor")); got != "project:outer" {
		t.Errorf("got %q", got)
	}
}

func TestFindNoRepo(t *testing.T) {
	dir := mkdir(t, filepath.Join(t.TempDir(), "plain", "folder"))
	p, ok, err := Find(dir)
	// The temp dir could in principle sit inside a repository; only insist
	// the walk did not stop inside our tree.
	if err != nil {
		t.Fatal(err)
	}
	if ok && strings.HasPrefix(p.Root, filepath.Dir(filepath.Dir(dir))) {
		t.Errorf("found a repository at %q", p.Root)
	}
}

func TestFindMissingDirIsError(t *testing.T) {
	if _, ok, err := Find(filepath.Join(t.TempDir(), "missing")); err == nil || ok {
		t.Errorf("Find(missing) = %v, %v; want error", ok, err)
	}
}

func TestFindGitFileWorktree(t *testing.T) {
	base := t.TempDir()
	main := repo(t, filepath.Join(base, "main"), origin("git@github.com:owner/upstream-name.git"))
	wtGit := mkdir(t, filepath.Join(main, ".git", "worktrees", "feature"))
	write(t, filepath.Join(wtGit, "commondir"), "../..\n")
	// Relative gitdir, resolved against the folder holding the .git file.
	wt := mkdir(t, filepath.Join(base, "feature-checkout"))
	write(t, filepath.Join(wt, ".git"), "gitdir: ../main/.git/worktrees/feature\n")
	p, ok, err := Find(mkdir(t, filepath.Join(wt, "src")))
	if err != nil || !ok {
		t.Fatalf("Find = %v, %v", ok, err)
	}
	if p.Root != wt || p.Namespace() != "project:upstream-name" {
		t.Errorf("worktree: %+v ns=%q", p, p.Namespace())
	}

	// Absolute gitdir, and a commondir given as an absolute path.
	wt2 := mkdir(t, filepath.Join(base, "wt2"))
	wt2Git := mkdir(t, filepath.Join(main, ".git", "worktrees", "wt2"))
	write(t, filepath.Join(wt2Git, "commondir"), filepath.Join(main, ".git")+"\r\n")
	write(t, filepath.Join(wt2, ".git"), "gitdir: "+wt2Git+"\n")
	if got := namespace(t, wt2); got != "project:upstream-name" {
		t.Errorf("absolute worktree: %q", got)
	}
}

func TestFindGitFileSubmodule(t *testing.T) {
	// A submodule's gitdir has its own config and no commondir.
	super := repo(t, filepath.Join(t.TempDir(), "super"), origin("https://h/o/super.git"))
	modGit := mkdir(t, filepath.Join(super, ".git", "modules", "lib"))
	write(t, filepath.Join(modGit, "config"), origin("https://h/o/libthing.git"))
	lib := mkdir(t, filepath.Join(super, "lib"))
	write(t, filepath.Join(lib, ".git"), "gitdir: ../.git/modules/lib\n")
	if got := namespace(t, lib); got != "project:libthing" {
		t.Errorf("submodule: %q", got)
	}
}

func TestFindMalformedFilesMeanNoRemote(t *testing.T) {
	base := t.TempDir()
	cases := map[string]func(root string){
		"garbage-git-file": func(root string) { write(t, filepath.Join(root, ".git"), "not a gitdir line\n") },
		"dangling-gitdir":  func(root string) { write(t, filepath.Join(root, ".git"), "gitdir: /nonexistent/x\n") },
		"empty-gitdir":     func(root string) { write(t, filepath.Join(root, ".git"), "gitdir:   \n") },
		"bad-config":       func(root string) { repo(t, root, "[remote \"origin\"\n\turl = https://h/o/wrong.git\n") },
		"unclosed-quote":   func(root string) { repo(t, root, "[remote \"origin\"]\n\turl = \"https://h/o/wrong.git\n") },
		"config-is-dir": func(root string) {
			repo(t, root, "")
			mkdir(t, filepath.Join(root, ".git", "config"))
		},
		"huge-config": func(root string) {
			repo(t, root, origin("https://h/o/wrong.git")+strings.Repeat("#", maxFileSize))
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			root := mkdir(t, filepath.Join(base, name))
			setup(root)
			p, ok, err := Find(root)
			if err != nil || !ok {
				t.Fatalf("Find = %v, %v", ok, err)
			}
			if p.Remote != "" || p.Namespace() != "project:"+name {
				t.Errorf("got %+v ns=%q", p, p.Namespace())
			}
		})
	}
}

func TestFindConfigSyntax(t *testing.T) {
	cases := map[string]string{
		"comments-and-other-remotes": `# top comment
; another
[remote "upstream"]
	url = https://h/o/upstream.git
[remote "origin"]   # trailing comment
	; url = https://h/o/commented.git
	fetch = +refs/heads/*:refs/remotes/origin/*
	url = https://h/o/repo.git ; comment after value
	url = https://h/o/second.git
[remote "fork"]
	url = https://h/o/fork.git
`,
		"quoted":           "[remote \"origin\"]\n\turl = \"https://h/o/repo.git\" # c\n",
		"quoted-with-hash": "[remote \"origin\"]\n\turl = \"/srv/a#b;c/repo\"\n",
		"uppercase":        "[Remote \"origin\"]\n\tURL = https://h/o/repo.git\n",
		"no-spaces":        "[remote \"origin\"]\nurl=https://h/o/repo.git\n",
		"crlf":             "[remote \"origin\"]\r\n\turl = https://h/o/repo.git\r\n",
		"same-line":        "[remote \"origin\"] url = https://h/o/repo.git\n",
		"old-style":        "[remote.origin]\n\turl = https://h/o/repo.git\n",
		"continuation":     "[remote \"origin\"]\n\turl = https://h/o/\\\nrepo.git\n",
		"no-final-newline": "[remote \"origin\"]\n\turl = https://h/o/repo.git",
		"escaped-quote":    "[remote \"origin\"]\n\turl = \"https://h/o/\\\"repo\\\".git\"\n",
		"bool-keys-before": "[remote \"origin\"]\n\tmirror\n\tprune = true\n\turl = https://h/o/repo.git\n",
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			root := repo(t, filepath.Join(t.TempDir(), "dir"), cfg)
			if got := namespace(t, root); got != "project:repo" {
				t.Errorf("namespace = %q, want project:repo", got)
			}
		})
	}
	// Subsections are case-sensitive in git: "Origin" is another remote.
	root := repo(t, filepath.Join(t.TempDir(), "dir"), "[remote \"Origin\"]\n\turl = https://h/o/repo.git\n")
	if got := namespace(t, root); got != "project:dir" {
		t.Errorf("remote \"Origin\": %q, want project:dir", got)
	}
}

func TestOriginURLValue(t *testing.T) {
	got := originURL([]byte("[remote \"origin\"]\n\turl =   a  b\t \"c d\"  # x\n"))
	// Like git: one space per blank outside quotes, quoted text verbatim.
	if got != "a  b  c d" {
		t.Errorf("originURL = %q", got)
	}
	if got := originURL([]byte("[remote \"origin\"]\n\turl = a\\nb\n")); got != "" {
		t.Errorf("url with escaped newline = %q, want rejected", got)
	}
}

func TestHostileNames(t *testing.T) {
	long := strings.Repeat("a", 300)
	cases := []struct{ url, want string }{
		{"https://h/o/..%2F..%2Fetc", "project:etc"},
		{"../../etc", "project:etc"},
		{"git@h:o/....", ""},
		{"https://h/o/Ünïcødé-Repo", "project:n-c-d-repo"},
		{"https://h/o/日本語", ""},
		{"https://h/o/My_Repo.v2", "project:my_repo.v2"},
		{"https://h/o/--a--b--", "project:a-b"},
		{"https://h/o/a b\tc", "project:a-b-c"},
		{"\"https://h/o/repo#frag\"", "project:repo"},
		{"https://h/o/" + long, "project:" + long[:MaxNameLen]},
		{"https://h/o/" + strings.Repeat("a", MaxNameLen-1) + "-bbb", "project:" + strings.Repeat("a", MaxNameLen-1)},
	}
	for _, c := range cases {
		t.Run(c.url[:min(len(c.url), 40)], func(t *testing.T) {
			// A root name that sanitises to nothing, so an empty url name
			// leaves no project at all.
			root := repo(t, filepath.Join(t.TempDir(), "___", "..."), origin(c.url))
			got := namespace(t, root)
			if got != c.want {
				t.Errorf("namespace = %q, want %q", got, c.want)
			}
			if len(got) > 64 {
				t.Errorf("namespace is %d bytes", len(got))
			}
		})
	}
}

func TestUnusableRemoteNameFallsBackToRoot(t *testing.T) {
	root := repo(t, filepath.Join(t.TempDir(), "Fallback"), origin("https://h/o/日本語"))
	if got := namespace(t, root); got != "project:fallback" {
		t.Errorf("namespace = %q", got)
	}
}

func TestNoUsableNameIsNotAProject(t *testing.T) {
	root := repo(t, filepath.Join(t.TempDir(), "日本"), "")
	p, ok, err := Find(root)
	if err != nil || ok {
		t.Errorf("Find = %+v, %v, %v; want ok=false", p, ok, err)
	}
}

func TestNamespaceSanitisesHandBuiltProject(t *testing.T) {
	if got := (Project{Name: "../Hand Built/"}).Namespace(); got != "project:hand-built" {
		t.Errorf("got %q", got)
	}
	if got := (Project{}).Namespace(); got != "" {
		t.Errorf("empty name: %q", got)
	}
}

func FuzzConfigURL(f *testing.F) {
	f.Add([]byte(origin("https://github.com/owner/repo.git")))
	f.Add([]byte("[Remote \"origin\"]\r\n URL = \"a\\\"b\" ; c\n"))
	f.Add([]byte("[remote.origin]\nurl=x\\\ny\n"))
	f.Add([]byte("[remote \"or\\igin\"] url = a\\nb"))
	f.Add([]byte("[\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		u := originURL(data)
		if strings.ContainsAny(u, "\n\r\x00") {
			t.Errorf("url %q has a line break or NUL", u)
		}
		if len(u) > len(data) {
			t.Errorf("url longer than its input")
		}
		_ = Project{Name: sanitize(nameFromURL(u))}.Namespace()
	})
}

var nsPattern = regexp.MustCompile(`^project:[a-z0-9_.-]{1,56}$`)

func FuzzNamespace(f *testing.F) {
	for _, s := range []string{"repo", "../../etc", "日本語", "--a--", "...", strings.Repeat("ab-", 40), "git@h:o/r.git", "https://h/o/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, ns := range []string{Project{Name: s}.Namespace(), Project{Name: nameFromURL(s)}.Namespace()} {
			if ns == "" {
				continue
			}
			name := strings.TrimPrefix(ns, Prefix)
			if !nsPattern.MatchString(ns) || strings.Contains(name, "--") ||
				strings.Trim(name, "-.") != name {
				t.Errorf("bad namespace %q from %q", ns, s)
			}
			if again := (Project{Name: name}).Namespace(); again != ns {
				t.Errorf("not idempotent: %q -> %q", ns, again)
			}
		}
	})
}

func TestFindWalkIsBounded(t *testing.T) {
	root := repo(t, filepath.Join(t.TempDir(), "top"), "")
	near, far := root, root
	for i := range maxDepth + 10 {
		far = filepath.Join(far, "d")
		if i < maxDepth-2 {
			near = far
		}
	}
	mkdir(t, far)
	if got := namespace(t, near); got != "project:top" {
		t.Errorf("within bound: %q", got)
	}
	if p, ok, err := Find(far); err != nil || (ok && p.Root == root) {
		t.Errorf("beyond bound found %+v, %v, %v", p, ok, err)
	}
}

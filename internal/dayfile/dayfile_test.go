package dayfile

import (
	"testing"
	"time"
)

var day = time.Date(2026, 12, 1, 15, 4, 5, 0, time.UTC)

func TestNameIsInjectiveOnLookAlikes(t *testing.T) {
	seen := map[string]string{}
	for _, ns := range []string{"default", "team:x", "team_x", "Team:x", "team:x:y", "team_x_y", "team:x_y", "a.b", "a-b"} {
		name := Name(day, ns, 1)
		if prev, ok := seen[name]; ok {
			t.Fatalf("%q and %q share the file name %s", prev, ns, name)
		}
		seen[name] = ns
	}
}

func TestNameRoundTrips(t *testing.T) {
	for _, ns := range []string{"default", "work", "team:x", "team_x", "a:b:c_d", "proj.one", "x-y", "archive:2026"} {
		for _, part := range []int{1, 2, 17} {
			name := Name(day, ns, part)
			info, ok := Parse(name)
			if !ok {
				t.Fatalf("Parse(%q) failed", name)
			}
			if got := info.Namespace(); got != ns {
				t.Errorf("%s: namespace %q, want %q", name, got, ns)
			}
			if info.Part != part || !info.Day.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("%s: part %d day %v", name, info.Part, info.Day)
			}
		}
	}
}

func TestParseOtherNames(t *testing.T) {
	for name, want := range map[string]string{
		"2026-12-01.md":       "default",
		"2026-12-01--work.md": "work", // older names without a digest
		"2026-12-01.3.md":     "default",
	} {
		info, ok := Parse(name)
		if !ok || info.Namespace() != want {
			t.Errorf("Parse(%q) = %+v, %v; want namespace %q", name, info, ok, want)
		}
	}
	for _, name := range []string{"notes.md", "2026-12-01.txt", "2026-13-01.md", "2026-12-01-0123456789abcdef.md", "2026-12-01.0.md", "x2026-12-01.md"} {
		if _, ok := Parse(name); ok {
			t.Errorf("Parse(%q) accepted a name that is not a day file", name)
		}
	}
}

func TestNamespaceFromKnown(t *testing.T) {
	// A slug the guesser cannot invert (say another tool lowered the case)
	// is still matched against namespaces the caller knows.
	ns := "Team:Alpha"
	info := Info{Slug: Slug(ns), Digest: Digest(ns), Part: 1}
	if got := info.Namespace("other", ns); got != ns {
		t.Fatalf("namespace %q, want %q", got, ns)
	}
	unknown := Info{Slug: "mystery", Digest: "0123456789abcdef", Part: 1}
	if got := unknown.Namespace(); got != "mystery" {
		t.Fatalf("unmatched digest: namespace %q, want the slug", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("2026-12-01--team_x-5d41402abc4b2a76.2.md")
	f.Add("2026-12-01.md")
	f.Fuzz(func(t *testing.T, name string) {
		info, ok := Parse(name)
		if !ok {
			return
		}
		ns := info.Namespace()
		if ns == "" {
			t.Fatalf("%q parsed to an empty namespace", name)
		}
		if info.Digest != "" && Digest(ns) == info.Digest {
			if again := Name(info.Day, ns, info.Part); again != name {
				t.Fatalf("%q parsed to %q part %d, which names %q", name, ns, info.Part, again)
			}
		}
	})
}

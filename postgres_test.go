package memtomem_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/pgtest"
)

// Two hosts share a PostgreSQL store: what one adds, the other finds at
// once; each edits only its own memories.
func TestTwoHostsShareAPostgresStore(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t)
	var cfg config.Config
	host := func(name string) *memtomem.Memory {
		cfg = config.Default(t.TempDir())
		cfg.Storage.Backend, cfg.Storage.URL, cfg.Storage.Host = "postgres", url, name
		m, err := memtomem.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	alice, bob := host("alice-laptop"), host("bob-desktop")
	if _, err := alice.Add(ctx, memtomem.AddRequest{Content: "The staging database moved to port 6543.", Tags: []string{"infra"}}); err != nil {
		t.Fatal(err)
	}
	res, err := bob.Search(ctx, memtomem.SearchRequest{Query: "staging database port"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 1 || !strings.Contains(res.Results[0].Content, "6543") {
		t.Fatalf("bob's search: %+v; want alice's memory", res.Results)
	}
	got := res.Results[0]
	if !strings.HasPrefix(got.Source, "//alice-laptop/") || !slices.Contains(got.Tags, "infra") {
		t.Fatalf("alice's memory seen from bob: source %q tags %v; want //alice-laptop/… and its tags", got.Source, got.Tags)
	}
	content := "edited by bob"
	_, err = bob.Edit(ctx, memtomem.EditRequest{ChunkID: got.ID, Content: &content})
	t.Logf("bob's edit of alice's memory: %v", err)
	var e *memtomem.Error
	if !errors.As(err, &e) || e.Kind != memtomem.KindRefused || !strings.Contains(err.Error(), "host alice-laptop") {
		t.Fatalf("bob edits alice's memory: %v; want a refusal", err)
	}
	res, err = alice.Search(ctx, memtomem.SearchRequest{Query: "staging database port"})
	if err != nil || len(res.Results) != 1 || !strings.Contains(res.Results[0].Content, "6543") || strings.HasPrefix(res.Results[0].Source, "//") {
		t.Fatalf("alice's own search after bob's refused edit: %+v, %v", res.Results, err)
	}
	// Each host's status lists every host's processes; a reset from
	// either is refused, naming them.
	st, err := alice.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, in := range st.Instances {
		hosts = append(hosts, in.Host)
	}
	if slices.Sort(hosts); !slices.Equal(hosts, []string{"alice-laptop", "bob-desktop"}) {
		t.Fatalf("alice's status lists hosts %q; want both", hosts)
	}
	err = memtomem.Reset(ctx, cfg)
	if !errors.As(err, &e) || e.Kind != memtomem.KindRefused || !strings.Contains(err.Error(), "host alice-laptop") || !strings.Contains(err.Error(), "host bob-desktop") {
		t.Fatalf("reset while both hosts have the store open: %v; want a refusal naming both", err)
	}
}

// mm reset names what it deletes; a shared store's password is never shown.
func TestStoreWhereMasksThePassword(t *testing.T) {
	cfg := config.Default(t.TempDir())
	if got := memtomem.StoreWhere(cfg); got != cfg.DBPath() {
		t.Errorf("SQLite store: %q, want the database file %q", got, cfg.DBPath())
	}
	cfg.Storage.Backend, cfg.Storage.URL = "postgres", "postgres://mm:s3cret@db.example:5432/team"
	if got := memtomem.StoreWhere(cfg); strings.Contains(got, "s3cret") || !strings.Contains(got, "db.example:5432/team") || !strings.Contains(got, "every host") {
		t.Errorf("PostgreSQL store: %q; want the masked URL, saying it is every host's index", got)
	}
}

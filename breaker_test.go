package memtomem_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/breaker/breakertest"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
	"github.com/memtomem/memtomem/internal/provider"
)

// openFlaky opens a hybrid store against f with a breaker on a stepped
// clock (30s cool-down) and the given request timeout: short only where a
// test waits it out (a hanging provider), since on a loaded machine a
// provider that answers can take longer than a short one.
func openFlaky(t *testing.T, f *embedtest.Flaky, timeout time.Duration) (*memtomem.Memory, *breakertest.Clock) {
	t.Helper()
	br, clock := breakertest.New(30 * time.Second)
	cfg := config.Default(t.TempDir())
	cfg.Embedding = config.EmbeddingConfig{Provider: "openai", Model: "concepts", Dimension: 16, BaseURL: f.BaseURL()}
	m, err := memtomem.Open(context.Background(), cfg, memtomem.WithEmbedOptions(embed.Options{Options: provider.Options{
		Timeout: timeout, BackoffBase: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Breaker: br,
	}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, clock
}

// With the provider down, searches answer from keywords with a hint that
// names the provider, since when it is down and when it is tried again —
// never an error; a search in the open window sends no request; after the
// window one trial goes out, and once the provider is back the dense leg
// returns.
func TestDeadProviderSearchesKeywordsWithHint(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    embedtest.Mode
		timeout time.Duration
		cause   string
	}{
		{"refusing", embedtest.Refusing, 10 * time.Second, "refused the connection"},
		{"hanging", embedtest.Hanging, time.Second, "did not answer within 1s"},
		{"503", embedtest.Unavailable, 10 * time.Second, "status 503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := embedtest.NewFlaky(t, conceptEmbedder)
			m, clock := openFlaky(t, f, tc.timeout)
			ctx := context.Background()
			add(t, m, memtomem.AddRequest{Content: "Keep the sedan in the garage over winter"})
			add(t, m, memtomem.AddRequest{Content: "Postgres vacuum runs nightly"})

			f.Set(tc.mode)
			search := func() memtomem.SearchRequest { return memtomem.SearchRequest{Query: "sedan garage"} }
			for i := range 2 {
				before := f.Requests()
				resp, err := m.Search(ctx, search())
				if err != nil {
					t.Fatalf("search %d with the provider down: %v; want keyword results", i+1, err)
				}
				if len(resp.Results) != 1 || !strings.Contains(resp.Results[0].Content, "sedan") || resp.Results[0].ScoreScale != "bm25" {
					t.Fatalf("search %d: %+v; want the keyword hit alone", i+1, resp.Results)
				}
				hints := strings.Join(resp.Hints, "\n")
				for _, want := range []string{"keyword results only", "openai embeddings at " + f.BaseURL(), "unreachable since 23:00:00", tc.cause, "tried again after 23:00:30"} {
					if !strings.Contains(hints, want) {
						t.Errorf("search %d: hints %q lack %q", i+1, hints, want)
					}
				}
				u := resp.Unreachable
				if u == nil || u.Provider != "openai" || !u.Since.Equal(clock.Now()) || !u.RetryAt.Equal(clock.Now().Add(30*time.Second)) || !strings.Contains(u.Error, tc.cause) {
					t.Fatalf("search %d: structured outage %+v", i+1, u)
				}
				if i == 1 && f.Requests() != before {
					t.Fatalf("the second search in the open window made %d requests, want 0", f.Requests()-before)
				}
			}

			// Status says so too, without contacting the provider.
			before := f.Requests()
			st, err := m.Embedding(ctx)
			if err != nil || st.Unreachable == nil || !strings.Contains(st.Summary(), "unreachable since 23:00:00") || f.Requests() != before {
				t.Fatalf("status with the provider down: %+v %v (%d requests); want the outage, no request", st, err, f.Requests()-before)
			}

			// After the window: one trial request, still down.
			clock.Advance(30 * time.Second)
			before = f.Requests()
			resp, err := m.Search(ctx, search())
			if err != nil || resp.Unreachable == nil {
				t.Fatalf("trial search: %+v %v", resp, err)
			}
			want := 1 // a refused connection never reaches the server
			if tc.mode == embedtest.Refusing {
				want = 0
			}
			if f.Requests()-before != want {
				t.Fatalf("the trial search made %d requests, want %d (one attempt, no retries)", f.Requests()-before, want)
			}

			// Back: the next trial closes the breaker and the dense leg runs.
			f.Set(embedtest.Healthy)
			clock.Advance(30 * time.Second)
			resp, err = m.Search(ctx, memtomem.SearchRequest{Query: "automobile storage"})
			if err != nil || resp.Unreachable != nil || !slices.Contains(resp.Legs, "dense") {
				t.Fatalf("after recovery: %+v %v; want the dense leg back", resp, err)
			}
			if st, _ := m.Embedding(ctx); st.Unreachable != nil || !st.Active {
				t.Fatalf("status after recovery: %+v", st)
			}
			if len(resp.Results) == 0 || !strings.Contains(resp.Results[0].Content, "sedan") {
				t.Fatalf("after recovery the dense leg should find the sedan: %+v", resp.Results)
			}
		})
	}
}

// A provider that is down when a store is new never claims the store's
// embedding generation: the memory is saved and keyword-searchable, the
// store records no generation, and once the provider answers the next
// index run claims it and fills in the missing vector.
func TestFailedProviderNeverClaimsGeneration(t *testing.T) {
	f := embedtest.NewFlaky(t, conceptEmbedder)
	f.Set(embedtest.Unavailable)
	m, clock := openFlaky(t, f, 10*time.Second)
	ctx := context.Background()
	res := add(t, m, memtomem.AddRequest{Content: "Keep the sedan in the garage"})
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "keyword-searchable") {
		t.Errorf("the add should warn that it is not embedded: %+v", res.Warnings)
	}
	st, err := m.Embedding(ctx)
	if err != nil || st.Stored != "" || st.Active {
		t.Fatalf("after failed provider calls: %+v %v; want no stored generation", st, err)
	}
	resp, err := m.Search(ctx, memtomem.SearchRequest{Query: "sedan"})
	if err != nil || len(resp.Results) != 1 || resp.Unreachable == nil {
		t.Fatalf("keyword search with the provider down: %+v %v", resp, err)
	}
	if _, err := m.ApplyCurrentEmbedding(ctx, nil); err == nil || !strings.Contains(err.Error(), "nothing changed") {
		t.Fatalf("apply-current with the provider down: %v; want a refusal that changed nothing", err)
	}
	if st, _ := m.Embedding(ctx); st.Stored != "" {
		t.Fatalf("apply-current with the provider down claimed %q", st.Stored)
	}

	f.Set(embedtest.Healthy)
	clock.Advance(30 * time.Second)
	if _, err := m.Index(ctx, memtomem.IndexRequest{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	st, err = m.Embedding(ctx)
	if err != nil || st.Stored != "openai/concepts/16" || st.WithVector != 1 || st.Missing != 0 {
		t.Fatalf("after the provider came back: %+v %v; want the generation claimed and the vector backfilled", st, err)
	}
}

package postgres

import (
	"context"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/pgtest"
	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// exec runs statements on the store's database outside the backend.
func exec(t *testing.T, loc store.Location, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, loc.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func harness() storetest.Harness {
	return storetest.Harness{
		New: func(t *testing.T) store.Location {
			return store.Location{Backend: Name, URL: pgtest.New(t)}
		},
		SetSchema: func(t *testing.T, loc store.Location, version, readFloor, writeFloor int) {
			exec(t, loc,
				"UPDATE memtomem.meta SET value = '"+strconv.Itoa(version)+"' WHERE key = 'schema_version'",
				"UPDATE memtomem.meta SET value = '"+strconv.Itoa(readFloor)+"' WHERE key = 'read_floor'",
				"UPDATE memtomem.meta SET value = '"+strconv.Itoa(writeFloor)+"' WHERE key = 'write_floor'")
		},
		Snapshot: func(t *testing.T, loc store.Location) string {
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, loc.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var s string
			err = conn.QueryRow(ctx, `SELECT
				(SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM memtomem.meta) || '|' ||
				(SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'memtomem') || '|' ||
				(SELECT count(*) FROM memtomem.chunks)::text`).Scan(&s)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
}

func TestConformance(t *testing.T) { storetest.Run(t, harness()) }

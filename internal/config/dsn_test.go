package config

import (
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://mm:s3cret@db:5432/memtomem?sslmode=disable": "postgres://mm:xxxxx@db:5432/memtomem?sslmode=disable",
		"postgres://mm@db/memtomem":                             "postgres://mm@db/memtomem",
		"postgresql://db/m?password=s3cret&sslmode=require":     "postgresql://db/m?password=xxxxx&sslmode=require",
		"host=db user=mm password=s3cret dbname=m":              "host=db user=mm password=xxxxx dbname=m",
		"host=db password = 'it''s s3cret' dbname=m":            "host=db password = xxxxx dbname=m",
		"host=db PASSWORD=s3cret":                               "host=db PASSWORD=xxxxx",
		"":                                                      "",
	} {
		got := RedactDSN(in)
		if got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("RedactDSN(%q) leaks the password: %q", in, got)
		}
	}
}

func TestPostgresNeedsURL(t *testing.T) {
	c := Default(t.TempDir())
	c.Storage.Backend = "postgres"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "storage.url") {
		t.Fatalf("postgres without a URL: %v", err)
	}
	c.Storage.URL = "postgres://mm@127.0.0.1/memtomem"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Storage.Backend = "mysql"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "sqlite, postgres") {
		t.Fatalf("unknown backend: %v", err)
	}
}

package memtomem_test

import (
	"context"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"

	"github.com/memtomem/memtomem/internal/secret/secrettest"
)

// Every write path meets the same check: edit (content, title, tags) and
// import are refused like add, and the entry stays as it was.
func TestSecretRefusedOnEveryWritePath(t *testing.T) {
	m, _ := openTest(t)
	ctx := context.Background()
	tok := secrettest.SlackBotToken(1)
	res := add(t, m, memtomem.AddRequest{Content: "the alerts bot posts to #ops"})
	for name, req := range map[string]memtomem.EditRequest{
		"content": {ChunkID: res.ChunkIDs[0], Content: ptr("bot token: " + tok)},
		"title":   {ChunkID: res.ChunkIDs[0], Title: ptr(tok)},
		"tags":    {ChunkID: res.ChunkIDs[0], Tags: &[]string{"ops", tok}},
	} {
		if _, err := m.Edit(ctx, req); memtomem.KindOf(err) != memtomem.KindInvalid || !strings.Contains(err.Error(), "slack-bot-token") {
			t.Errorf("edit of the %s to a token: %v; want invalid input naming slack-bot-token", name, err)
		}
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "alerts bot"}); !containsAll(got, "the alerts bot posts to #ops") {
		t.Errorf("the entry changed: %q", got)
	}
	imp, err := m.Import(ctx, memtomem.Export{Version: memtomem.ExportVersion, Memories: []memtomem.ExportedMemory{
		{ID: "aaaa1111", Content: "bot token: " + tok, Namespace: "default"},
		{ID: "bbbb2222", Content: "imported clean memory about herons", Namespace: "default"},
	}})
	if err != nil || imp.Added != 1 || len(imp.Errors) != 1 || !strings.Contains(imp.Errors[0], "slack-bot-token") {
		t.Fatalf("import: %+v, %v; want the clean memory added and the token refused", imp, err)
	}
}

// In redact mode edit and import store the redacted text and say so.
func TestSecretRedactedOnEditAndImport(t *testing.T) {
	cfg := config.Default(t.TempDir())
	cfg.Security.Secrets = "redact"
	m, err := memtomem.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	tok := secrettest.SlackBotToken(2)
	res := add(t, m, memtomem.AddRequest{Content: "the alerts bot posts to #ops"})
	ed, err := m.Edit(ctx, memtomem.EditRequest{ChunkID: res.ChunkIDs[0], Content: ptr("the alerts bot posts to #ops with " + tok)})
	if err != nil || len(ed.Redacted) != 1 || ed.Redacted[0].Rule != "slack-bot-token" || len(ed.Warnings) != 1 {
		t.Fatalf("edit: %+v, %v", ed, err)
	}
	imp, err := m.Import(ctx, memtomem.Export{Version: memtomem.ExportVersion, Memories: []memtomem.ExportedMemory{
		{ID: "cccc3333", Content: "imported heron bot " + tok, Namespace: "default"},
	}})
	if err != nil || imp.Added != 1 || len(imp.Warnings) != 1 || !strings.Contains(imp.Warnings[0], "slack-bot-token") {
		t.Fatalf("import: %+v, %v", imp, err)
	}
	got := searchContents(t, m, memtomem.SearchRequest{Query: "bot"})
	if !containsAll(got, "posts to #ops with [REDACTED:slack-bot-token]", "imported heron bot [REDACTED:slack-bot-token]") || strings.Contains(strings.Join(got, "\n"), tok) {
		t.Fatalf("search: %q", got)
	}
}

func ptr(s string) *string { return &s }

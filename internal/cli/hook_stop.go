package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/text"
)

// The stop hook keeps the session summary the client wrote (Claude Code
// writes one when it compacts a conversation) as a memory, so the next
// session can find what this one did. It writes nothing of its own making:
// no summary from the client, no memory.
const (
	// transcriptTail is how much of the end of a transcript is read for
	// its latest summary; a transcript's summaries are near its end.
	transcriptTail = 8 << 20
	// summaryMax bounds a kept summary (cut at a rune boundary).
	summaryMax = 16 << 10
	// SessionSummaryTag marks the memories the stop hook writes.
	sessionSummaryTag = "session-summary"
)

// errNoSummary is the stop hook's quiet outcome: nothing to keep.
var errNoSummary = errors.New("no session summary in the hook input or the transcript: nothing kept")

// saveSessionSummary writes the session's summary as a memory, once per
// summary (a retry, or the same summary seen at SessionEnd after
// PostCompact, adds nothing).
func (a *app) saveSessionSummary(ctx context.Context, in hookInput) error {
	summary := strings.TrimSpace(in.CompactSummary)
	if summary == "" {
		summary = strings.TrimSpace(in.Summary)
	}
	if summary == "" && in.TranscriptPath != "" {
		var err error
		if summary, err = transcriptSummary(in.TranscriptPath); err != nil {
			return err
		}
	}
	if summary == "" {
		return errNoSummary
	}
	summary = text.Prefix(summary, summaryMax)
	m, err := a.openIn(ctx, in.Cwd)
	if err != nil {
		return err
	}
	defer m.Close()
	sum := sha256.Sum256([]byte(in.SessionID + "\x00" + summary))
	title := "Session summary " + time.Now().Format("2006-01-02")
	if in.Cwd != "" {
		title += " (" + filepath.Base(in.Cwd) + ")"
	}
	_, err = m.Add(ctx, memtomem.AddRequest{
		Content:        summary,
		Title:          title,
		Tags:           []string{sessionSummaryTag},
		IdempotencyKey: "session-summary-" + hex.EncodeToString(sum[:12]),
	})
	return err
}

// transcriptSummary is the latest summary in a Claude Code transcript (a
// JSONL file): a {"type":"summary","summary":…} line, or the user message
// a compaction writes (isCompactSummary). Only a regular .jsonl file is
// read, and only its last transcriptTail bytes.
func transcriptSummary(path string) (string, error) {
	if filepath.Ext(path) != ".jsonl" {
		return "", fmt.Errorf("transcript %s is not a .jsonl file: not read", path)
	}
	f, info, err := fspath.OpenRegular(path)
	if err != nil {
		return "", fmt.Errorf("transcript not read: %w", err)
	}
	defer f.Close()
	if info.Size() > transcriptTail {
		if _, err := f.Seek(info.Size()-transcriptTail, io.SeekStart); err != nil {
			return "", err
		}
	}
	sc := bufio.NewScanner(io.LimitReader(f, transcriptTail))
	sc.Buffer(make([]byte, 0, 64<<10), transcriptTail)
	latest := ""
	for sc.Scan() {
		if s := lineSummary(sc.Bytes()); s != "" {
			latest = s
		}
	}
	return latest, sc.Err()
}

// lineSummary is the summary a transcript line holds, or "".
func lineSummary(line []byte) string {
	if !bytes.Contains(line, []byte(`"summary"`)) && !bytes.Contains(line, []byte(`"isCompactSummary"`)) {
		return "" // most lines: skip the decoding
	}
	var l struct {
		Type             string `json:"type"`
		Summary          string `json:"summary"`
		IsCompactSummary bool   `json:"isCompactSummary"`
		Message          struct {
			Content json.RawMessage `json:"content"`
		} `json:"message"`
	}
	if json.Unmarshal(line, &l) != nil {
		return ""
	}
	switch {
	case l.Type == "summary":
		return strings.TrimSpace(l.Summary)
	case l.IsCompactSummary:
		return strings.TrimSpace(messageText(l.Message.Content))
	}
	return ""
}

// messageText is a message's text: its content string, or its text blocks.
func messageText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var blocks []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	json.Unmarshal(raw, &blocks)
	var parts []string
	for _, b := range blocks {
		if b.Type == "text" && b.Text != "" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n\n")
}

package mcpserver_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The three messages of a client that adds one memory and leaves.
const (
	rawInitialize  = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}`
	rawInitialized = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
)

func rawAdd(content string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"mem_add","arguments":{"content":%q}}}`, content)
}

// reply is one JSON-RPC response line.
type reply struct {
	ID     int `json:"id"`
	Result struct {
		IsError bool `json:"isError"`
	} `json:"result"`
	Error any `json:"error"`
}

// readReplies collects the response lines of out until it ends.
func readReplies(t *testing.T, out io.Reader) map[int]reply {
	t.Helper()
	got := map[int]reply{}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r reply
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("stdout line is not JSON-RPC: %q", sc.Text())
		}
		got[r.ID] = r
	}
	return got
}

// memoryFilesContain reports whether a markdown file under home/memories
// holds text.
func memoryFilesContain(t *testing.T, home, text string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(home, "memories", "*.md"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), text) {
			return true
		}
	}
	return false
}

func homeOf(t *testing.T, env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "MEMTOMEM_HOME="); ok {
			return v
		}
	}
	t.Fatal("no MEMTOMEM_HOME")
	return ""
}

// `printf '<initialize>\n<initialized>\n<tools/call mem_add>\n' | mm serve`:
// the call received just before the end of input is answered, and the
// memory is in the day file.
func TestProcessAnswersCallReceivedBeforeEOF(t *testing.T) {
	cmd := mmServe(t)
	home := homeOf(t, cmd.Env)
	cmd.Stdin = strings.NewReader(rawInitialize + "\n" + rawInitialized + "\n" + rawAdd("piped in just before the end of input") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mm serve: %v", err)
	}
	replies := readReplies(t, strings.NewReader(string(out)))
	if r, ok := replies[2]; !ok || r.Error != nil || r.Result.IsError {
		t.Fatalf("no successful reply to the tools/call before EOF; stdout:\n%s", out)
	}
	if !memoryFilesContain(t, home, "piped in just before the end of input") {
		t.Error("the memory is not in the day file")
	}
}

// SIGTERM sent right after a call is written (stdin still open): the call is
// answered before the process exits 0, and the memory is on disk.
func TestProcessAnswersCallReceivedBeforeSIGTERM(t *testing.T) {
	cmd := mmServe(t)
	home := homeOf(t, cmd.Env)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	// Wait for the handshake reply, so the signal handler is installed.
	if _, err := io.WriteString(stdin, rawInitialize+"\n"+rawInitialized+"\n"); err != nil {
		t.Fatal(err)
	}
	if !lines.Scan() {
		t.Fatalf("no initialize reply: %v", lines.Err())
	}
	if _, err := io.WriteString(stdin, rawAdd("written right before SIGTERM")+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	waitExit(t, cmd, 60*time.Second, "SIGTERM")
	replies := readReplies(t, strings.NewReader(rest.String()))
	if r, ok := replies[2]; !ok || r.Error != nil || r.Result.IsError {
		t.Fatalf("no successful reply to the call written before SIGTERM; stdout after the handshake:\n%s", rest.String())
	}
	if !memoryFilesContain(t, home, "written right before SIGTERM") {
		t.Error("the memory is not in the day file")
	}
}

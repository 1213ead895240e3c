package mcpserver_test

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/mcpserver"
)

// rawReply is one JSON-RPC response line, its id kept raw (null included).
type rawReply struct {
	ID     json.RawMessage `json:"id"`
	Result *struct {
		IsError bool `json:"isError"`
	} `json:"result"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// A real mm serve fed bad lines between good ones: each bad line gets a
// JSON-RPC error (-32700 for what is not JSON, -32600 for JSON that is not a
// valid message, or a line over the size bound), with the line's id when it
// has a usable one and null otherwise; the session goes on, the calls after
// them are answered (the last one though it ends without a newline), and
// the process exits 0 at the end of input.
func TestProcessAnswersBadLinesAndGoesOn(t *testing.T) {
	cmd := mmServe(t)
	home := homeOf(t, cmd.Env)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	replies := make(chan []rawReply, 1)
	go func() {
		var got []rawReply
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r rawReply
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Errorf("stdout line is not JSON-RPC: %q", sc.Text())
			}
			got = append(got, r)
		}
		replies <- got
	}()
	oversized := `{"jsonrpc":"2.0","id":50,"method":"ping","params":{"pad":"` + strings.Repeat("x", mcpserver.MaxFrameBytes) + `"}}`
	lines := []string{
		rawInitialize, rawInitialized,
		`{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"mem_add","arguments":{"content":`, // cut short
		`{"jsonrpc":"1.0","id":21,"method":"ping"}`,
		`"a string"`,
		`[]`,
		`{"jsonrpc":"2.0","id":"x22","method":5}`,
		oversized,
		``,
		rawAdd("still served after the bad lines"),
		`{"jsonrpc":"2.0","id":3,"method":"ping"}`,
	}
	go func() {
		for i, l := range lines {
			if i < len(lines)-1 {
				l += "\n" // the last line ends at the end of input, without one
			}
			if _, err := io.WriteString(stdin, l); err != nil {
				t.Errorf("write: %v", err)
				break
			}
		}
		stdin.Close()
	}()
	var got []rawReply
	select {
	case got = <-replies:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no end of output 60 s after the input ended")
	}
	waitExit(t, cmd, 30*time.Second, "end of input")

	byID := map[string][]rawReply{}
	for _, r := range got {
		byID[string(r.ID)] = append(byID[string(r.ID)], r)
	}
	errCode := func(id string, want int, what string) {
		t.Helper()
		rs := byID[id]
		if len(rs) == 0 || rs[0].Error == nil || rs[0].Error.Code != want {
			t.Errorf("%s: want an error %d with id %s, got %+v", what, want, id, rs)
			return
		}
		byID[id] = rs[1:]
	}
	errCode("null", -32700, "a line cut short")
	errCode("21", -32600, `"jsonrpc":"1.0"`)
	errCode("null", -32600, "a JSON string")
	errCode("null", -32600, "an empty batch")
	errCode(`"x22"`, -32600, "a method that is not a string")
	errCode("null", -32600, "a line over MaxFrameBytes")
	if rest := byID["null"]; len(rest) != 0 {
		t.Errorf("more id-null errors than bad lines: %+v", rest)
	}
	for _, id := range []string{"2", "3"} {
		if rs := byID[id]; len(rs) != 1 || rs[0].Error != nil || rs[0].Result == nil || rs[0].Result.IsError {
			t.Errorf("the call with id %s after the bad lines: %+v", id, rs)
		}
	}
	if !memoryFilesContain(t, home, "still served after the bad lines") {
		t.Error("the memory added after the bad lines is not in the day file")
	}
	// The cut-short mem_add and the oversized line ran nothing.
	if rs := byID["20"]; len(rs) != 0 {
		t.Errorf("a reply to the cut-short call: %+v", rs)
	}
	if rs := byID["50"]; len(rs) != 0 {
		t.Errorf("a reply to the oversized call: %+v", rs)
	}
}

// A real mm serve opened at protocol 2025-03-26, the last with JSON-RPC
// batches: a batch's calls are all run and answered together, as one array
// in the batch's order; a batch that repeats an id is refused whole, with
// an error that says so, and the session goes on.
func TestProcessServesBatches(t *testing.T) {
	cmd := mmServe(t)
	home := homeOf(t, cmd.Env)
	cmd.Stdin = strings.NewReader(strings.Join([]string{
		strings.Replace(rawInitialize, "2025-06-18", "2025-03-26", 1), rawInitialized,
		`[` + strings.Replace(rawAdd("stored from a batch"), `"id":2`, `"id":10`, 1) +
			`,{"jsonrpc":"2.0","id":"eleven","method":"ping"},{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}},{"jsonrpc":"2.0","id":12,"method":"ping"}]`,
		`[{"jsonrpc":"2.0","id":13,"method":"ping"},{"jsonrpc":"2.0","id":13,"method":"ping"}]`,
		`{"jsonrpc":"2.0","id":14,"method":"ping"}`,
	}, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mm serve: %v", err)
	}
	var batches [][]rawReply
	var single []rawReply
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(line, "[") {
			var b []rawReply
			if err := json.Unmarshal([]byte(line), &b); err != nil {
				t.Fatalf("a batch answer that is not JSON-RPC: %q", line)
			}
			batches = append(batches, b)
			continue
		}
		var r rawReply
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("a line that is not JSON-RPC: %q", line)
		}
		single = append(single, r)
	}
	if len(batches) != 1 {
		t.Fatalf("want one batch answer, got %d:\n%s", len(batches), out)
	}
	var ids []string
	for _, r := range batches[0] {
		ids = append(ids, string(r.ID))
		if r.Error != nil || r.Result == nil || r.Result.IsError {
			t.Errorf("batch answer %s failed: %+v", r.ID, r)
		}
	}
	if got := strings.Join(ids, " "); got != `10 "eleven" 12` {
		t.Errorf("batch answers for ids %s, want 10 \"eleven\" 12 (the calls, in the batch's order)", got)
	}
	if !memoryFilesContain(t, home, "stored from a batch") {
		t.Error("the mem_add of the batch is not in the day file")
	}
	var refused, pinged bool
	for _, r := range single {
		switch {
		case string(r.ID) == "null" && r.Error != nil && r.Error.Code == -32600 && strings.Contains(r.Error.Message, "repeats the id 13"):
			refused = true
		case string(r.ID) == "13":
			t.Errorf("a call of the refused batch was answered: %+v", r)
		case string(r.ID) == "14" && r.Error == nil:
			pinged = true
		}
	}
	if !refused || !pinged {
		t.Errorf("the batch repeating id 13 refused: %v; the ping after it answered: %v\n%s", refused, pinged, out)
	}
}

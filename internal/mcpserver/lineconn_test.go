package mcpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// syncBuffer is an output that tests read while the connection writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A batch's answers are held until the last of its calls is answered and
// then written as one array in the batch's order, whatever order the calls
// finish in; a second batch reusing the id of a call still pending is
// refused whole and not passed on; a plain message answered meanwhile goes
// out at once.
func TestLineConnBatches(t *testing.T) {
	pr, pw := io.Pipe()
	out := &syncBuffer{}
	w := &lineWriter{w: out}
	f := newFrames(pr, w, MaxFrameBytes)
	f.batches = true
	conn, err := (&lineTransport{in: f, out: w}).Connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		io.WriteString(pw, `[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"note"},{"jsonrpc":"2.0","id":"two","method":"b"}]`+"\n")
		io.WriteString(pw, `[{"jsonrpc":"2.0","id":1,"method":"again"}]`+"\n")
		io.WriteString(pw, `{"jsonrpc":"2.0","id":3,"method":"c"}`+"\n")
		pw.Close()
	}()
	var methods []string
	for range 4 {
		m, err := conn.Read(t.Context())
		if err != nil {
			t.Fatalf("read: %v (read so far: %v)", err, methods)
		}
		methods = append(methods, m.(*jsonrpc.Request).Method)
	}
	if got := strings.Join(methods, " "); got != "a note b c" {
		t.Errorf("read %q, want the batch's messages in order, then c (the batch reusing id 1 refused)", got)
	}
	if _, err := conn.Read(t.Context()); err != io.EOF {
		t.Errorf("read after the input ended: %v, want io.EOF", err)
	}
	answer := func(id any) {
		t.Helper()
		jid, err := jsonrpc.MakeID(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.Write(t.Context(), &jsonrpc.Response{ID: jid, Result: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	answer("two")
	answer(float64(3))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "reuses the id 1") || !strings.Contains(lines[1], `"id":3`) {
		t.Fatalf("before the batch's last answer, want the refusal and the answer to 3, got:\n%s", out.String())
	}
	answer(float64(1))
	lines = strings.Split(strings.TrimSpace(out.String()), "\n")
	want := `[{"jsonrpc":"2.0","id":1,"result":{}},{"jsonrpc":"2.0","id":"two","result":{}}]`
	if len(lines) != 3 || lines[2] != want {
		t.Errorf("after the batch's last answer, want the line\n%s\ngot:\n%s", want, out.String())
	}
}

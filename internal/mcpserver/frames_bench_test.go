package mcpserver

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkFrames measures what reading one message costs the stdio
// server: the SDK's own stdio transport (sdk) against mm serve's
// (lineTransport: each line checked, bad ones answered, decoded once), for
// a small call, a 4 kB one and a 100 kB mem_add (the largest content a
// memory may have).
//
//	go test -run '^$' -bench Frames -count 10 ./internal/mcpserver
func BenchmarkFrames(b *testing.B) {
	for _, size := range []int{100, 4_000, 100_000} {
		line := fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"mem_add","arguments":{"content":%q,"tags":["a","b"]}}}`+"\n", strings.Repeat("word ", size/5))
		for _, ours := range []bool{false, true} {
			name := fmt.Sprintf("%dB/sdk", len(line))
			if ours {
				name = fmt.Sprintf("%dB/lines", len(line))
			}
			b.Run(name, func(b *testing.B) {
				in := io.NopCloser(bytes.NewReader(bytes.Repeat([]byte(line), b.N)))
				var t mcp.Transport = &mcp.IOTransport{Reader: in, Writer: nopWriteCloser{}, MaxLineLength: -1}
				if ours {
					out := &lineWriter{w: io.Discard}
					t = &lineTransport{in: newFrames(in, out, MaxFrameBytes), out: out}
				}
				conn, err := t.Connect(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				defer conn.Close()
				b.SetBytes(int64(len(line)))
				b.ResetTimer()
				for range b.N {
					if _, err := conn.Read(b.Context()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

type nopWriteCloser struct{}

func (nopWriteCloser) Write(p []byte) (int, error) { return len(p), nil }
func (nopWriteCloser) Close() error                { return nil }

package mcpserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// MaxFrameBytes bounds one JSON-RPC message on stdio (one line). It is the
// go-sdk's own default bound, so no message that worked before is refused:
// it fits a mem_do import of a full export page of ordinary memories, and
// keeps one line from holding unbounded memory.
const MaxFrameBytes = 16 << 20

// frames reads mm serve's input, one JSON-RPC message (or batch) per line,
// and keeps one bad line from ending the session. The SDK's stdio transport
// decodes stdin as a stream of JSON values and ends the session on the
// first value it cannot read: a line of malformed JSON, a message that is
// not JSON-RPC 2.0, or a line over its size bound ended mm serve, and the
// client saw it go without a word. Here each line is decoded on its own; a
// bad one is answered with a JSON-RPC error (-32700 parse error, or -32600
// invalid request: id null unless the line has a usable one) and dropped,
// and reading goes on. lineConn hands the good ones to the SDK.
type frames struct {
	src   io.ReadCloser
	in    *bufio.Reader
	out   *lineWriter
	limit int

	// batches says whether JSON-RPC batches are valid in this session (see
	// checkBatch); it is decided by the client's initialize request.
	batches bool
}

func newFrames(in io.ReadCloser, out *lineWriter, limit int) *frames {
	return &frames{src: in, in: bufio.NewReaderSize(in, 64<<10), out: out, limit: limit}
}

// Close closes the input (the session closes it when it ends).
func (f *frames) Close() error { return f.src.Close() }

// message reads up to the next good line and returns its messages: one, or
// the items of a batch (batch true). Bad lines on the way are answered. The
// error is the input's end or failure, once no good line is left before it.
func (f *frames) message() (msgs []jsonrpc.Message, batch bool, err error) {
	for {
		line, tooLong, err := f.next()
		line = bytes.TrimSpace(line)
		switch {
		case tooLong:
			f.out.reply(nil, jsonrpc.CodeInvalidRequest, fmt.Sprintf("message refused: over %d MiB on one line (mm serve's bound for a JSON-RPC message); nothing of it was run", f.limit>>20))
		case len(line) == 0:
		default:
			msgs, batch, id, code, msg := f.check(line)
			if code == 0 {
				return msgs, batch, nil
			}
			f.out.reply(id, code, msg)
		}
		if err != nil {
			return nil, false, err
		}
	}
}

// next reads one line, up to the newline or the end of input. A line over
// the limit is read to its end but not kept (tooLong). Each line gets a
// buffer of its own: what is decoded from it may keep parts of it.
func (f *frames) next() (line []byte, tooLong bool, err error) {
	for {
		chunk, err := f.in.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(bytes.TrimRight(chunk, "\r\n")) > f.limit {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, tooLong, err
	}
}

// check decodes a line into its messages, or says what is wrong with it as
// a JSON-RPC error code and message (code 0: nothing) and the id to answer
// with.
func (f *frames) check(line []byte) (msgs []jsonrpc.Message, batch bool, id any, code int, msg string) {
	switch line[0] {
	case '{':
		// The SDK's own decoding (decodeMessage is the same, cheaper), so
		// that what passes is exactly what the SDK's transport passed on;
		// JSON validity is checked only to say why a line failed.
		m, err := decodeMessage(line)
		if err != nil {
			if !json.Valid(line) {
				return nil, false, nil, jsonrpc.CodeParseError, parseError(line)
			}
			return nil, false, usableID(line), jsonrpc.CodeInvalidRequest, "invalid request: " + err.Error()
		}
		if req, ok := m.(*jsonrpc.Request); ok && req.Method == "initialize" {
			f.batches = batchesAllowed(req.Params)
		}
		return []jsonrpc.Message{m}, false, nil, 0, ""
	case '[':
		if !json.Valid(line) {
			return nil, false, nil, jsonrpc.CodeParseError, parseError(line)
		}
		msgs, code, msg := f.checkBatch(line)
		return msgs, true, nil, code, msg
	default:
		if !json.Valid(line) {
			return nil, false, nil, jsonrpc.CodeParseError, parseError(line)
		}
		return nil, false, nil, jsonrpc.CodeInvalidRequest, "invalid request: a JSON-RPC message is an object"
	}
}

// parseError says why line is not JSON.
func parseError(line []byte) string {
	var v any
	err := json.Unmarshal(line, &v)
	return fmt.Sprintf("parse error: the line is not JSON (%v); send each message as one line of JSON", err)
}

// checkBatch decodes a batch (an array of messages), all of it or nothing:
// the SDK's transport ended the session on a batch it could not take, and
// its server still cannot take one from a client that opened the session at
// protocol 2025-06-18 or later.
func (f *frames) checkBatch(line []byte) ([]jsonrpc.Message, int, string) {
	if !f.batches {
		return nil, jsonrpc.CodeInvalidRequest, "invalid request: JSON-RPC batches are not part of MCP since protocol version 2025-06-18; send one message per line"
	}
	var items []json.RawMessage
	if err := json.Unmarshal(line, &items); err != nil || len(items) == 0 {
		return nil, jsonrpc.CodeInvalidRequest, "invalid request: an empty batch"
	}
	msgs := make([]jsonrpc.Message, 0, len(items))
	calls := map[jsonrpc.ID]bool{}
	for i, it := range items {
		m, err := decodeMessage(it)
		if err != nil {
			return nil, jsonrpc.CodeInvalidRequest, fmt.Sprintf("invalid request: batch item %d: %v; nothing of the batch was run", i, err)
		}
		if req, ok := m.(*jsonrpc.Request); ok && req.IsCall() {
			if calls[req.ID] {
				return nil, jsonrpc.CodeInvalidRequest, fmt.Sprintf("invalid request: batch item %d repeats the id %v; nothing of the batch was run", i, req.ID.Raw())
			}
			calls[req.ID] = true
		}
		msgs = append(msgs, m)
	}
	return msgs, 0, ""
}

// batchesAllowed says whether the SDK will take batches in a session the
// client opens with these initialize params: only at the two protocol
// versions before 2025-06-18 (a client asking for another version it does
// not serve gets the latest, which has none).
func batchesAllowed(params json.RawMessage) bool {
	var p struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	_ = json.Unmarshal(params, &p)
	return p.ProtocolVersion == "2024-11-05" || p.ProtocolVersion == "2025-03-26"
}

// usableID is the id of a line that is a JSON object, if it is a number or
// a string; nil otherwise (JSON-RPC answers with null then).
func usableID(line []byte) any {
	var m struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(line, &m) != nil {
		return nil
	}
	switch m.ID.(type) {
	case float64, string:
		return m.ID
	}
	return nil
}

// lineWriter serialises whole writes to the output, so that an error reply
// written by frames never lands in the middle of a response the SDK writes
// (the SDK writes each message with one Write call).
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// Close leaves the output open: a response still being written by another
// goroutine must not hit a closed file.
func (w *lineWriter) Close() error { return nil }

// reply writes a JSON-RPC error response. A failed write is not reported:
// the output is broken, and the session ends through the SDK's next write.
func (w *lineWriter) reply(id any, code int, msg string) {
	b, err := json.Marshal(struct {
		JSONRPC string `json:"jsonrpc"`
		ID      any    `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{JSONRPC: "2.0", ID: id, Error: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg}})
	if err != nil {
		return
	}
	_, _ = w.Write(append(b, '\n'))
}

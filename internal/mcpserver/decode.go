package mcpserver

import (
	"encoding/json"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// decodeMessage is jsonrpc.DecodeMessage, the SDK's own decoding, made
// cheap for the messages clients send nearly always. The SDK decodes
// through a stream decoder that allocates and clears a 32 KiB buffer for
// every value, twice per message, whatever its size; with many servers on
// few cores those buffers were a quarter of all CPU (docs/benchmarks.md,
// "where the rest of an add's time goes"), and the line check (frames)
// took two of the ten or more of a call. Here the common shape (the
// version tag, an id that is a plain string or an integer, a plain method
// name, no error object) is decoded with encoding/json into exactly the
// message the SDK would build, and everything else goes to the SDK.
// FuzzDecodeMessage holds the two to the same answer.
func decodeMessage(line []byte) (jsonrpc.Message, error) {
	if len(line) <= fastDecodeMax {
		if m, ok := decodeCommon(line); ok {
			return m, nil
		}
	}
	return jsonrpc.DecodeMessage(line)
}

// fastDecodeMax is the longest line decodeMessage decodes itself: the
// SDK's decoder costs its buffer and then little per byte, encoding/json
// more per byte. BenchmarkFrames (checked line plus the SDK's read), this
// way against the SDK's decoding, medians: 47 against 87 µs for a 219-byte call, 75
// against 69 µs for a 4 kB one.
const fastDecodeMax = 2 << 10

// decodeCommon decodes line when it has the common shape (see
// decodeMessage); ok is false for anything else, valid or not.
func decodeCommon(line []byte) (m jsonrpc.Message, ok bool) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(line, &fields) != nil {
		return nil, false
	}
	if string(fields["jsonrpc"]) != `"2.0"` {
		return nil, false
	}
	id, ok := plainID(fields["id"])
	if !ok {
		return nil, false
	}
	params := fields["params"]
	if raw, isRequest := fields["method"]; isRequest {
		method, ok := plainString(raw)
		if !ok {
			return nil, false
		}
		return &jsonrpc.Request{ID: id, Method: method, Params: params}, true
	}
	result, hasResult := fields["result"]
	if _, hasError := fields["error"]; hasError || !id.IsValid() || !hasResult {
		return nil, false
	}
	return &jsonrpc.Response{ID: id, Result: result}, true
}

// plainID is the id raw spells, when it is absent, null, a plain string
// (plainString) or an integer that a float64 holds exactly, so that the
// SDK's reading of every number as a float64 changes nothing.
func plainID(raw json.RawMessage) (jsonrpc.ID, bool) {
	switch {
	case raw == nil || string(raw) == "null":
		return jsonrpc.ID{}, true
	case raw[0] == '"':
		s, ok := plainString(raw)
		if !ok {
			return jsonrpc.ID{}, false
		}
		id, err := jsonrpc.MakeID(s)
		return id, err == nil
	}
	// raw is one JSON value: if it parses as an integer, it is one.
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n <= -1<<53 || n >= 1<<53 {
		return jsonrpc.ID{}, false
	}
	id, err := jsonrpc.MakeID(float64(n))
	return id, err == nil
}

// plainString is the JSON string raw spells when it needs no decoding:
// printable ASCII without escapes (raw is a JSON value, so a quote inside
// it would be escaped).
func plainString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	for _, c := range s {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return "", false
		}
	}
	return string(s), true
}

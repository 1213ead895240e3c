package mcpserver

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// FuzzDecodeMessage is a differential test: whatever line decodeCommon
// takes, the SDK's jsonrpc.DecodeMessage takes too and builds the very same
// message, so the line check lets through exactly what the SDK accepts.
//
//	go test -run '^$' -fuzz FuzzDecodeMessage ./internal/mcpserver
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range append(commonLines, decodeSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		fast, ok := decodeCommon(line)
		sdk, err := jsonrpc.DecodeMessage(line)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("%q: decoded as %#v, but the SDK refuses it: %v", line, fast, err)
		}
		if !reflect.DeepEqual(fast, sdk) {
			t.Fatalf("%q: decoded as %#v, the SDK as %#v", line, fast, sdk)
		}
	})
}

// commonLines are shapes clients send all the time.
var commonLines = []string{
	`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"mem_add","arguments":{"content":"x"}}}`,
	`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
	`{"jsonrpc":"2.0","id":"a-1","method":"ping","params":{}}`,
	`{"jsonrpc":"2.0","id":-3,"result":{"roots":[]}}`,
}

var decodeSeeds = []string{
	`{"jsonrpc":"2.0","id":9007199254740993,"method":"x"}`,
	`{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"no"}}`,
	`{"jsonrpc":"2.0","id":1.5,"method":"x"}`,
	`{"jsonrpc":"2.0","id":1e3,"method":"x"}`,
	`{"jsonrpc":"2.0","id":null,"method":"x","params":null}`,
	`{"jsonrpc":"2.0","id":"\u00e9","method":"tools\/call"}`,
	`{"jsonrpc":"2.0","jsonrpc":"1.0","id":1,"method":"x"}`,
	`{"JSONRPC":"2.0","id":1,"method":"x"}`,
	`{"jsonrpc":"2.0","id":1,"Method":"x","method":"y"}`,
	`{"jsonrpc":"2.0","id":1,"method":"x","params":[1, 2 ]}`,
	`{"jsonrpc":"2.0","id":12345678901234567890,"method":"x"}`,
	`{"jsonrpc":"2.0","id":true,"method":"x"}`,
	`{"jsonrpc":"2.0","id":1,"method":"x"} `,
	`{"jsonrpc":"2.0","id":1,"method":"x"}{}`,
	`{"jsonrpc":"2.0","id":1,"method":"x","params":"\xff"}`,
	`[{"jsonrpc":"2.0","id":1,"method":"x"}]`,
	`{"jsonrpc":"2.0","id":2}`,
	`{"jsonrpc":"2.0","result":{}}`,
	`null`,
}

// TestDecodeMessageCommonShapes checks that the messages clients send
// nearly always take the fast way (the point of decodeMessage), and that
// the SDK's answer is kept for what does not.
func TestDecodeMessageCommonShapes(t *testing.T) {
	for _, s := range commonLines {
		if _, ok := decodeCommon([]byte(s)); !ok {
			t.Errorf("%s: not decoded the fast way", s)
		}
	}
	for _, s := range []string{`{"jsonrpc":"2.0","id":true,"method":"x"}`, `{"jsonrpc":"1.0","id":1,"method":"x"}`, `{"jsonrpc":"2.0","result":{}}`} {
		_, want := jsonrpc.DecodeMessage([]byte(s))
		if _, err := decodeMessage([]byte(s)); fmt.Sprint(err) != fmt.Sprint(want) || err == nil {
			t.Errorf("%s: error %v, the SDK's is %v", s, err, want)
		}
	}
	big := `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"content":"` + strings.Repeat("w ", 50_000) + `"}}`
	if m, err := decodeMessage([]byte(big)); err != nil || len(m.(*jsonrpc.Request).Params) != len(big)-len(`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":}`) {
		t.Errorf("a 100 kB call: %v", err)
	}
}

package provider

import (
	"net/http"
	"strings"
	"testing"
)

func TestOptionsDefaults(t *testing.T) {
	o := Options{}.WithDefaults()
	if o.Timeout != DefaultTimeout || o.MaxRetries != 4 || o.HTTPClient == nil ||
		o.BackoffBase != DefaultBackoffBase || o.MaxBackoff != DefaultMaxBackoff {
		t.Fatalf("defaults %+v", o)
	}
	if o := (Options{MaxRetries: -1}).WithDefaults(); o.MaxRetries != 0 {
		t.Fatalf("MaxRetries -1 gave %d retries", o.MaxRetries)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	c := &Client{opts: Options{BackoffBase: 100, MaxBackoff: 1000}.WithDefaults()}
	for retry, want := range []int64{100, 200, 400, 800, 1000, 1000, 1000} {
		for range 20 {
			d := int64(c.backoff(retry, -1))
			if d < want/2 || d > want {
				t.Fatalf("retry %d: wait %d outside [%d, %d]", retry, d, want/2, want)
			}
		}
	}
	if d := c.backoff(0, 5000); d != 1000 {
		t.Fatalf("Retry-After 5000 gave %d, want the cap 1000", d)
	}
	if d := c.backoff(3, 0); d != 0 {
		t.Fatalf("Retry-After 0 gave %d", d)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	for v, want := range map[string]int64{"": -1, "abc": -1, "0": 0, "2": 2e9, "-5": 0, "1.5": 1.5e9} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := int64(retryAfter(h)); got != want {
			t.Errorf("Retry-After %q = %d, want %d", v, got, want)
		}
	}
	h := http.Header{"Retry-After": {"Mon, 02 Jan 2006 15:04:05 GMT"}} // in the past
	if got := retryAfter(h); got != 0 {
		t.Errorf("past date gave %v", got)
	}
}

func TestServerMessage(t *testing.T) {
	cases := map[string]string{
		`{"error":{"message":"bad  model","type":"x"}}`: "bad model",
		`{"error":"model not found"}`:                   "model not found",
		`{"detail":"Not Found"}`:                        "Not Found",
		`{"detail":[{"loc":["body"],"msg":"x"}]}`:       `[{"loc":["body"],"msg":"x"}]`,
		`{"message":"overloaded"}`:                      "overloaded",
		"plain\ntext":                                   "plain text",
		"<html><body>502</body></html>":                 "",
		strings.Repeat("é", 400):                        strings.Repeat("é", 150) + "…",
	}
	for in, want := range cases {
		if got := ServerMessage([]byte(in)); got != want {
			t.Errorf("ServerMessage(%.40q) = %q, want %q", in, got, want)
		}
	}
}

package provider

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/memtomem/memtomem/internal/breaker"
	"github.com/memtomem/memtomem/internal/text"
)

// Error is a provider failure. Its message always names the provider, what
// it serves and where it was reached (the endpoint URL, or a model
// directory for a local model) and, where we can tell, the setting to
// check. It never contains the API key: every message is scrubbed of it
// when the error is built.
type Error struct {
	Provider string // "openai", "ollama", "model2vec", "cohere", …
	// Kind is what the provider serves, as messages say it: "embeddings",
	// "model" (a local model directory), "reranker". "" reads as
	// "embeddings".
	Kind   string
	Where  string // endpoint URL (password masked) or model directory
	Status int    // HTTP status when the server answered, else 0
	// Temporary reports a failure that may go away by itself (rate limit,
	// server error, timeout, connection refused): a caller may try again
	// later, e.g. at the next index pass, rather than report a
	// misconfiguration.
	Temporary bool
	Msg       string // what happened and what to check, without the prefix
	Err       error  // the underlying cause, if any (context errors, I/O errors)
	// Outage is set when the endpoint's circuit breaker is open after this
	// failure: since when the provider is down and when it is tried again.
	Outage *breaker.OpenError
}

func (e *Error) Error() string {
	kind := e.Kind
	if kind == "" {
		kind = "embeddings"
	}
	return e.Provider + " " + kind + " at " + e.Where + " " + e.Msg
}

// Unwrap exposes the cause, so errors.Is(err, context.Canceled) works.
func (e *Error) Unwrap() error { return e.Err }

// OutageOf returns the breaker state carried by a provider error: non-nil
// when the provider's breaker is open, so callers (search) can say since
// when the provider is down and when it is tried again.
func OutageOf(err error) *breaker.OpenError {
	var e *Error
	if errors.As(err, &e) && e.Outage != nil {
		return e.Outage
	}
	return nil
}

// Scrub removes secret from s. It is applied to every message that may echo
// request data back (server bodies, transport errors), because some servers
// quote the key they rejected.
func Scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "****")
}

// ServerMessage extracts a short human message from an error response body:
// OpenAI's {"error":{"message":…}}, Ollama's and TEI's {"error":"…"},
// FastAPI's {"detail":…}, {"message":…}, or else the start of the text.
// It returns "" when there is nothing readable.
func ServerMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Detail  json.RawMessage `json:"detail"`
		Message string          `json:"message"`
	}
	msg := ""
	if json.Unmarshal(body, &v) == nil {
		var s string
		var nested struct {
			Message string `json:"message"`
		}
		switch {
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			msg = s
		case json.Unmarshal(v.Error, &nested) == nil && nested.Message != "":
			msg = nested.Message
		case json.Unmarshal(v.Detail, &s) == nil && s != "":
			msg = s
		case len(v.Detail) > 0 && string(v.Detail) != "null":
			msg = string(v.Detail)
		case v.Message != "":
			msg = v.Message
		}
	}
	if msg == "" && !LooksLikeHTML(body) {
		msg = string(body)
	}
	return TruncateText(strings.Join(strings.Fields(msg), " "), 300)
}

// TruncateText shortens s to at most n bytes on a rune boundary, marking
// the cut with an ellipsis.
func TruncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return text.Prefix(s, n) + "…"
}

// LooksLikeHTML reports a body that is a web page rather than an API
// answer: the usual symptom of a base URL pointing at a web UI or a proxy's
// error page.
func LooksLikeHTML(body []byte) bool {
	s := strings.TrimSpace(string(body[:min(len(body), 512)]))
	s = strings.ToLower(s)
	return strings.HasPrefix(s, "<!doctype html") || strings.HasPrefix(s, "<html") ||
		strings.HasPrefix(s, "<head") || strings.HasPrefix(s, "<body") ||
		(strings.HasPrefix(s, "<") && strings.Contains(s, "<html"))
}

// RedactURL masks a password in u for messages.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Redacted()
}

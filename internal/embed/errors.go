package embed

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/memtomem/memtomem/internal/breaker"
)

// Error is an embedding failure. Its message always names the provider and
// where it was reached (the endpoint URL, or the model directory for
// model2vec) and, where we can tell, the setting to check. It never contains
// the API key: every message is scrubbed of it when the error is built.
type Error struct {
	Provider string // "openai", "ollama", "model2vec"
	Where    string // endpoint URL (password masked) or model directory
	Status   int    // HTTP status when the server answered, else 0
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
	noun := "embeddings at"
	if e.Provider == "model2vec" {
		noun = "model at"
	}
	return e.Provider + " " + noun + " " + e.Where + " " + e.Msg
}

// Unwrap exposes the cause, so errors.Is(err, context.Canceled) works.
func (e *Error) Unwrap() error { return e.Err }

// OutageOf returns the breaker state carried by an embedding error: non-nil
// when the provider's breaker is open, so callers (search) can say since
// when the provider is down and when it is tried again.
func OutageOf(err error) *breaker.OpenError {
	var e *Error
	if errors.As(err, &e) && e.Outage != nil {
		return e.Outage
	}
	return nil
}

// scrub removes secret from s. It is applied to every message that may echo
// request data back (server bodies, transport errors), because some servers
// quote the key they rejected.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "****")
}

// serverMessage extracts a short human message from an error response body:
// OpenAI's {"error":{"message":…}}, Ollama's and TEI's {"error":"…"},
// FastAPI's {"detail":…}, {"message":…}, or else the start of the text.
// It returns "" when there is nothing readable.
func serverMessage(body []byte) string {
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
	if msg == "" && !looksLikeHTML(body) {
		msg = string(body)
	}
	return truncateText(strings.Join(strings.Fields(msg), " "), 300)
}

// truncateText shortens s to at most n bytes on a rune boundary.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// looksLikeHTML reports a body that is a web page rather than an API
// answer: the usual symptom of a base URL pointing at a web UI or a proxy's
// error page.
func looksLikeHTML(body []byte) bool {
	s := strings.TrimSpace(string(body[:min(len(body), 512)]))
	s = strings.ToLower(s)
	return strings.HasPrefix(s, "<!doctype html") || strings.HasPrefix(s, "<html") ||
		strings.HasPrefix(s, "<head") || strings.HasPrefix(s, "<body") ||
		(strings.HasPrefix(s, "<") && strings.Contains(s, "<html"))
}

// tooLongHint recognises a rejection for input beyond the model's context
// (OpenAI: "maximum context length", TEI: "must have less than 512
// tokens", 413 Payload Too Large) and says what to change.
func tooLongHint(status int, msg string) string {
	m := strings.ToLower(msg)
	if status == 413 || strings.Contains(m, "context length") || strings.Contains(m, "too long") ||
		(strings.Contains(m, "token") && (strings.Contains(m, "less than") || strings.Contains(m, "maximum") || strings.Contains(m, "exceed"))) {
		return "a text is too long for the model's context: use a model with a longer context, or lower indexing.chunk_max_chars"
	}
	return ""
}

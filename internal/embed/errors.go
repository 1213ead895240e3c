package embed

import (
	"strings"

	"github.com/memtomem/memtomem/internal/breaker"
	"github.com/memtomem/memtomem/internal/provider"
)

// Error is an embedding failure (provider.Error: the HTTP providers share
// their client with the reranker). Its message always names the provider
// and where it was reached (the endpoint URL, or the model directory for
// model2vec) and, where we can tell, the setting to check. It never
// contains the API key.
type Error = provider.Error

// OutageOf returns the breaker state carried by an embedding error: non-nil
// when the provider's breaker is open, so callers (search) can say since
// when the provider is down and when it is tried again.
func OutageOf(err error) *breaker.OpenError { return provider.OutageOf(err) }

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

package provider

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MaxResponseBytes bounds one answer. 64 texts of 4096 floats written as
// JSON are about 6 MiB; anything near this limit is not an answer of any
// provider.
const MaxResponseBytes = 64 << 20

// failure is one failed attempt.
type failure struct {
	err        *Error
	retryAfter time.Duration // from a Retry-After header; <0 when absent
	adjusted   bool          // the backend changed the request: send again at once
	// answered: the server sent an HTTP answer (it is up, if unhappy);
	// unsent: no request left this process. Neither: the transport failed
	// (refused, unreachable, timed out), which opens the breaker.
	answered, unsent bool
}

// attempt makes one request, bounded by Options.Timeout.
func (c *Client) attempt(ctx context.Context, encode func() ([]byte, error), decode func([]byte) string) *failure {
	body, err := encode()
	if err != nil {
		return &failure{unsent: true, err: c.Fail(0, false, err, "cannot encode the request: %v", err)}
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, c.spec.Endpoint, bytes.NewReader(body))
	if err != nil {
		return &failure{unsent: true, err: c.Fail(0, false, err, "cannot build the request: %v: check %s.base_url", err, c.spec.Section)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	// Embedding and rerank requests change nothing on the server, so they
	// may be sent again: marked so (a nil value is not sent), net/http
	// retries one on a new connection when a kept-alive one turns out to
	// have been closed by the server (an idle timeout, a proxy, a
	// restart). Without the mark a POST on such a connection fails with a
	// bare EOF, which opened the breaker against a provider that was up.
	req.Header["X-Idempotency-Key"] = nil
	if c.spec.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.spec.APIKey)
	}
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return c.transportFailure(ctx, reqCtx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		// A server that sends headers and then stalls is as dead as one
		// that never answers.
		return c.transportFailure(ctx, reqCtx, err)
	}
	var f *failure
	switch {
	case len(data) > MaxResponseBytes:
		f = &failure{err: c.Fail(resp.StatusCode, false, nil,
			"returned more than %d MiB (status %d): this is not %s; check %s.base_url", MaxResponseBytes>>20, resp.StatusCode, c.spec.Answer, c.spec.Section)}
	case resp.StatusCode/100 == 2:
		f = c.decodeAnswer(resp, data, decode)
	default:
		f = c.statusFailure(resp, data)
	}
	if f != nil {
		f.answered = true
	}
	return f
}

// decodeAnswer checks a 2xx answer is JSON and hands it to decode.
func (c *Client) decodeAnswer(resp *http.Response, data []byte, decode func([]byte) string) *failure {
	status := resp.StatusCode
	if LooksLikeHTML(data) || (strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") && !json.Valid(data)) {
		return &failure{err: c.Fail(status, false, nil,
			"returned an HTML page (status %d), not JSON: %s", status, c.wire.HTMLHint())}
	}
	if !json.Valid(data) {
		return &failure{err: c.Fail(status, false, nil,
			"returned something that is not JSON (status %d, starting %q): %s", status, TruncateText(string(data), 60), c.wire.HTMLHint())}
	}
	if problem := decode(data); problem != "" {
		return &failure{err: c.Fail(status, false, nil, "returned an unexpected answer (status %d): %s", status, problem)}
	}
	return nil
}

// statusFailure classifies an answer with a non-2xx status. Rate limits,
// timeouts and server errors are temporary; other client errors are not,
// because sending the same request again will fail the same way.
func (c *Client) statusFailure(resp *http.Response, data []byte) *failure {
	code := resp.StatusCode
	status := fmt.Sprintf("%d %s", code, http.StatusText(code))
	msg := ServerMessage(data)
	said := ""
	if msg != "" {
		said = ": " + msg
	} else if LooksLikeHTML(data) {
		said = " as an HTML page"
	}
	sec := c.spec.Section
	switch {
	case code == http.StatusTooManyRequests:
		return &failure{retryAfter: retryAfter(resp.Header),
			err: c.Fail(code, true, nil, "is rate-limiting requests (status %s)%s: wait, or check the account's rate limits and quota", status, said)}
	case code == http.StatusRequestTimeout || (code >= 500 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported):
		return &failure{retryAfter: retryAfter(resp.Header),
			err: c.Fail(code, true, nil, "failed with status %s%s: is the server healthy and the model loaded?", status, said)}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		if c.spec.APIKey == "" {
			return &failure{err: c.Fail(code, false, nil, "requires an API key (status %s)%s: set %s.api_key (or MEMTOMEM_%s__API_KEY)", status, said, sec, strings.ToUpper(sec))}
		}
		return &failure{err: c.Fail(code, false, nil, "rejected the API key (status %s)%s: check %s.api_key", status, said, sec)}
	}
	if c.wire.Adjust(code, msg) {
		return &failure{adjusted: true, err: c.Fail(code, false, nil, "rejected the request (status %s)%s", status, said)}
	}
	return &failure{err: c.Fail(code, false, nil, "rejected the request (status %s)%s: %s", status, said, c.wire.Hint(code, msg))}
}

// transportFailure classifies an error from sending the request or reading
// the answer. ctx is the caller's context, reqCtx the per-request one.
func (c *Client) transportFailure(ctx, reqCtx context.Context, err error) *failure {
	if errors.Is(ctx.Err(), context.Canceled) {
		return &failure{err: c.Cancelled(ctx)}
	}
	if ctx.Err() != nil {
		// The caller's deadline (a search waits a bounded time) passed
		// before the server answered: as dead as a timeout, for the caller.
		return &failure{retryAfter: -1, err: c.Fail(0, true, err,
			"did not answer before the call's deadline: is the server running and the model loaded?")}
	}
	var ne net.Error
	if errors.Is(reqCtx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &failure{retryAfter: -1, err: c.Fail(0, true, err,
			"did not answer within %v: is the server running and the model loaded?", c.opts.Timeout)}
	}
	// The *url.Error wrapper repeats the method and URL, which the prefix
	// already names.
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return &failure{retryAfter: -1, err: c.Fail(0, true, err, "refused the connection: %s", c.wire.UnreachableHint())}
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return &failure{err: c.Fail(0, false, err, "cannot be reached: unknown host %q: check %s.base_url", dnsErr.Name, c.spec.Section)}
	case errors.As(err, &certErr):
		return &failure{err: c.Fail(0, false, err, "presented a TLS certificate that cannot be verified (%v): check %s.base_url", inner, c.spec.Section)}
	}
	return &failure{retryAfter: -1, err: c.Fail(0, true, err, "could not be reached (%v): %s", inner, c.wire.UnreachableHint())}
}

// retryAfter parses a Retry-After header (seconds or an HTTP date); -1 when
// absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return -1
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || s != s {
			return 0
		}
		return time.Duration(min(s, 1e6) * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return -1
}

// backoff is the wait before retry number retry (0-based): a server's
// Retry-After when it sent one, else exponential from BackoffBase with
// jitter, so that many processes retrying at once spread out. Both are
// capped at MaxBackoff.
func (c *Client) backoff(retry int, retryAfter time.Duration) time.Duration {
	if retryAfter >= 0 {
		return min(retryAfter, c.opts.MaxBackoff)
	}
	d := c.opts.BackoffBase
	for range retry {
		if d >= c.opts.MaxBackoff/2 {
			d = c.opts.MaxBackoff
			break
		}
		d *= 2
	}
	d = min(d, c.opts.MaxBackoff)
	// "Equal jitter": at least half the computed wait, so the backoff
	// still grows, plus a random share of the other half.
	return d/2 + rand.N(d/2+1)
}

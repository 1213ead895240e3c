package provider

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/breaker"
	"github.com/memtomem/memtomem/internal/wait"
)

// Client sends one provider's requests to one endpoint. It is safe for
// concurrent use.
type Client struct {
	spec  Spec
	wire  Wire
	opts  Options
	where string // endpoint with any password masked, for messages
	br    *breaker.Breaker
}

// NewClient returns a client for spec's endpoint. Without opts.Breaker it
// uses the process's shared breaker of the endpoint, so every client of one
// endpoint learns of an outage from the first failure.
func NewClient(spec Spec, wire Wire, opts Options) *Client {
	opts = opts.WithDefaults()
	br := opts.Breaker
	if br == nil {
		br = breaker.Shared(spec.Endpoint, breaker.Options{Cooldown: opts.BreakerCooldown})
	}
	return &Client{spec: spec, wire: wire, opts: opts, where: RedactURL(spec.Endpoint), br: br}
}

// Options are the client's options, defaults filled in.
func (c *Client) Options() Options { return c.opts }

// Do POSTs the body encode builds (again for every attempt: Wire.Adjust
// may change it) and hands a 2xx JSON answer to decode, which returns ""
// when the answer is good, else what is wrong with it.
//
// It runs behind the endpoint's circuit breaker. While the breaker is
// closed, an answer saying the server is overloaded (429, 5xx) is retried
// with backoff, up to MaxRetries times and never past the caller's
// deadline. A failed transport (refused connection, timeout, unreachable
// host) is not retried: another attempt a moment later rarely finds the
// server back, and each would cost the caller as much again. The call's
// final failure of either kind opens the breaker; while it is open calls
// fail at once without a request, and when its cool-down is over one call
// makes a single trial attempt. A rejection on the request's merits (a
// 4xx) says the server is up: it keeps the breaker closed.
func (c *Client) Do(ctx context.Context, encode func() ([]byte, error), decode func(body []byte) string) error {
	for retry := 0; ; retry++ {
		trial, err := c.br.Allow()
		if err != nil {
			return c.unreachable(err.(*breaker.OpenError))
		}
		f := c.attempt(ctx, encode, decode)
		if f == nil {
			c.br.Success()
			return nil
		}
		if errors.Is(ctx.Err(), context.Canceled) || f.unsent {
			// The caller gave up, or nothing was sent: this says nothing
			// about the provider.
			if trial {
				c.br.Release()
			}
			if ctx.Err() != nil {
				return c.Cancelled(ctx)
			}
			return f.err
		}
		if f.answered && !f.err.Temporary {
			// The server is up and rejected the request on its merits.
			c.br.Success()
			if f.adjusted {
				retry-- // a changed request is a new request, not a retry
				continue
			}
			return f.err
		}
		pause := c.backoff(retry, f.retryAfter)
		if !f.answered || trial || retry >= c.opts.MaxRetries || pastDeadline(ctx, pause) {
			if retry > 0 {
				f.err.Msg += fmt.Sprintf(" (gave up after %d attempts)", retry+1)
			}
			c.br.Failure(f.err, max(f.retryAfter, 0))
			f.err.Outage = c.br.State()
			return f.err
		}
		// Not reported yet: the breaker stays closed while this call
		// retries, and another call's failure meanwhile stops the retries.
		if err := wait.Sleep(ctx, pause); err != nil {
			return c.Cancelled(ctx)
		}
	}
}

// pastDeadline reports that waiting d would end after ctx's deadline: the
// call gives up now rather than sleep into a failure.
func pastDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) <= d
}

// Down is the error a call would get now without contacting anyone:
// non-nil while the endpoint's breaker is open (for status displays).
func (c *Client) Down() error {
	if o := c.br.State(); o != nil {
		return c.unreachable(o)
	}
	return nil
}

// unreachable is the error of a call the open breaker refused.
func (c *Client) unreachable(o *breaker.OpenError) *Error {
	last := o.Cause.Error()
	var ee *Error
	if errors.As(o.Cause, &ee) {
		last = ee.Msg
	}
	return &Error{
		Provider: c.spec.Provider, Kind: c.spec.Kind, Where: c.where, Temporary: true, Err: o, Outage: o,
		Msg: Scrub(fmt.Sprintf("is unreachable since %s and is not tried again before %s (last failure: %s)",
			o.Since.Format(time.TimeOnly), o.RetryAt.Format(time.TimeOnly), last), c.spec.APIKey),
	}
}

// Fail builds an *Error for this endpoint, scrubbed of the API key.
func (c *Client) Fail(status int, temporary bool, cause error, format string, args ...any) *Error {
	return &Error{
		Provider: c.spec.Provider, Kind: c.spec.Kind, Where: c.where, Status: status, Temporary: temporary,
		Msg: Scrub(fmt.Sprintf(format, args...), c.spec.APIKey), Err: cause,
	}
}

// Cancelled is the error for a call whose context ended: it wraps the
// context's error so callers can tell it from a provider failure.
func (c *Client) Cancelled(ctx context.Context) *Error {
	return c.Fail(0, false, ctx.Err(), "request abandoned: %v", ctx.Err())
}

// ParseBaseURL parses the base_url setting of section (or def when it is
// empty), tolerating a trailing slash.
func ParseBaseURL(section, s, def string) (*url.URL, error) {
	if strings.TrimSpace(s) == "" {
		s = def
	}
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(s), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := s
		if err == nil {
			shown = u.Redacted()
		}
		return nil, fmt.Errorf("%s.base_url must be an http(s) URL such as %s, got %q", section, def, shown)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s.base_url must not carry a query or fragment, got %q", section, u.Redacted())
	}
	return u, nil
}

// JoinPath is base with path appended (base's own path kept: ".../v1").
func JoinPath(base *url.URL, path string) string {
	u := *base
	u.Path = strings.TrimRight(u.Path, "/") + path
	return u.String()
}

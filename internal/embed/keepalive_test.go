package embed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// A provider (or a proxy in front of it) that closes a kept-alive
// connection when the next request arrives on it is up: the request must be
// sent again on a new connection, not fail with a bare EOF that would open
// the breaker and drop the search to keywords.
func TestClosedKeepAliveConnectionIsRetried(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{} // client addresses that were answered once
	var marks int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		again := seen[r.RemoteAddr]
		seen[r.RemoteAddr] = true
		if _, ok := r.Header["X-Idempotency-Key"]; ok {
			marks++
		}
		mu.Unlock()
		if again {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close() // gone without an answer, as an idle timeout does
			}
			return
		}
		openAIAnswer(w, [][]float32{{1, 0}})
	}))
	t.Cleanup(srv.Close)
	opts := fastOpts()
	opts.MaxRetries = -1 // no retries of our own: the transport must do it
	e := mustNew(t, openAICfg(srv), opts)
	for i := range 3 {
		if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
			t.Fatalf("embed %d on a kept-alive connection the server closed: %v", i+1, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 3 {
		t.Fatalf("the server saw %d connections: the test did not reuse one", len(seen))
	}
	if marks != 0 {
		t.Errorf("the replay mark went out on the wire in %d requests", marks)
	}
}

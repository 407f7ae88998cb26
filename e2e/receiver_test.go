package e2e

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/server/hooks"
)

// eventReceiver answers 503 to its first request and 204 after, and keeps
// every delivery it was sent with whether its signature verified.
type eventReceiver struct {
	secret string
	mu     sync.Mutex
	n      int
	got    []hooks.Body
	bad    []string
}

func (r *eventReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if r.n == 1 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if err := hooks.Verify(r.secret, req.Header.Get(hooks.HeaderSignature), req.Header.Get(hooks.HeaderTimestamp), body, time.Now(), 5*time.Minute); err != nil {
		r.bad = append(r.bad, err.Error())
	}
	var b hooks.Body
	if err := json.Unmarshal(body, &b); err != nil || b.DeliveryID != req.Header.Get(hooks.HeaderDelivery) || b.Type != req.Header.Get(hooks.HeaderEvent) {
		r.bad = append(r.bad, "body "+string(body))
	}
	r.got = append(r.got, b)
	w.WriteHeader(http.StatusNoContent)
}

// serveAt starts h at addr (an address from freeAddr that a webhook
// already points at); the caller closes it.
func serveAt(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	return srv
}

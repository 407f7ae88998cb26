package server

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestSlowUploadsDoNotLockOutBatches: clients that send batch bodies
// slowly hold no batch slot while they send (bodies are spooled first,
// under a read deadline), so a batch that arrives whole is answered;
// the slow ones are cut off with 408 when the deadline passes. The server
// runs with HTTPServer's per-connection limits.
func TestSlowUploadsDoNotLockOutBatches(t *testing.T) {
	old := BodyReadTimeout
	BodyReadTimeout = 2 * time.Second
	defer func() { BodyReadTimeout = old }()
	s := demoServer(t)
	ts := httptest.NewUnstartedServer(s)
	ts.Config = HTTPServer(s)
	ts.Start()
	defer ts.Close()
	addr := strings.TrimPrefix(ts.URL, "http://")

	var slow []net.Conn
	for range MaxBatches + 2 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /api/v1/checks/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/geo+json\r\nContent-Length: 100000\r\n\r\n")
		fmt.Fprintf(conn, `{"type":"FeatureCollection","features":[`) // and then nothing
		slow = append(slow, conn)
	}
	time.Sleep(200 * time.Millisecond)
	resp, err := http.Post(ts.URL+"/api/v1/checks/batch", "application/geo+json", strings.NewReader(batchOf(3, nil)))
	if err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(lines) != 3 {
		t.Fatalf("a whole batch while %d others trickle in: %d, %d lines", len(slow), resp.StatusCode, len(lines))
	}
	// The slow ones are answered 408 once their read deadline passes.
	for i, conn := range slow {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		status, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil || !strings.Contains(status, " 408 ") {
			t.Errorf("slow client %d: %q %v", i, status, err)
		}
	}
}

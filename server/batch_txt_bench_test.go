package server

import (
	"bufio"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// bigTXT is a 用地报盘 file of n 地块, each a ring of k 界址点 (radius
// 20 m) on a grid east of the Xinmeng River.
func bigTXT(n, k int) string {
	var b strings.Builder
	b.WriteString("[属性描述]\r\n坐标系=2000国家大地坐标系\r\n几度分带=3\r\n投影类型=高斯克吕格\r\n计量单位=米\r\n带号=40\r\n[地块坐标]\r\n")
	for i := range n {
		cx, cy := 480000.0+float64(i%100)*60, 3515000.0+float64(i/100)*60
		fmt.Fprintf(&b, "%d,0.1257,ZL-%05d,示意地块,面,,,,@\r\n", k+1, i)
		for j := 0; j <= k; j++ {
			a := 2 * math.Pi * float64(j%k) / float64(k)
			fmt.Fprintf(&b, "J%d,1,%.3f,40%.3f\r\n", j+1, cy+20*math.Sin(a), cx+20*math.Cos(a))
		}
	}
	return b.String()
}

// BenchmarkBatchTXTHeap measures the heap a TXT batch takes while it
// runs (peak-MiB above the baseline, one batch an iteration): the file is
// read whole and its 地块 are kept until the batch ends (postBatchTXT), so
// it grows with the file, where a JSON batch's does not (TestBatch10000).
//
//	go test ./server -run '^$' -bench BatchTXTHeap -benchtime 1x
func BenchmarkBatchTXTHeap(b *testing.B) {
	cfg, _ := keyedConfig(b)
	cfg.Store = auditless{cfg.Store}
	ts := httptest.NewServer(New(cfg))
	defer ts.Close()
	old := debug.SetGCPercent(20) // keep the heap close to what is live
	defer debug.SetGCPercent(old)
	for _, size := range []struct{ n, k int }{{1_000, 30}, {10_000, 30}, {10_000, 150}} {
		body := bigTXT(size.n, size.k)
		b.Run(fmt.Sprintf("%d-parcels-%d-points-%.0fMiB", size.n, size.k, float64(len(body))/(1<<20)), func(b *testing.B) {
			var peak float64
			for b.Loop() {
				peak = max(peak, txtBatchPeak(b, ts.URL, body, size.n))
			}
			b.ReportMetric(peak, "peak-MiB")
		})
	}
}

// txtBatchPeak sends one TXT batch of n 地块 and answers the peak heap
// above the baseline while it ran, in MiB.
func txtBatchPeak(b *testing.B, url, body string, n int) float64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var maxHeap atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > maxHeap.Load() {
				maxHeap.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	defer func() {
		close(stop)
		wg.Wait()
	}()
	resp, err := http.Post(url+"/api/v1/checks/batch?category=residential&as_of=2026-06-01", "text/plain", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	lines := 0
	for sc.Scan() {
		lines++
	}
	if resp.StatusCode != 200 || lines != n || sc.Err() != nil {
		b.Fatalf("%d 地块: status %d, %d lines, %v", n, resp.StatusCode, lines, sc.Err())
	}
	if p := maxHeap.Load(); p > base.HeapAlloc {
		return float64(p-base.HeapAlloc) / (1 << 20)
	}
	return 0
}

package memory_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
)

func record(i int, doc int) *data.CheckRecord {
	id := uuid.Must(uuid.NewV7())
	return &data.CheckRecord{
		ID: id.String(), CheckedAt: time.Date(2026, 6, 1, 0, 0, i, 0, time.UTC), Reference: fmt.Sprint("ref-", i%3),
		KeyID: fmt.Sprint("key_", i%2), Category: "chemical", AsOf: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		KnownAt:  time.Date(2026, 6, 1, 0, 0, i, 123456000, time.UTC),
		Geometry: orb.Point{119.8 + float64(i)*1e-6, 31.78}, Verdict: "prohibited", DecisionHash: fmt.Sprint("sha256:", i),
		Document: []byte(`{"check_id":"` + id.String() + `","pad":"` + strings.Repeat("x", doc) + `"}`),
	}
}

// TestMemAuditBoundedByBytes: without an audit file the embedded store
// keeps the most recent checks up to a number of bytes, however many
// checks that is.
func TestMemAuditBoundedByBytes(t *testing.T) {
	man, _ := demo.Manifest()
	mem, err := memory.Open(man, memory.Options{MemoryAuditBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var recs []*data.CheckRecord
	for i := range 300 { // 3 MB of documents
		r := record(i, 10_000)
		recs = append(recs, r)
		if err := mem.SaveCheck(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	kept := 0
	for _, r := range recs {
		if _, err := mem.Check(ctx, r.ID); err == nil {
			kept++
		}
	}
	if kept < 80 || kept > 105 {
		t.Errorf("kept %d checks of 10 kB in 1 MiB", kept)
	}
	if _, err := mem.Check(ctx, recs[len(recs)-1].ID); err != nil {
		t.Errorf("the newest check is gone: %v", err)
	}
	// Small checks: many more fit.
	for i := range 2000 {
		if err := mem.SaveCheck(ctx, record(i, 10)); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := mem.ListChecks(ctx, data.CheckQuery{AllKeys: true, Limit: 10_000})
	if len(all) < 2000 {
		t.Errorf("%d small checks kept", len(all))
	}
}

func openLogged(t *testing.T, path string) (*memory.Store, *bytes.Buffer) {
	t.Helper()
	man, _ := demo.Manifest()
	var logs bytes.Buffer
	mem, err := memory.Open(man, memory.Options{AuditFile: path, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return mem, &logs
}

// TestMemAuditFile: checks filed with an audit file are read back after
// the store is reopened, byte for byte; a torn tail is moved aside and the
// log goes on; the file is locked against a second server.
func TestMemAuditFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "checks.log")
	mem, _ := openLogged(t, path)
	ctx := context.Background()
	var recs []*data.CheckRecord
	for i := range 50 {
		r := record(i, 100)
		recs = append(recs, r)
		if err := mem.SaveCheck(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	man, _ := demo.Manifest()
	if _, err := memory.Open(man, memory.Options{AuditFile: path}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a second store on the same file: %v", err)
	}
	if err := mem.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the audit directory: %v %v", fi.Mode(), err)
	}
	// A crash in the middle of a write: half a frame at the end.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, '{', '"'})
	f.Close()
	mem, logs := openLogged(t, path)
	for _, r := range recs {
		got, err := mem.Check(ctx, strings.ToUpper(r.ID))
		if err != nil {
			t.Fatalf("check %s after reopening: %v", r.ID, err)
		}
		if !bytes.Equal(got.Document, r.Document) || got.Reference != r.Reference || got.KeyID != r.KeyID || !got.CheckedAt.Equal(r.CheckedAt) || !got.KnownAt.Equal(r.KnownAt) || got.Geometry != r.Geometry {
			t.Fatalf("check %s read back as %+v", r.ID, got)
		}
	}
	if !strings.Contains(logs.String(), "torn tail") {
		t.Errorf("the torn tail was not reported: %s", logs)
	}
	if m, _ := filepath.Glob(path + ".torn-*"); len(m) != 1 {
		t.Errorf("the torn tail was not kept aside: %v", m)
	}
	// Filing goes on after the cut, and survives another reopening.
	more := record(99, 10)
	if err := mem.SaveCheck(ctx, more); err != nil {
		t.Fatal(err)
	}
	mem.Close()
	mem, _ = openLogged(t, path)
	defer mem.Close()
	if _, err := mem.Check(ctx, "urn:uuid:"+more.ID); err != nil {
		t.Errorf("the check filed after the cut: %v", err)
	}
	list, _ := mem.ListChecks(ctx, data.CheckQuery{AllKeys: true, Limit: 1000})
	if len(list) != 51 {
		t.Errorf("%d checks listed", len(list))
	}
	mem.Close()
	// A damaged frame in the middle is not a torn tail: the store does
	// not start on it (and changes nothing).
	b, _ := os.ReadFile(path)
	i := bytes.Index(b, []byte(recs[10].DecisionHash+`"`))
	b[i] ^= 0x20
	os.WriteFile(path, b, 0o600)
	man, _ = demo.Manifest()
	if _, err := memory.Open(man, memory.Options{AuditFile: path}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a damaged record in the middle: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, b) {
		t.Error("the damaged file was changed")
	}
}

// TestMemAuditNotAFile: a file that is not an audit log is refused, not
// overwritten.
func TestMemAuditNotAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checks.log")
	os.WriteFile(path, []byte("something else\n"), 0o600)
	man, _ := demo.Manifest()
	if _, err := memory.Open(man, memory.Options{AuditFile: path}); err == nil || !strings.Contains(err.Error(), "not an ecospace audit log") {
		t.Errorf("%v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "something else\n" {
		t.Errorf("the file was changed: %q", b)
	}
}

// BenchmarkMemSaveCheckDurable: filing checks in the audit file from 64
// goroutines at once (group commit: one fsync per group).
func BenchmarkMemSaveCheckDurable(b *testing.B) {
	man, _ := demo.Manifest()
	mem, err := memory.Open(man, memory.Options{AuditFile: filepath.Join(b.TempDir(), "checks.log"), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer mem.Close()
	ctx := context.Background()
	b.SetParallelism(32) // 64 goroutines on 2 cores
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := mem.SaveCheck(ctx, record(i, 1500)); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

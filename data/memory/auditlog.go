package memory

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/zhonglou/ecospace/data"
)

// The audit file: the embedded store's filed checks, kept durably. It is
// append-only: a header line, then one frame per check, each the length
// (4 bytes, little-endian) and CRC-32C (4 bytes) of its payload, then the
// payload (the record as JSON). SaveCheck hands its record to one writer,
// which appends every record waiting, syncs the file once and only then
// answers each caller (group commit): a check is answered only once it is
// on disk. Opening the file replays it into the index; a torn tail (a
// frame cut short or failing its checksum, as a crash during a write
// leaves it, holding only checks never answered) is moved aside to a
// .torn file and cut off, and the log goes on from the last whole frame.

const auditHeader = "ecospace audit log v1\n"

// maxFrame is the largest payload a frame may claim; a longer claim is a
// torn or damaged frame.
const maxFrame = 64 << 20

// auditBatch is how many records one write and sync carries at most.
const auditBatch = 512

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type logRecord struct {
	ID           string    `json:"id"`
	CheckedAt    time.Time `json:"checked_at"`
	Reference    string    `json:"reference"`
	KeyID        string    `json:"key_id"`
	Category     string    `json:"category"`
	AsOf         time.Time `json:"as_of"`
	KnownAt      time.Time `json:"known_at,omitzero"` // absent in records filed before known_at was
	GeometryWKB  []byte    `json:"geometry_wkb"`
	Verdict      string    `json:"verdict"`
	DecisionHash string    `json:"decision_hash"`
	Document     string    `json:"document"` // the answer byte for byte
}

type logReq struct {
	rec  *data.CheckRecord
	id   [16]byte
	done chan error // buffered: the writer never waits for a caller
}

type auditLog struct {
	a    *audit
	path string
	f    *os.File
	log  *slog.Logger
	size int64 // the end of the last whole frame

	in   chan logReq
	stop chan struct{}
	wg   sync.WaitGroup

	mu     sync.RWMutex // senders hold it for reading; close for writing
	shut   bool
	broken error // a failed write that could not be undone: nothing more is filed
}

// openAuditLog opens (or creates, with its directory, mode 0700) the audit
// file at path, takes an exclusive lock on it, replays it into a and
// starts the writer.
func openAuditLog(path string, a *audit, log *slog.Logger) (*auditLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit file: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit file %s is in use by another ecospace process (%v); give each server its own --data-dir", path, err)
	}
	l := &auditLog{a: a, path: path, f: f, log: log, in: make(chan logReq, auditBatch), stop: make(chan struct{})}
	if err := l.replay(); err != nil {
		f.Close()
		return nil, err
	}
	l.wg.Add(1)
	go l.run()
	return l, nil
}

// replay reads the file into the index, writing the header of a new file
// and cutting off a torn tail.
func (l *auditLog) replay() error {
	fi, err := l.f.Stat()
	if err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	if fi.Size() == 0 {
		if _, err := l.f.WriteAt([]byte(auditHeader), 0); err != nil {
			return fmt.Errorf("audit file: %w", err)
		}
		l.size = int64(len(auditHeader))
		return syncWithDir(l.f)
	}
	r := bufio.NewReaderSize(io.NewSectionReader(l.f, 0, fi.Size()), 1<<20)
	head := make([]byte, len(auditHeader))
	if _, err := io.ReadFull(r, head); err != nil || string(head) != auditHeader {
		return fmt.Errorf("audit file %s is not an ecospace audit log (its first line is not %q)", l.path, auditHeader[:len(auditHeader)-1])
	}
	off := int64(len(auditHeader))
	var hdr [8]byte
	n := 0
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				break // the end, between frames
			}
			return l.torn(off, fi.Size(), n, "a frame header cut short")
		}
		size, sum := binary.LittleEndian.Uint32(hdr[:4]), binary.LittleEndian.Uint32(hdr[4:])
		if size > maxFrame || off+8+int64(size) > fi.Size() {
			return l.torn(off, fi.Size(), n, "a frame cut short")
		}
		payload := make([]byte, size)
		if _, err := io.ReadFull(r, payload); err != nil {
			return fmt.Errorf("audit file: %w", err)
		}
		if crc32.Checksum(payload, castagnoli) != sum {
			if off+8+int64(size) < fi.Size() {
				// Whole frames follow: not a write cut short but damage
				// to what was answered. Nothing is cut or dropped.
				return fmt.Errorf("audit file %s is damaged: the record at byte %d fails its checksum and %d bytes follow it; the server does not start on a damaged audit: restore the file from a backup, or move it aside to start a new one", l.path, off, fi.Size()-off-8-int64(size))
			}
			return l.torn(off, fi.Size(), n, "a last frame failing its checksum")
		}
		rec, id, err := decodeRecord(payload)
		if err != nil {
			return fmt.Errorf("audit file %s: the record at byte %d: %w", l.path, off, err)
		}
		l.a.add(rec, id, off, 8+int(size))
		n++
		off += 8 + int64(size)
	}
	l.size = off
	l.log.Info("audit file read", "path", l.path, "checks", n, "bytes", off)
	return nil
}

// torn moves the bytes from off to end aside (path.torn-<time>, for an
// operator to inspect) and cuts them off the log.
func (l *auditLog) torn(off, end int64, n int, what string) error {
	tail := make([]byte, end-off)
	if _, err := l.f.ReadAt(tail, off); err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	aside := fmt.Sprintf("%s.torn-%d", l.path, time.Now().UnixNano())
	if err := os.WriteFile(aside, tail, 0o600); err != nil {
		return fmt.Errorf("audit file %s: moving its torn tail aside: %w", l.path, err)
	}
	if err := l.f.Truncate(off); err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	if err := syncWithDir(l.f); err != nil {
		return err
	}
	l.size = off
	l.log.Warn("audit file: a torn tail (a write cut short by a crash: checks never answered) was moved aside",
		"path", l.path, "checks", n, "at_byte", off, "tail_bytes", len(tail), "found", what, "moved_to", aside)
	return nil
}

func syncWithDir(f *os.File) error {
	if err := f.Sync(); err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	d, err := os.Open(filepath.Dir(f.Name()))
	if err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("audit file: syncing its directory: %w", err)
	}
	return nil
}

func encodeRecord(rec *data.CheckRecord) ([]byte, error) {
	g, err := wkb.Marshal(rec.Geometry)
	if err != nil {
		return nil, fmt.Errorf("audit: check %s geometry: %w", rec.ID, err)
	}
	payload, err := json.Marshal(logRecord{
		ID: rec.ID, CheckedAt: rec.CheckedAt, Reference: rec.Reference, KeyID: rec.KeyID, Category: rec.Category,
		AsOf: rec.AsOf, KnownAt: rec.KnownAt, GeometryWKB: g, Verdict: rec.Verdict, DecisionHash: rec.DecisionHash, Document: string(rec.Document),
	})
	if err != nil {
		return nil, fmt.Errorf("audit: check %s: %w", rec.ID, err)
	}
	frame := make([]byte, 8, 8+len(payload))
	binary.LittleEndian.PutUint32(frame[:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(frame[4:], crc32.Checksum(payload, castagnoli))
	return append(frame, payload...), nil
}

func decodeRecord(payload []byte) (*data.CheckRecord, [16]byte, error) {
	var lr logRecord
	if err := json.Unmarshal(payload, &lr); err != nil {
		return nil, [16]byte{}, err
	}
	u, err := uuid.Parse(lr.ID)
	if err != nil {
		return nil, [16]byte{}, fmt.Errorf("check id %q is not a UUID", lr.ID)
	}
	g, err := wkb.Unmarshal(lr.GeometryWKB)
	if err != nil {
		return nil, [16]byte{}, fmt.Errorf("check %s geometry: %w", lr.ID, err)
	}
	rec := &data.CheckRecord{
		ID: u.String(), CheckedAt: lr.CheckedAt, Reference: lr.Reference, KeyID: lr.KeyID, Category: lr.Category,
		AsOf: lr.AsOf, KnownAt: lr.KnownAt, Geometry: g, Verdict: lr.Verdict, DecisionHash: lr.DecisionHash, Document: json.RawMessage(lr.Document),
	}
	return rec, u, nil
}

// read reads back the frame at off.
func (l *auditLog) read(off int64, n int) (*data.CheckRecord, error) {
	buf := make([]byte, n)
	if _, err := l.f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("audit file: %w: %v", data.ErrUnavailable, err)
	}
	if crc32.Checksum(buf[8:], castagnoli) != binary.LittleEndian.Uint32(buf[4:8]) {
		return nil, fmt.Errorf("audit file %s: the record at byte %d fails its checksum", l.path, off)
	}
	rec, _, err := decodeRecord(buf[8:])
	return rec, err
}

// save files one record and waits until it is on disk.
func (l *auditLog) save(ctx context.Context, rec *data.CheckRecord, id [16]byte) error {
	l.mu.RLock()
	if l.shut {
		l.mu.RUnlock()
		return fmt.Errorf("audit: %w: the store is closed", data.ErrUnavailable)
	}
	if l.broken != nil {
		l.mu.RUnlock()
		return fmt.Errorf("audit: %w: the audit file %s cannot be written (%v); no check is filed until it can", data.ErrUnavailable, l.path, l.broken)
	}
	r := logReq{rec: rec, id: id, done: make(chan error, 1)}
	select {
	case l.in <- r:
		l.mu.RUnlock()
	case <-ctx.Done():
		l.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		// It may yet be stored; the caller is told it is not confirmed,
		// which is the safe side.
		return ctx.Err()
	}
}

func (l *auditLog) run() {
	defer l.wg.Done()
	batch := make([]logReq, 0, auditBatch)
	for {
		batch = batch[:0]
		select {
		case r := <-l.in:
			batch = append(batch, r)
		case <-l.stop:
			for {
				select {
				case r := <-l.in:
					batch = append(batch, r)
					if len(batch) == cap(batch) {
						l.write(batch)
						batch = batch[:0]
					}
				default:
					if len(batch) > 0 {
						l.write(batch)
					}
					return
				}
			}
		}
	fill:
		for len(batch) < cap(batch) {
			select {
			case r := <-l.in:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		l.write(batch)
	}
}

// write appends a batch, syncs, indexes it and answers every caller.
func (l *auditLog) write(batch []logReq) {
	defer func() {
		if v := recover(); v != nil {
			err := fmt.Errorf("audit: %w: panic filing checks: %v", data.ErrUnavailable, v)
			for _, r := range batch {
				select { // done holds one answer: those answered keep theirs
				case r.done <- err:
				default:
				}
			}
		}
	}()
	var buf []byte
	type placed struct {
		r   logReq
		off int64
		n   int
	}
	var ok []placed
	for _, r := range batch {
		frame, err := encodeRecord(r.rec)
		if err != nil {
			r.done <- err
			continue
		}
		ok = append(ok, placed{r, l.size + int64(len(buf)), len(frame)})
		buf = append(buf, frame...)
	}
	if len(ok) == 0 {
		return
	}
	err := l.broken
	if err == nil {
		if _, err = l.f.WriteAt(buf, l.size); err == nil {
			err = l.f.Sync()
		}
		if err != nil {
			// Undo the partial write, or stop filing: a frame after a
			// torn one would be lost at the next start.
			if terr := l.f.Truncate(l.size); terr != nil {
				l.mu.Lock()
				l.broken = err
				l.mu.Unlock()
				l.log.Error("audit file cannot be written: no check is filed until the server restarts", "path", l.path, "error", err)
			}
		}
	}
	if err != nil {
		for _, p := range ok {
			p.r.done <- fmt.Errorf("audit: %w: writing %s: %v", data.ErrUnavailable, l.path, err)
		}
		return
	}
	l.size += int64(len(buf))
	l.a.mu.Lock()
	for _, p := range ok {
		l.a.add(p.r.rec, p.r.id, p.off, p.n)
	}
	l.a.mu.Unlock()
	for _, p := range ok {
		p.r.done <- nil
	}
}

// close files what is queued, then closes the file.
func (l *auditLog) close() error {
	l.mu.Lock()
	if l.shut {
		l.mu.Unlock()
		return nil
	}
	l.shut = true
	l.mu.Unlock()
	close(l.stop)
	l.wg.Wait()
	err := l.f.Sync()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

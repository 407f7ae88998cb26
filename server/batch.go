package server

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
)

// Batch limits. A batch body may be larger than a single request's (10 000
// parcels of 50 vertices is about 12 MB); it is spooled to a temporary
// file, never held in memory.
const (
	MaxBatchFeatures  = 10_000
	MaxBatchBodyBytes = 64 << 20
	BatchTimeout      = 10 * time.Minute
	// MaxBatches is how many batches run at once; more get 503 busy.
	MaxBatches = 4
)

// Media types of batch answers.
const (
	mediaNDJSON  = "application/x-ndjson"
	mediaGeoJSON = "application/geo+json"
)

// BatchResult is one line of a batch answer: the feature's index in the
// request and its reference, and either the check (exactly as POST
// /api/v1/checks answers it, audited under its own check_id) or the
// problem that kept this feature from being checked.
type BatchResult struct {
	Index     int              `json:"index"`
	Reference string           `json:"reference"`
	Check     *check.Response  `json:"check,omitempty"`
	Problem   *problem.Problem `json:"problem,omitempty"`
}

// batchWorkers is how many features are checked at once.
func batchWorkers() int { return min(4, max(2, runtime.GOMAXPROCS(0))) }

// batchGeoJSONPath answers a batch as a FeatureCollection whatever the
// Accept header says: one representation per URL, for clients generated
// from the OpenAPI document (which describes /checks/batch as JSON Lines
// only: a generator that finds a JSON form among its answers decodes every
// answer whose media type mentions json, application/x-ndjson included).
const batchGeoJSONPath = "/api/v1/checks/batch.geojson"

// postBatch answers POST /api/v1/checks/batch (JSON Lines, or a
// FeatureCollection with Accept: application/geo+json) and POST
// /api/v1/checks/batch.geojson (a FeatureCollection).
//
// The body is first copied to a temporary file (before a batch slot is
// taken: see MaxBatches) and read once without
// checking anything (constant memory: one feature at a time), so that a
// syntax error, a bad top-level member or more than MaxBatchFeatures
// features is a plain 4xx before any result is sent, and top-level "crs",
// "as_of", "known_at" and "category" apply wherever they sit in the
// object. The second
// pass streams the features to a few workers and writes one result per
// feature, in input order, as soon as it and those before it are ready.
func (s *Server) postBatch(c echo.Context) error {
	if ok, charset := textBody(c); ok {
		return s.postBatchTXT(c, charset) // a 用地报盘 file (batch_txt.go)
	}
	if err := requireJSON(c); err != nil {
		return err
	}
	geoOut := c.Path() == batchGeoJSONPath
	if !geoOut {
		var err error
		if geoOut, err = batchAccept(c.Request().Header.Get(echo.HeaderAccept)); err != nil {
			return err
		}
	}
	// The body arrives first, under its read deadline, without a slot:
	// clients sending slowly must not keep the slots from batches that
	// are ready to run.
	spool, err := spoolBody(c.Request().Body)
	if err != nil {
		return err
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	select {
	case s.batchSlots <- struct{}{}:
		defer func() { <-s.batchSlots }()
	default:
		p := problem.New(http.StatusServiceUnavailable, "busy", "Too many batches",
			fmt.Sprintf("%d batches are running; try again shortly", MaxBatches))
		p.RetryAfter = 10
		return p
	}
	if err := geo.CheckJSON(spool, geo.MaxJSONDepth); err != nil {
		return strictProblem(batchReadError(err), func(off int64) (int, int) { return fileLineCol(spool, off) })
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	head, err := s.scanBatch(spool)
	if err != nil {
		return err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return s.streamBatch(c, spool, head, geoOut)
}

// batchAccept picks the answer's form from the Accept header.
func batchAccept(accept string) (geoOut bool, err error) {
	if strings.TrimSpace(accept) == "" {
		return false, nil
	}
	ok := false
	for _, part := range strings.Split(accept, ",") {
		mt, _, perr := mime.ParseMediaType(strings.TrimSpace(part))
		if perr != nil {
			continue
		}
		switch mt {
		case mediaGeoJSON:
			return true, nil
		case mediaNDJSON, "application/jsonl", "application/json-seq", "application/json", "application/*", "*/*":
			ok = true
		}
	}
	if !ok {
		return false, problem.New(http.StatusNotAcceptable, "not-acceptable", "Not acceptable",
			fmt.Sprintf("a batch answers as %s (one JSON result a line) or %s (a FeatureCollection), not %q", mediaNDJSON, mediaGeoJSON, clip(accept)))
	}
	return false, nil
}

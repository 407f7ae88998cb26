package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
)

// batchItem is one feature of the body, as read by the second pass.
type batchItem struct {
	index int
	raw   json.RawMessage
}

// streamBatch is the second pass: read the features one at a time, check
// them with bounded concurrency (check.Each), write the results in order.
func (s *Server) streamBatch(c echo.Context, spool *os.File, head *batchHead, geoOut bool) error {
	// The checks run under the request's context: when the batch runs out
	// of time the features left are answered at once with a problem each,
	// so that the answer still has one line per feature. Reading stops
	// only when the writer does (the client went away), hence Each's
	// context does not end with the request's.
	ctx := c.Request().Context()
	kid := keyID(c)
	dec := json.NewDecoder(bufio.NewReaderSize(spool, 64<<10))
	read := 0
	next := func() (batchItem, bool, error) {
		if read == 0 {
			if err := seekFeatures(dec); err != nil {
				return batchItem{}, false, err
			}
		}
		if !dec.More() {
			return batchItem{}, false, nil
		}
		it := batchItem{index: read}
		if err := dec.Decode(&it.raw); err != nil {
			return batchItem{}, false, err
		}
		read++
		return it, true, nil
	}
	return s.runBatch(c, head.features, next, func(it batchItem) BatchResult {
		return s.checkFeature(ctx, kid, head, it.index, it.raw)
	}, geoOut)
}

// runBatch checks the items next reads with bounded concurrency
// (check.Each) and writes the results in order: features items in all.
// one checks an item under the request's context; whatever goes wrong
// is its result's problem.
func (s *Server) runBatch(c echo.Context, features int, next func() (batchItem, bool, error), one func(batchItem) BatchResult, geoOut bool) error {
	ctx := c.Request().Context()
	kid := keyID(c)
	out := &batchWriter{w: c.Response(), geoOut: geoOut, features: features}
	start := time.Now()
	problems := 0
	emit := func(r BatchResult, err error) error {
		if err != nil {
			r = BatchResult{Index: out.n, Problem: s.featureFailed(out.n, err)}
		}
		// Nothing is sent until the first result: if the store is down
		// from the start, the whole batch is a plain 503.
		if out.n == 0 && r.Problem != nil && r.Problem.Status == http.StatusServiceUnavailable {
			return r.Problem
		}
		if r.Problem != nil {
			problems++
		}
		s.metrics.batchFeature(r.Problem == nil)
		if err := out.write(r); err != nil {
			if errors.Is(err, errBadLine) {
				s.log.Error("batch: encode", "index", r.Index, "error", err)
			}
			return err
		}
		return nil
	}
	err := check.Each(context.WithoutCancel(ctx), batchWorkers(), next, func(_ context.Context, it batchItem) (BatchResult, error) {
		return one(it), nil
	}, emit, check.Waiting(out.flush)) // let the client see what is ready while a result is awaited
	var unavailable *problem.Problem
	switch {
	case errors.Is(err, errClientGone):
		return nil
	case errors.As(err, &unavailable):
		return unavailable
	case errors.Is(err, errBadLine):
		panic(http.ErrAbortHandler) // a gap in the answer must not look whole
	case err != nil:
		s.log.Error("batch: second pass", "error", err) // the first pass read the same bytes
	}
	if out.n != features {
		s.log.Error("batch: answered fewer features than sent", "answered", out.n, "features", features, "error", ctx.Err())
		panic(http.ErrAbortHandler) // a short answer must not look whole
	}
	s.log.Info("batch", "features", out.n, "problems", problems, "ms", time.Since(start).Milliseconds(),
		"key_id", kid, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	return out.close()
}

// seekFeatures moves the decoder to the first element of "features".
func seekFeatures(dec *json.Decoder) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok == "features" {
			return expectDelim(dec, '[')
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return errors.New("no features member")
}

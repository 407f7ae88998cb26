package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/server/problem"
)

// postBatchTXT answers POST /api/v1/checks/batch (and batch.geojson) with
// a text/plain body: a 用地报盘 file, one result a 地块 in file order,
// its reference the 地块编号 (else its 地块名称, else its index). The
// file is read whole before a batch slot is taken and refused as a whole, before any result, when it is not one
// that can be read (its form, its coordinate system); a 地块 whose rings
// are no site gets its own problem. ?category=, ?as_of=, ?known_at= and
// ?fact=NAME=true|false apply to every 地块.
//
// Unlike a JSON batch (batch_spool.go) it is not spooled to a file and
// read again feature by feature: the parser (layerfile.ReadTXT) reads the
// text whole, since the charset is chosen from all the bytes and a fault
// anywhere refuses the file before any result, so spooling the body alone
// would save nothing. What it keeps while the batch runs is the 地块's
// geometries, not their sites (DropSites), and it stops at the first 地块
// past MaxBatchFeatures: 47 MiB of 10 000 地块 of 150 界址点 peak at
// 110–160 MiB of heap (BenchmarkBatchTXTHeap), where a JSON batch stays
// near 2 MiB. Constant memory would need the parser to read a spool twice, as
// the JSON batch does: a first pass that checks the form and counts, a
// second that yields one 地块 at a time.
func (s *Server) postBatchTXT(c echo.Context, charset string) error {
	geoOut := c.Path() == batchGeoJSONPath
	if !geoOut {
		var err error
		if geoOut, err = batchAccept(c.Request().Header.Get(echo.HeaderAccept)); err != nil {
			return err
		}
	}
	f, err := readTXTBody(c, charset, true)
	if err != nil {
		return err
	}
	q, err := txtQuery(c, txtBatchParams)
	if err != nil {
		return err
	}
	// The parameters every 地块 shares are checked before any is: a batch
	// with no category would be 10 000 equal problems.
	if q["category"] == "" {
		return problem.BadRequest("missing-category", "Missing category", "?category",
			"category is required: ?category=<id>; one of %s", strings.Join(s.rules.CategoryIDs(), ", "))
	}
	if _, err := s.checker.Category(q["category"], "?category"); err != nil {
		return err
	}
	if _, err := s.checker.ParseAsOf(q["as_of"], "?as_of"); err != nil {
		return err
	}
	if _, err := s.checker.ParseKnownAt(q["known_at"], "?known_at"); err != nil {
		return err
	}
	facts, err := txtFacts(c)
	if err != nil {
		return err
	}
	if _, err := s.checker.ParseFacts(facts, "/facts"); err != nil {
		return txtInputError(err, nil, q)
	}
	select {
	case s.batchSlots <- struct{}{}:
		defer func() { <-s.batchSlots }()
	default:
		p := problem.New(http.StatusServiceUnavailable, "busy", "Too many batches",
			fmt.Sprintf("%d batches are running; try again shortly", MaxBatches))
		p.RetryAfter = 10
		return p
	}
	ctx := c.Request().Context()
	kid := keyID(c)
	read := 0
	next := func() (batchItem, bool, error) {
		if read == len(f.Parcels) {
			return batchItem{}, false, nil
		}
		read++
		return batchItem{index: read - 1}, true, nil
	}
	return s.runBatch(c, len(f.Parcels), next, func(it batchItem) BatchResult {
		return s.checkParcel(ctx, kid, &f.Parcels[it.index], it.index, q, facts)
	}, geoOut)
}

// checkParcel checks 地块 i of a batch; whatever goes wrong becomes its
// problem.
func (s *Server) checkParcel(ctx context.Context, keyID string, p *layerfile.TXTParcel, i int, q map[string]string, facts json.RawMessage) BatchResult {
	res := BatchResult{Index: i, Reference: p.Reference}
	fail := func(err error) BatchResult {
		res.Problem = problemOf(txtInputError(err, p, q))
		return res
	}
	if p.Err != nil { // its rings are no site: this 地块's problem
		res.Problem = problemOf(txtProblem(p.Err))
		return res
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		pr := problem.New(http.StatusServiceUnavailable, "unavailable", "Batch out of time",
			fmt.Sprintf("the batch ran out of time (at most %s) before 地块 %s (index %d) was checked; no verdict was given; send the 地块 from here on again", BatchTimeout, p.Reference, i))
		pr.RetryAfter = 5
		res.Problem = pr
		return res
	}
	fctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	in, err := s.checker.ValidateContext(fctx, txtRequest(p, q, facts), "")
	if err != nil {
		return fail(err)
	}
	ans, err := s.checker.Run(fctx, keyID, in)
	if err != nil {
		if fctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("地块 %s took longer than %s: %w", p.Reference, RequestTimeout, fctx.Err())
		}
		return fail(err)
	}
	res.Check = ans.Response
	return res
}

package server

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/problem"
)

// MaxRejudged bounds how many filed checks an upload judges again to
// count the decisions it changes: the count is synchronous, in the
// upload's own request.
const MaxRejudged = 10_000

// DecisionsChanged says how many filed decisions a new layer version
// would now answer differently: of the filed checks with as_of on or
// after its valid_from, those whose verdict or deciding rule, judged
// again as known now, differs from the filed one.
type DecisionsChanged struct {
	// Count is how many changed among those judged; with More it is a
	// lower bound ("at least").
	Count int `json:"count"`
	// Judged is how many filed checks were judged again (at most
	// MaxRejudged); checks filed before known_at was kept, or under
	// another rules version, are not.
	Judged int    `json:"judged"`
	More   bool   `json:"more"`
	Note   string `json:"note"`
}

// reevalNote says where the background re-evaluation of an upload's
// decisions is followed.
const reevalNote = "the re-evaluation of the filed decisions continues in the background, and each decision it finds changed is listed at GET /api/v1/changes (and sent as a decision.changed event to the webhooks)"

// uploadBackdate reads ?backdate= (true or false; default false).
func uploadBackdate(c echo.Context) (bool, error) {
	v := c.QueryParam("backdate")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil || (v != "true" && v != "false") {
		return false, problem.BadRequest("invalid-query", "Invalid backdate", "?backdate", "backdate %q must be true or false", clip(v))
	}
	return b, nil
}

// checkUploadBackdate says whether a version valid from from is
// back-dated (before the layer's newest version's valid_from, or before
// today in China), and refuses it (409) unless backdate.
func (s *Server) checkUploadBackdate(ctx context.Context, layer string, from time.Time, backdate bool) (bool, error) {
	versions, err := s.store.Versions(ctx, layer)
	if err != nil {
		return false, err
	}
	err = data.CheckBackdate(layer, versions, from, data.Today(), false)
	if err != nil && !backdate {
		return true, err
	}
	return err != nil, nil
}

// decisionsChanged counts the filed decisions a version valid from from
// changes, as known now (Checker.Changed).
func (s *Server) decisionsChanged(ctx context.Context, from time.Time) (DecisionsChanged, error) {
	n, judged, more, err := s.checker.Changed(ctx, from, s.now(), MaxRejudged)
	if err != nil {
		return DecisionsChanged{}, fmt.Errorf("counting the decisions changed: %w", err)
	}
	d := DecisionsChanged{Count: n, Judged: judged, More: more}
	switch {
	case more:
		d.Note = fmt.Sprintf("at least %d: the first %d filed checks with as_of on or after %s were judged again, and more were filed; the rest are not counted here",
			n, judged, from.Format(time.DateOnly))
	default:
		d.Note = fmt.Sprintf("%d of the %d filed checks with as_of on or after %s would now be answered differently (verdict or deciding rule)",
			n, judged, from.Format(time.DateOnly))
	}
	// The count is this answer's; the decisions themselves are judged
	// again by the background re-evaluation, which the caller follows.
	d.Note += "; " + reevalNote
	return d, nil
}

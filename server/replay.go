package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
)

// Replay and diff of a filed decision (issue 16): GET
// /api/v1/checks/{id}/replay judges it again from its stored input, as_of
// and known_at and must reproduce its decision hash; GET
// /api/v1/checks/{id}/diff says what differs at another point of the two
// times. Both are read like the check itself (the key that filed it, or
// scope audit). A replay that does not reproduce the hash means the data
// the decision was judged from was lost or altered: it is logged as an
// error, counted (ecospace_replay_mismatch_total) and answered with a 500
// problem of type replay-mismatch. It is not the client's fault, so not a
// 4xx; it is not a passing unavailability, so not a 503.

// replayMetrics count replays by outcome, and mismatches on their own for
// alerting.
type replayMetrics struct {
	replays  *prometheus.CounterVec
	mismatch prometheus.Counter
}

func newReplayMetrics(reg *prometheus.Registry) *replayMetrics {
	m := &replayMetrics{
		replays: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecospace_replays_total", Help: "Replays of filed decisions (replay and diff), by outcome: match, mismatch or not_replayable.",
		}, []string{"outcome"}),
		mismatch: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ecospace_replay_mismatch_total", Help: "Replays that did not reproduce the filed decision hash: data lost or altered. Alert on any increase.",
		}),
	}
	reg.MustRegister(m.replays, m.mismatch)
	return m
}

// ReplayAnswer is the answer of GET /api/v1/checks/{id}/replay.
type ReplayAnswer struct {
	CheckID      string             `json:"check_id"`
	DecisionHash string             `json:"decision_hash"`
	ReplayedHash string             `json:"replayed_hash"`
	Match        bool               `json:"match"`
	Verdict      string             `json:"verdict"`
	DecidingRule string             `json:"deciding_rule,omitempty"`
	AsOf         geo.Date           `json:"as_of"`
	KnownAt      time.Time          `json:"known_at"`
	RulesVersion string             `json:"rules_version"`
	Layers       []geo.LayerVersion `json:"layers"`
}

// filedCheck reads the check of the path's id that the caller may read
// (getCheck's rule).
func (s *Server) filedCheck(c echo.Context) (*data.CheckRecord, error) {
	id := c.Param("id")
	if _, ok := data.CheckID(id); !ok {
		return nil, problem.New(http.StatusNotFound, "not-found", "Not found", fmt.Sprintf("%q is not a check id", clip(id)))
	}
	rec, err := s.store.Check(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if all, key := auditor(c); !all && rec.KeyID != key {
		return nil, problem.New(http.StatusNotFound, "not-found", "Not found", fmt.Sprintf("there is no check %q that this caller may read", clip(id)))
	}
	return rec, nil
}

// replayProblem turns what Replay refuses into its problem, and raises
// the alarm on a mismatch.
func (s *Server) replayProblem(c echo.Context, rec *data.CheckRecord, err error) error {
	var nr *check.NotReplayableError
	if errors.As(err, &nr) {
		s.replay.replays.WithLabelValues("not_replayable").Inc()
		return problem.New(http.StatusConflict, nr.Slug, "Not replayable here", nr.Error())
	}
	var re *check.ReplayError
	if !errors.As(err, &re) {
		return err
	}
	s.replay.replays.WithLabelValues("mismatch").Inc()
	s.replay.mismatch.Inc()
	s.log.Error("replay mismatch: a filed decision is not reproduced; the data it was judged from was lost or altered",
		"check_id", rec.ID, "decision_hash", rec.DecisionHash, "replayed_hash", re.ReplayedHash, "as_of", rec.AsOf.Format(time.DateOnly),
		"known_at", geo.FormatKnownAt(rec.KnownAt), "error", err.Error(), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	p := problem.New(http.StatusInternalServerError, "replay-mismatch", "Replay does not reproduce the filed decision", re.Error())
	return p
}

// getReplay answers GET /api/v1/checks/{id}/replay.
func (s *Server) getReplay(c echo.Context) error {
	if err := noParams(c, "GET /api/v1/checks/{id}/replay"); err != nil {
		return err
	}
	rec, err := s.filedCheck(c)
	if err != nil {
		return err
	}
	rp, err := s.checker.Replay(c.Request().Context(), rec)
	if err != nil {
		return s.replayProblem(c, rec, err)
	}
	s.replay.replays.WithLabelValues("match").Inc()
	r := rp.Response
	out := ReplayAnswer{
		CheckID: rec.ID, DecisionHash: rec.DecisionHash, ReplayedHash: r.DecisionHash, Match: rp.Match,
		Verdict: r.Verdict, DecidingRule: r.DecidingRule, AsOf: r.AsOf, KnownAt: r.KnownAt, RulesVersion: r.RulesVersion, Layers: r.Layers,
	}
	if out.Layers == nil {
		out.Layers = []geo.LayerVersion{}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

var diffParams = []string{"as_of", "known_at"}

// getDiff answers GET /api/v1/checks/{id}/diff[?as_of=…&known_at=…]:
// by default the filing's as_of as known now.
func (s *Server) getDiff(c echo.Context) error {
	params := c.QueryParams()
	for name, vs := range params {
		if !containsString(diffParams, name) {
			return problem.BadRequest("invalid-query", "Unknown parameter", "?"+name,
				"%q is not a parameter of GET /api/v1/checks/{id}/diff; it takes %s", clip(name), strings.Join(diffParams, ", "))
		}
		if len(vs) > 1 {
			return problem.BadRequest("invalid-query", "Repeated parameter", "?"+name, "%s is given more than once", name)
		}
	}
	var at data.At
	var err error
	if v := params.Get("as_of"); v != "" {
		if at.AsOf, err = s.checker.ParseAsOf(v, "?as_of"); err != nil {
			return err
		}
	}
	if v := params.Get("known_at"); v != "" {
		if at.KnownAt, err = s.checker.ParseKnownAt(v, "?known_at"); err != nil {
			return err
		}
	}
	rec, err := s.filedCheck(c)
	if err != nil {
		return err
	}
	d, err := s.checker.Diff(c.Request().Context(), rec, at)
	if err != nil {
		var nr *check.NotReplayableError
		var re *check.ReplayError
		if errors.As(err, &nr) || errors.As(err, &re) {
			return s.replayProblem(c, rec, err)
		}
		return err
	}
	s.replay.replays.WithLabelValues("match").Inc()
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, d)
}

// noParams refuses query parameters on an operation that takes none.
func noParams(c echo.Context, op string) error {
	for name := range c.QueryParams() {
		return problem.BadRequest("invalid-query", "Unknown parameter", "?"+name, "%s takes no query parameters; %q is not one", op, clip(name))
	}
	return nil
}

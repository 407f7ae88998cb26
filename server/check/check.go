// Package check runs one siting check from a decoded request to the filed
// answer: validate → relate → judge → decision hash → audit. There is no
// HTTP in it: the API's handlers decode a request, call Check and encode
// what it answers (its input errors are *InputError, which the server
// writes as problems), and `ecospace sweep` runs the same checks over a
// register, unaudited (its report is the record). Each runs many checks at
// once and hands the answers back in input order, for the batch endpoint
// and the sweep.
package check

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Config wires a Checker.
type Config struct {
	// Store answers the spatial relations and files the answers.
	Store data.Store
	// Rules judge the relations.
	Rules *geo.RuleSet
	// Now is the clock of checked_at; nil: time.Now.
	Now func() time.Time
	// Unaudited answers without filing the answer: for sweeps, whose
	// report is the record. The API's checks are always filed.
	Unaudited bool
}

// Checker runs checks; it is safe for concurrent use.
type Checker struct {
	store data.Store
	rules *geo.RuleSet
	now   func() time.Time
	audit bool
}

// New makes a Checker.
func New(cfg Config) *Checker {
	c := &Checker{store: cfg.Store, rules: cfg.Rules, now: cfg.Now, audit: !cfg.Unaudited}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Request is a check as a client sends it, decoded: the body of POST
// /api/v1/checks, or one feature of a batch.
type Request struct {
	// Geometry is a GeoJSON geometry or Feature, or a WKT string.
	Geometry json.RawMessage `json:"geometry"`
	// Category is a project category id (chemical, …).
	Category string `json:"category"`
	// CRS of the geometry: EPSG:4326 (default), EPSG:4490, EPSG:4549 or GCJ-02.
	CRS string `json:"crs"`
	// AsOf is the date the check is for, YYYY-MM-DD; empty: today in China.
	AsOf string `json:"as_of"`
	// Reference is the client's, echoed and filed.
	Reference string `json:"reference"`
	// Facts declares facts about the project: a JSON object of fact id →
	// true or false (GET /api/v1/rules lists the facts). Absent or null:
	// none declared.
	Facts json.RawMessage `json:"facts"`
}

// Input is a validated check: a site and the question asked about it.
// Validate makes one from a Request; a caller whose site is already built
// (the sweep reads registers of its own) may fill one in.
type Input struct {
	Site      *geo.Site
	Category  geo.Category
	CRS       geo.CRS
	AsOf      time.Time
	Reference string
	// Facts are the declared facts (nil: none), each a fact the rules know.
	Facts map[string]bool
}

// Answer is one check's answer.
type Answer struct {
	Response *Response
	// Document is Response encoded, as filed: the bytes the client gets.
	Document json.RawMessage
}

// Check validates req and runs it for the caller with API key keyID
// ("" without keys). Bad input is an *InputError or a *geo.InputError.
func (c *Checker) Check(ctx context.Context, keyID string, req Request) (*Answer, error) {
	in, err := c.ValidateContext(ctx, req, "")
	if err != nil {
		return nil, err
	}
	return c.Run(ctx, keyID, in)
}

// Run relates, judges, hashes and files a validated check. Any failure is
// an error: there is no path to an unfiled (unless the Checker is
// Unaudited) or default verdict.
func (c *Checker) Run(ctx context.Context, keyID string, in *Input) (*Answer, error) {
	rel, err := c.relate(ctx, in.Site, in.AsOf)
	if err != nil {
		return nil, err
	}
	v, err := geo.Judge(c.rules, rel, in.Category.ID, in.Facts, in.AsOf)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("check id: %w", err)
	}
	status, note := geo.DataStatus(v.Layers)
	resp := &Response{
		Head: Head{
			CheckID: id.String(), Verdict: v.Verdict, DecidingRule: v.DecidingRule, DataStatus: status, DataStatusNote: note,
			Category: v.Category, CategoryName: in.Category.Name, Facts: v.Facts,
			Reference: in.Reference, CRS: string(in.CRS), Coverage: v.Coverage, Notes: v.Notes, Hits: v.Hits,
			Questions: v.Questions, Absent: c.rules.Absent,
		},
		Tail: Tail{
			Layers: v.Layers, RulesVersion: v.RulesVersion, AsOf: v.AsOf,
			CheckedAt:    c.now().UTC().Truncate(time.Millisecond),
			DecisionHash: geo.DecisionHash(in.Site.Geometry, v),
		},
		Site: geo.AppendGeometry(nil, in.Site.Geometry),
	}
	if resp.Hits == nil {
		resp.Hits = []geo.Hit{}
	}
	if resp.Questions == nil {
		resp.Questions = []geo.Question{}
	}
	if resp.Absent == nil {
		resp.Absent = []geo.Absent{}
	}
	if resp.Conflicts, resp.Nearest, err = conflictCollections(v.Hits); err != nil {
		return nil, fmt.Errorf("check: draw conflicts: %w", err)
	}
	doc, err := encode(resp)
	if err != nil {
		return nil, fmt.Errorf("check: encode: %w", err)
	}
	if c.audit {
		rec := &data.CheckRecord{
			ID: resp.CheckID, CheckedAt: resp.CheckedAt, Reference: in.Reference, KeyID: keyID,
			Category: v.Category, AsOf: in.AsOf, Geometry: in.Site.Geometry, Verdict: v.Verdict,
			DecisionHash: resp.DecisionHash, Document: doc,
		}
		if err := c.store.SaveCheck(ctx, rec); err != nil {
			return nil, fmt.Errorf("check: audit: %w", err)
		}
	}
	return &Answer{Response: resp, Document: doc}, nil
}

// relate asks the store for a site's relations on asOf; a day without
// layer versions is the client's 422 (pointing at as_of), any other
// failure the store's.
func (c *Checker) relate(ctx context.Context, site *geo.Site, asOf time.Time) (geo.Relations, error) {
	rel, err := c.store.Relate(ctx, site, asOf)
	if err != nil {
		var nv *data.NoVersionError
		if errors.As(err, &nv) {
			return geo.Relations{}, &InputError{Status: statusUnprocessable, Slug: "no-layer-version", Title: "No layer version in force",
				Pointer: "/as_of", Detail: nv.Error()}
		}
		return geo.Relations{}, fmt.Errorf("check: %w", err)
	}
	return rel, nil
}

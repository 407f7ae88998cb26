package check

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Rejudged is a filed check judged again with the store as it is now.
type Rejudged struct {
	Verdict      string
	DecidingRule string
	DecisionHash string
	Layers       []geo.LayerVersion // the layer versions it was judged with
}

// filedInput is what a filed document holds of its request beyond the
// record's columns: the declared facts.
type filedInput struct {
	Facts map[string]bool `json:"facts"`
}

// Rejudge judges a filed check again from what was filed (its site as
// judged, category, as_of and declared facts) with the layer versions
// and rules in force now, and files nothing. A record it cannot read back
// is an error, never a verdict.
func (c *Checker) Rejudge(ctx context.Context, rec *data.CheckRecord) (Rejudged, error) {
	var in filedInput
	if len(rec.Document) > 0 {
		if err := json.Unmarshal(rec.Document, &in); err != nil {
			return Rejudged{}, fmt.Errorf("rejudge %s: document: %w", rec.ID, err)
		}
	}
	cat, err := c.Category(rec.Category, "/category")
	if err != nil {
		return Rejudged{}, fmt.Errorf("rejudge %s: %w", rec.ID, err)
	}
	site, err := geo.SiteFromLonLat(rec.Geometry)
	if err != nil {
		return Rejudged{}, fmt.Errorf("rejudge %s: site: %w", rec.ID, err)
	}
	asOf := data.DateOf(rec.AsOf)
	rel, err := c.store.Relate(ctx, site, asOf)
	if err != nil {
		return Rejudged{}, fmt.Errorf("rejudge %s: %w", rec.ID, err)
	}
	v, err := geo.Judge(c.rules, rel, cat.ID, in.Facts, asOf)
	if err != nil {
		return Rejudged{}, fmt.Errorf("rejudge %s: %w", rec.ID, err)
	}
	return Rejudged{Verdict: v.Verdict, DecidingRule: v.DecidingRule, DecisionHash: geo.DecisionHash(site.Geometry, v), Layers: v.Layers}, nil
}

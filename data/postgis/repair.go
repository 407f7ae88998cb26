package postgis

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// checkOrRepair validates the features as the embedded store does. With
// makeValid, features whose only fault is an invalid shape (self-
// intersecting or unclosed rings, …) are repaired with ST_MakeValid;
// anything else (bad coordinates, repeated ids, wrong geometry type) is
// still refused. It returns the features to store and the indices
// repaired.
func (p *Store) checkOrRepair(ctx context.Context, def geo.LayerDef, feats []geo.Feature, makeValid bool) ([]geo.Feature, []int, error) {
	err := data.CheckFeatures(def, feats)
	if err == nil {
		return feats, nil, nil
	}
	var ie *data.ImportError
	if !makeValid || !errors.As(err, &ie) {
		return nil, nil, err
	}
	polygonal := def.Kind == geo.LayerCoverage || def.Kind == geo.LayerZone || def.Kind == geo.LayerMask || def.Kind == geo.LayerSource
	var fix []int
	var bad []data.FeatureProblem
	for _, pr := range ie.Problems {
		g := feats[pr.Index].Geometry
		switch {
		case !pr.Shape, // a repeated id, a wrong type or property
			geo.CheckGeometry(g) == nil,
			!repairable(g, polygonal):
			bad = append(bad, pr)
		default:
			fix = append(fix, pr.Index)
		}
	}
	if len(bad) > 0 {
		return nil, nil, &data.ImportError{Layer: def.ID, Problems: bad}
	}
	idx := make([]int32, len(fix))
	ws := make([][]byte, len(fix))
	for i, k := range fix {
		idx[i] = int32(k)
		if ws[i], err = wkb.Marshal(closeRings(feats[k].Geometry)); err != nil {
			return nil, nil, fmt.Errorf("import %s: feature %d: %w", def.ID, k, err)
		}
	}
	out := append([]geo.Feature(nil), feats...)
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT i, ST_AsBinary(CASE WHEN $3 THEN ST_CollectionExtract(ST_MakeValid(g), 3) ELSE ST_MakeValid(g) END)
		FROM unnest($1::int[], $2::bytea[]) AS t(i, w), ST_GeomFromWKB(w, 4490) AS g`, idx, ws, polygonal)
	if err != nil {
		return nil, nil, p.fail(ctx, "import "+def.ID+": repair", err)
	}
	for rows.Next() {
		var i int32
		var b []byte
		if err := rows.Scan(&i, &b); err != nil {
			rows.Close()
			return nil, nil, p.fail(ctx, "import "+def.ID+": repair", err)
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("import %s: repair feature %d: %w", def.ID, i, err)
		}
		out[i].Geometry = g
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, p.fail(ctx, "import "+def.ID+": repair", err)
	}
	var still []data.FeatureProblem
	for _, k := range fix {
		if geo.CountVertices(out[k].Geometry) == 0 {
			still = append(still, data.FeatureProblem{Index: k, ID: out[k].ID, Reason: "nothing is left of the geometry once repaired (ST_MakeValid)"})
		}
	}
	if len(still) > 0 {
		return nil, nil, &data.ImportError{Layer: def.ID, Problems: still}
	}
	if err := data.CheckFeatures(def, out); err != nil {
		return nil, nil, fmt.Errorf("after ST_MakeValid: %w", err)
	}
	return out, fix, nil
}

// repairable reports whether ST_MakeValid can be given g: finite
// coordinates in range, the right type, rings of at least three positions.
func repairable(g orb.Geometry, polygonal bool) bool {
	ok := true
	var walk func(g orb.Geometry)
	pts := func(ps []orb.Point) {
		for _, p := range ps {
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) || math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
				ok = false
			}
		}
	}
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			pts([]orb.Point{g})
		case orb.MultiPoint:
			pts(g)
		case orb.LineString:
			pts(g)
		case orb.MultiLineString:
			for _, l := range g {
				pts(l)
			}
		case orb.Polygon:
			for _, r := range g {
				pts(r)
				n := len(r)
				if n > 0 && r[0] == r[n-1] {
					n--
				}
				if n < 3 {
					ok = false
				}
			}
		case orb.MultiPolygon:
			for _, pl := range g {
				walk(pl)
			}
		case orb.Collection:
			for _, c := range g {
				walk(c)
			}
		default:
			ok = false
		}
	}
	if g == nil {
		return false
	}
	if polygonal {
		switch g.(type) {
		case orb.Polygon, orb.MultiPolygon:
		default:
			return false
		}
	}
	walk(g)
	return ok
}

// closeRings returns g with every polygon ring closed (PostGIS refuses
// unclosed rings before ST_MakeValid could see them).
func closeRings(g orb.Geometry) orb.Geometry {
	closePoly := func(p orb.Polygon) orb.Polygon {
		out := make(orb.Polygon, len(p))
		for i, r := range p {
			if len(r) > 0 && r[0] != r[len(r)-1] {
				r = append(append(orb.Ring(nil), r...), r[0])
			}
			out[i] = r
		}
		return out
	}
	switch g := g.(type) {
	case orb.Polygon:
		return closePoly(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = closePoly(p)
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, c := range g {
			out[i] = closeRings(c)
		}
		return out
	}
	return g
}

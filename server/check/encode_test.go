package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/servertest"
)

// TestEncodeMatchesMarshal: the spliced encoder writes exactly what
// encoding/json writes for the whole Response, for points, parcels (with
// conflict geometry), lines, sites outside the district and every
// category, so clients decoding either see the same document.
func TestEncodeMatchesMarshal(t *testing.T) {
	app := servertest.Demo(t)
	c := New(Config{Store: app.Store, Rules: app.Rules})
	rng := rand.New(rand.NewPCG(3, 4))
	cats := app.Rules.CategoryIDs()
	factSets := []string{``, `{"emits_n_p":true}`, `{"discharges_to_water":false,"emits_n_p":false}`, `{"hazardous_goods":true}`, `{"discharges_to_water":true}`}
	kinds := map[string]int{}
	for i := range 300 {
		lon, lat := 119.70+rng.Float64()*0.30, 31.72+rng.Float64()*0.15
		var geom string
		switch i % 3 {
		case 0:
			geom = fmt.Sprintf(`{"type":"Point","coordinates":[%.6f,%.6f]}`, lon, lat)
		case 1:
			d := 0.002 + rng.Float64()*0.01
			geom = fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}`,
				lon, lat, lon+d, lat+d)
		default:
			geom = fmt.Sprintf(`{"type":"LineString","coordinates":[[%f,%f],[%f,%f]]}`, lon, lat, lon+0.02, lat+0.01)
		}
		req := Request{Geometry: json.RawMessage(geom), Category: cats[i%len(cats)], AsOf: "2026-06-01", Facts: json.RawMessage(factSets[i%len(factSets)])}
		if i%2 == 0 {
			req.Reference = fmt.Sprintf(`审批-%d "q" <&>`, i)
		}
		ans, err := c.Check(context.Background(), "", req)
		if err != nil {
			t.Fatalf("%+v: %v", req, err)
		}
		kinds[ans.Response.Verdict]++
		if len(ans.Response.Conflicts) > 60 {
			kinds["with conflicts"]++
		}
		if len(ans.Response.Questions) > 0 {
			kinds["with questions"]++
		}
		want, err := json.Marshal(ans.Response)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ans.Document, want) {
			t.Fatalf("%s:\n got %s\nwant %s", geom, ans.Document, want)
		}
	}
	// The sample must reach every kind of answer, or it proves little.
	for _, k := range []string{"prohibited", "restricted", "allowed", "outside_coverage", "with conflicts", "with questions"} {
		if kinds[k] == 0 {
			t.Errorf("no %s answer among the sample: %v", k, kinds)
		}
	}
}

// TestEncodeEveryField fills every field of every type in a Response by
// reflection (some left empty, to take the omitempty and
// null paths) with strings and numbers that need escaping or exponents, so
// a field added to any of them that the hand encoder does not write fails
// here even when no demo check sets it.
func TestEncodeEveryField(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	strs := []string{"", "a", "新孟河 <&>", "q\"\\\n\t\x01", "\u2028", "bad\xff", "第三条"}
	floats := []float64{0, 1, -2.5, 1e-7, 3e21, 0.1 + 0.2, 1234567.125}
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		if v.Type() == reflect.TypeFor[json.RawMessage]() {
			v.SetBytes([]byte(`{"type":"FeatureCollection","features":[]}`))
			return
		}
		switch x := v.Addr().Interface().(type) {
		case *time.Time:
			*x = time.Date(2000+rng.IntN(30), 1, 2, 3, 4, 5, rng.IntN(1000)*1e6, time.UTC)
			return
		case *geo.Date:
			if rng.IntN(4) > 0 {
				*x = geo.DateOf(time.Date(2020+rng.IntN(10), 6, 1, 0, 0, 0, 0, time.UTC))
			}
			return
		}
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if f.IsExported() && f.Tag.Get("json") != "-" {
					fill(v.Field(i))
				}
			}
		case reflect.String:
			v.SetString(strs[rng.IntN(len(strs))])
		case reflect.Float64:
			v.SetFloat(floats[rng.IntN(len(floats))])
		case reflect.Int64, reflect.Int:
			v.SetInt(rng.Int64N(1 << 40))
		case reflect.Bool:
			v.SetBool(rng.IntN(2) == 0)
		case reflect.Map:
			if n := rng.IntN(4); n > 0 {
				v.Set(reflect.MakeMap(v.Type()))
				for range n - 1 {
					k := reflect.New(v.Type().Key()).Elem()
					fill(k)
					e := reflect.New(v.Type().Elem()).Elem()
					fill(e)
					v.SetMapIndex(k, e)
				}
			}
		case reflect.Pointer:
			if rng.IntN(3) > 0 {
				v.Set(reflect.New(v.Type().Elem()))
				fill(v.Elem())
			}
		case reflect.Slice:
			if n := rng.IntN(4); n > 0 {
				v.Set(reflect.MakeSlice(v.Type(), n-1, n-1))
				for i := range n - 1 {
					fill(v.Index(i))
				}
			}
		default:
			t.Fatalf("fill: no case for %s", v.Type())
		}
	}
	for range 2000 {
		var resp Response
		fill(reflect.ValueOf(&resp).Elem())
		got, err := encode(&resp)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(&resp)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	}
	if _, err := encode(&Response{Head: Head{Coverage: geo.Coverage{InsideRatio: math.NaN()}}}); !errors.Is(err, geo.ErrJSONNumber) {
		t.Errorf("NaN inside_ratio: error %v, want geo.ErrJSONNumber", err)
	}
}

// TestConflictCollections: the hand-written feature properties are what
// encoding/json writes for the same map, for hits with and without conflict
// parts and nearest lines; a distance JSON cannot carry is an error, not a
// broken document.
func TestConflictCollections(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 7))
	strs := []string{"canal", "新孟河-1", "a<b>&\"c\"", "x\u2028y"}
	for range 500 {
		var hits []geo.Hit
		for range rng.IntN(4) {
			h := geo.Hit{Effect: strs[rng.IntN(len(strs))]}
			h.Layer, h.ZoneID = strs[rng.IntN(len(strs))], strs[rng.IntN(len(strs))]
			h.DistanceM = []float64{0, 12.345, 999.995, 1e-9, 1234567.891}[rng.IntN(5)]
			if rng.IntN(2) == 0 {
				h.Conflict = orb.Polygon{{{119.9, 31.7}, {119.91, 31.7}, {119.91, 31.71}, {119.9, 31.7}}}
			}
			if rng.IntN(2) == 0 {
				h.Nearest = orb.LineString{{119.9, 31.7}, {119.95 + rng.Float64(), 31.75}}
			}
			hits = append(hits, h)
		}
		conf, near, err := conflictCollections(hits)
		if err != nil {
			t.Fatal(err)
		}
		wantConf := []byte(`{"type":"FeatureCollection","features":[`)
		wantNear := []byte(`{"type":"FeatureCollection","features":[`)
		for _, h := range hits {
			props := map[string]any{"layer": h.Layer, "zone_id": h.ZoneID, "effect": h.Effect, "distance_m": geo.RoundDistance(h.DistanceM)}
			if h.Conflict != nil {
				if wantConf[len(wantConf)-1] == '}' {
					wantConf = append(wantConf, ',')
				}
				wantConf, _ = geo.AppendFeature(wantConf, h.Layer+"/"+h.ZoneID, h.Conflict, props)
			}
			if len(h.Nearest) == 2 && h.DistanceM > 0 {
				if wantNear[len(wantNear)-1] == '}' {
					wantNear = append(wantNear, ',')
				}
				wantNear, _ = geo.AppendFeature(wantNear, h.Layer+"/"+h.ZoneID, h.Nearest, props)
			}
		}
		wantConf, wantNear = append(wantConf, "]}"...), append(wantNear, "]}"...)
		if !bytes.Equal(conf, wantConf) || !bytes.Equal(near, wantNear) {
			t.Fatalf("conflicts\n got %s\nwant %s\nnearest\n got %s\nwant %s", conf, wantConf, near, wantNear)
		}
		if !json.Valid(conf) || !json.Valid(near) {
			t.Fatalf("invalid JSON: %s %s", conf, near)
		}
	}
	_, _, err := conflictCollections([]geo.Hit{{Relation: geo.Relation{DistanceM: math.Inf(1), Nearest: orb.LineString{{1, 2}, {3, 4}}}}})
	if !errors.Is(err, geo.ErrJSONNumber) {
		t.Errorf("infinite distance: error %v, want geo.ErrJSONNumber", err)
	}
}

package geo_test

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// A site comes in as GeoJSON (or WKT) in the CRS the request names;
// NewSite checks it and keeps it both in lon/lat and in EPSG:4549 metres,
// where areas and distances are measured.
func ExampleNewSite() {
	// A point as a permit system sends it: GeoJSON, lon/lat (EPSG:4326).
	g, err := geo.DecodeGeometry([]byte(`{"type":"Point","coordinates":[119.93,31.78]}`), "/geometry", geo.MaxVertices)
	if err != nil {
		panic(err)
	}
	point, err := geo.NewSite(g, geo.CRS84, "/geometry")
	if err != nil {
		panic(err)
	}
	p, xy := point.Geometry.(orb.Point), point.Projected.(orb.Point)
	fmt.Printf("point: lon %.5f, lat %.5f = EPSG:4549 x %.1f m, y %.1f m\n", p[0], p[1], xy[0], xy[1])

	// A 100 m × 50 m parcel from a planning drawing, in EPSG:4549 metres
	// (CGCS2000 3-degree Gauss-Kruger, central meridian 120°E).
	g, err = geo.DecodeGeometry([]byte(`{"type":"Polygon","coordinates":[[
		[493400,3516700],[493500,3516700],[493500,3516750],[493400,3516750],[493400,3516700]]]}`), "/geometry", geo.MaxVertices)
	if err != nil {
		panic(err)
	}
	parcel, err := geo.NewSite(g, geo.GK120, "/geometry")
	if err != nil {
		panic(err)
	}
	corner := parcel.Geometry.(orb.Polygon)[0][0]
	fmt.Printf("parcel: first corner at lon %.5f, lat %.5f; area %.0f m²\n", corner[0], corner[1], parcel.Measure)

	// Bad input is an InputError that says where: here a latitude and
	// longitude given the wrong way round.
	g, _ = geo.DecodeGeometry([]byte(`{"type":"Point","coordinates":[31.78,119.93]}`), "/geometry", geo.MaxVertices)
	_, err = geo.NewSite(g, geo.CRS84, "/geometry")
	fmt.Println(err)
	// Output:
	// point: lon 119.93000, lat 31.78000 = EPSG:4549 x 493369.7 m, y 3517459.9 m
	// parcel: first corner at lon 119.93032, lat 31.77315; area 5000 m²
	// /geometry/coordinates: [31.78, 119.93] looks like [lat, lon]; GeoJSON positions are [lon, lat]
}

// Judge turns a store's relations for a site into a verdict with the rules
// in force on the day asked. Rules are data: a YAML file with a citation for
// every rule (data/rules.yaml is the real one).
func ExampleJudge() {
	rules, err := geo.ParseRules([]byte(`
version: "example"
valid_from: 2021-03-01
documents:
  yangtze-law:
    title: 《中华人民共和国长江保护法》
    effective_from: 2021-03-01
    dates_status: verified
categories:
  - id: chemical
    name: {zh: 化工项目, en: Chemical project}
    description: {zh: 新建、扩建化工项目, en: A new or extended chemical plant}
zone_kinds:
  - id: river-band
    name: {zh: 河道两侧1公里, en: Within 1 km of the river}
rules:
  - id: river-band.chemical
    zone_kind: river-band
    category: chemical
    effect: prohibited
    citation:
      document: yangtze-law
      article: 第二十六条
      quote: 禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目
      status: to_verify
    effective_from: 2021-03-01
`))
	if err != nil {
		panic(err)
	}
	asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	inDistrict := geo.Coverage{Inside: true, Whole: true, InsideRatio: 1}

	// What a store found: the site lies 420 m from the Xinmeng River.
	near := geo.Relations{Coverage: inDistrict, Hits: []geo.Relation{{
		Layer: "xinmeng-band", ZoneKind: "river-band", ZoneID: "xinmeng",
		Relation: geo.RelWithinDistance, DistanceM: 420,
	}}}
	v, err := geo.Judge(rules, near, "chemical", asOf)
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Verdict)
	for _, h := range v.Hits {
		fmt.Printf("  %s (%s %.0f m): rule %s, %s%s\n", h.ZoneID, h.Relation.Relation, h.DistanceM, h.RuleID, h.Citation.Title, h.Citation.Article)
	}

	// No zone met: allowed. Outside the district: never allowed.
	for _, rel := range []geo.Relations{{Coverage: inDistrict}, {Coverage: geo.Coverage{}}} {
		v, err := geo.Judge(rules, rel, "chemical", asOf)
		if err != nil {
			panic(err)
		}
		fmt.Println(v.Verdict, len(v.Hits))
	}
	// Output:
	// prohibited
	//   xinmeng (within_distance 420 m): rule river-band.chemical, 《中华人民共和国长江保护法》第二十六条
	// allowed 0
	// outside_coverage 0
}

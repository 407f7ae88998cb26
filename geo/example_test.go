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
// in force on the day asked and the facts the applicant declared. Rules are
// data: a YAML file with citations for every rule (data/rules.yaml is the
// real one). A fact not declared is a question, and the verdict is the
// strictest that is certain without it.
func ExampleJudge() {
	rules, err := geo.ParseRules([]byte(`
version: "example"
valid_from: 2020-01-08
documents:
  taihu-basin:
    title: 《太湖流域管理条例》（国务院令第604号）
    effective_from: 2011-11-01
    dates_status: verified
    read_in: "LawRefBook/Laws 行政法规/太湖流域管理条例.md"
facts:
  - id: discharges_to_water
    name: {zh: 向水体排放污染物, en: Discharges pollutants to water}
    question: {zh: 项目是否向水体排放污染物？, en: "Will the project discharge pollutants to water?"}
categories:
  - id: polluting-industry
    name: {zh: 其他污染型工业项目, en: Other polluting industry}
    description: {zh: 有废水或废气排放的工业项目, en: An industrial project with emissions}
    facts: [discharges_to_water]
zone_kinds:
  - id: river-band
    name: {zh: 新孟河岸线两侧各1000米, en: Within 1 000 m of the Xinmeng shoreline}
absent:
  - id: eco-red-line
    name: {zh: 生态保护红线, en: Ecological protection red line}
    citation: {document: taihu-basin, article: "", item: "", quote: 无, quote_status: to_verify, application: settled,
               note: {zh: 示例, en: Example}}
rules:
  - id: river-band.polluting-industry.if-discharges_to_water
    zone_kind: river-band
    category: polluting-industry
    when: {discharges_to_water: true}
    effect: prohibited
    citations:
      - {document: taihu-basin, article: 第三十条, item: （五）, quote: 新建、扩建向水体排放污染物的建设项目,
         quote_status: read, application: settled}
    effective_from: 2020-01-08
  - id: river-band.polluting-industry.if-not-discharges_to_water
    zone_kind: river-band
    category: polluting-industry
    when: {discharges_to_water: false}
    effect: allowed
    effective_from: 2020-01-08
`))
	if err != nil {
		panic(err)
	}
	asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	inDistrict := geo.Coverage{Inside: true, Whole: true, InsideRatio: 1}

	// What a store found: the site lies 500 m from the Xinmeng shore.
	near := geo.Relations{Coverage: inDistrict, Hits: []geo.Relation{{
		Layer: "xinmeng-band", ZoneKind: "river-band", ZoneID: "xinmeng-band-land",
		Relation: geo.RelWithinDistance, DistanceM: 500,
	}}}
	v, err := geo.Judge(rules, near, "polluting-industry", map[string]bool{"discharges_to_water": true}, asOf)
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Verdict)
	for _, h := range v.Hits {
		c := h.Citations[0]
		fmt.Printf("  %s (%s %.0f m): rule %s, %s%s%s [%s, %s]\n", h.ZoneID, h.Relation.Relation, h.DistanceM, h.RuleID, c.Title, c.Article, c.Item, c.QuoteStatus, c.Application)
	}

	// Nothing declared: the strictest certain verdict, and the question.
	v, err = geo.Judge(rules, near, "polluting-industry", nil, asOf)
	if err != nil {
		panic(err)
	}
	q := v.Questions[0]
	fmt.Printf("%s; %s true: %s, false: %s\n", v.Verdict, q.ID, q.IfTrue.Verdict, q.IfFalse.Verdict)

	// No zone met: allowed. Outside the district: never allowed.
	for _, rel := range []geo.Relations{{Coverage: inDistrict}, {Coverage: geo.Coverage{}}} {
		v, err := geo.Judge(rules, rel, "polluting-industry", nil, asOf)
		if err != nil {
			panic(err)
		}
		fmt.Println(v.Verdict, len(v.Hits))
	}
	// Output:
	// prohibited
	//   xinmeng-band-land (within_distance 500 m): rule river-band.polluting-industry.if-discharges_to_water, 《太湖流域管理条例》（国务院令第604号）第三十条（五） [read, settled]
	// allowed; discharges_to_water true: prohibited, false: allowed
	// allowed 0
	// outside_coverage 0
}

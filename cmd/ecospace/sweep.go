package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
)

const sweepUsage = `usage:
  ecospace sweep --file register.geojson|register.csv (--category-field F | --category ID)
  ecospace sweep --file parcels.txt --category ID   (a 用地报盘 TXT: one site per 地块)
                 [--lon-field F --lat-field F] [--id-field F] [--name-field F]
                 [--facts-field F] [--fact NAME=true|false ...]
                 [--crs CRS] [--as-of YYYY-MM-DD] [--out report.csv|report.geojson]
                 [--database-url URL]

Screens every enterprise of a register against the layers and rules, e.g. every
chemical firm within the Xinmeng River 1 km band, and writes a report a planner can
open in a spreadsheet: one row per register row, in the register's order, with the
verdict, the zones met, the distance to the zone's source and the citation. CSV
reports are UTF-8 with a byte-order mark (Excel and WPS open them correctly).

The register is a GeoJSON FeatureCollection (any geometry: a point or the firm's
parcel) or a CSV with a header row and longitude/latitude columns (found by name:
lon/lng/longitude/x/经度 and lat/latitude/y/纬度, or named with --lon-field and
--lat-field; CSV may be UTF-8 or GBK). The category column holds a category id
(chemical, …) or its Chinese or English name; --category gives one category to every
row. A row that cannot be screened (bad coordinates, unknown category) is reported
with status "error" and its reason; the sweep goes on.

A 用地报盘 TXT (the land department's boundary-point file: [属性描述] and
[地块坐标] sections, GBK or UTF-8) is swept one site per 地块, its 地块编号 as the
row's id and its 地块名称 as the name; it must be in CGCS2000 3° zone 40 (带号 40,
eastings with or without the 40 prefix), and a file in another datum or zone is
refused, naming the line. If the layer store cannot
answer, the sweep stops and writes no report.

Declared facts about each project (does it discharge to water, store hazardous
chemicals, emit N/P: GET /api/v1/rules lists them) come from a facts column or
property (found by name: facts/事实, or named with --facts-field), written as a JSON
object or as name=true; name=false pairs, and from --fact flags, which give every
row a default its own facts override. Without a fact a rule turns on, a row gets the
strictest verdict that is certain and the report's questions column says what each
answer would give. A fact name the rules do not know makes that row an error.

The embedded store with the demo layers is used unless --database-url is given.
Sweeps are not recorded in the audit log: the report is the record.

flags:
`

// sweepItem is one register row to screen.
type sweepItem struct {
	row      int // 1-based position in the register
	id, name string
	category string
	facts    string       // the row's declared facts, as written
	geometry orb.Geometry // nil when err is set
	err      error
}

// sweepResult is one report row.
type sweepResult struct {
	sweepItem
	verdict, zones, citation, citationStatus, zoneStatus string
	declared, questions, dataStatus                      string
	distance                                             float64 // < 0: none
	site                                                 orb.Geometry
	lon, lat                                             float64
}

type sweepOptions struct {
	categoryField, category, lonField, latField, idField, nameField string
	factsField                                                      string
	facts                                                           map[string]bool // --fact defaults
	encoding                                                        string
	crs                                                             geo.CRS
	crsGiven                                                        bool
}

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sweep", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), sweepUsage)
		fs.PrintDefaults()
	}
	file := fs.String("file", "", "the register: .geojson/.json or .csv")
	var o sweepOptions
	fs.StringVar(&o.categoryField, "category-field", "", "property or column holding each row's project category")
	fs.StringVar(&o.category, "category", "", "one category for every row (e.g. chemical), instead of --category-field")
	fs.StringVar(&o.lonField, "lon-field", "", "CSV column of longitudes (default: found by name)")
	fs.StringVar(&o.latField, "lat-field", "", "CSV column of latitudes (default: found by name)")
	fs.StringVar(&o.idField, "id-field", "", "property or column of the enterprise's id (default: id, 编号, 统一社会信用代码, …)")
	fs.StringVar(&o.nameField, "name-field", "", "property or column of the enterprise's name (default: name, 名称, 企业名称, …)")
	fs.StringVar(&o.factsField, "facts-field", "", "property or column of each row's declared facts (default: facts, 事实)")
	var factFlag factFlags
	fs.Var(&factFlag, "fact", "a declared fact for every row, NAME=true|false (repeatable; a row's own facts override it)")
	fs.StringVar(&o.encoding, "encoding", "auto", "CSV text encoding: auto, utf-8 or gbk")
	crsFlag := fs.String("crs", "", "CRS of the coordinates: EPSG:4326 (default), EPSG:4490, EPSG:4549 or GCJ-02 (default for GeoJSON: its crs member)")
	asOfFlag := fs.String("as-of", "", "date to screen on, YYYY-MM-DD (default: today in China)")
	out := fs.String("out", "", "report file: .csv or .geojson (default: CSV on stdout)")
	dbURL := fs.String("database-url", envOr("DATABASE_URL", ""), "PostgreSQL/PostGIS URL (DATABASE_URL); default: the embedded store with the demo layers")
	rulesFile := fs.String("rules", envOr("ECOSPACE_RULES", ""), "rules file instead of the bundled one (ECOSPACE_RULES)")
	workers := fs.Int("workers", min(4, max(2, runtime.GOMAXPROCS(0))), "rows screened at once")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "ecospace sweep: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run 'ecospace sweep -h' for help")
		return errUsage
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case *file == "":
		return bad("--file is required")
	case (o.categoryField == "") == (o.category == ""):
		return bad("give either --category-field or --category")
	case *workers < 1:
		return bad("--workers %d: give at least 1", *workers)
	}
	switch strings.ToLower(o.encoding) {
	case "", "auto", "utf-8", "utf8", "gbk", "gb18030", "gb2312", "cp936": // csvText's
	default:
		return bad("--encoding %q: use auto, utf-8 or gbk", o.encoding)
	}
	if err := checkInputFile("--file", *file, false); err != nil {
		return err
	}
	if *out != "" {
		if err := checkOutputDir("--out", *out, filepath.Dir(*out)); err != nil {
			return err
		}
	}
	if msg := checkDatabaseURL(*dbURL); msg != "" {
		return bad("%s: %s", flagName(fs, "database-url", "DATABASE_URL"), msg)
	}
	if *rulesFile != "" {
		if err := checkInputFile(flagName(fs, "rules", "ECOSPACE_RULES"), *rulesFile, false); err != nil {
			return err
		}
	}
	if *crsFlag != "" {
		c, err := geo.ParseCRS(*crsFlag)
		if err != nil {
			return bad("--crs: %v", err)
		}
		o.crs, o.crsGiven = c, true
	} else {
		o.crs = geo.CRS84
	}
	asOf := data.Today()
	if *asOfFlag != "" {
		t, err := time.Parse(time.DateOnly, *asOfFlag)
		if err != nil {
			return bad("--as-of %q is not a date YYYY-MM-DD", *asOfFlag)
		}
		asOf = t
	}
	format := "csv"
	if *out != "" {
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".csv":
		case ".geojson", ".json":
			format = "geojson"
		default:
			return bad("--out %q: the report is .csv or .geojson", *out)
		}
	}
	rules, err := loadRules(*rulesFile)
	if err != nil {
		return err
	}
	if !rules.Covers(asOf) {
		return bad("--as-of %s is before %s, the first day the rules answer for", asOf.Format(time.DateOnly), rules.ValidFrom)
	}
	if len(factFlag) > 0 {
		if o.facts, err = parseFactsText(rules, strings.Join(factFlag, ";")); err != nil {
			return bad("--fact: %v", err)
		}
	}
	if o.category != "" {
		id, ok := categoryOf(rules, o.category)
		if !ok {
			return bad("--category %q is not known; use one of %s", o.category, strings.Join(rules.CategoryIDs(), ", "))
		}
		o.category = id
	}
	reg, err := openRegister(*file, o)
	if err != nil {
		return err
	}
	defer reg.close()

	store, err := openStore(ctx, slog.New(slog.DiscardHandler), *dbURL, false)
	if err != nil {
		return err
	}
	defer store.Close()

	var w io.Writer = stdout
	var tmp *os.File
	if *out != "" {
		if tmp, err = os.CreateTemp(filepath.Dir(*out), ".ecospace-sweep-*"); err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		w = tmp
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	rep := newReportWriter(bw, format)
	prog := newProgress(stderr, "sweep")
	counts := map[string]int{}
	done := 0
	start := time.Now()
	// Sweeps are not filed in the audit log: the report is the record.
	checker := check.New(check.Config{Store: store, Rules: rules, Unaudited: true})
	err = check.Each(ctx, *workers, reg.next, func(ctx context.Context, it sweepItem) (sweepResult, error) {
		return screen(ctx, checker, rules, asOf, o, it)
	}, func(r sweepResult, err error) error {
		if err != nil {
			return err
		}
		done++
		if r.err != nil {
			counts["error"]++
		} else {
			counts[r.verdict]++
		}
		prog.update(done, reg.total)
		return rep.write(r)
	})
	prog.finish(err == nil)
	if err != nil {
		return fmt.Errorf("sweep stopped at row %d; no report written: %w", done+1, err)
	}
	if err := rep.close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	where := "stdout"
	if tmp != nil {
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), *out); err != nil {
			return err
		}
		where = *out
	}
	fmt.Fprintf(stderr, "screened %d rows in %s on %s: %d prohibited, %d restricted, %d allowed, %d outside coverage, %d not screened (see status); report: %s\n",
		done, time.Since(start).Round(time.Millisecond), asOf.Format(time.DateOnly), counts[geo.EffectProhibited], counts[geo.EffectRestricted],
		counts[geo.EffectAllowed], counts[geo.VerdictOutsideCoverage], counts["error"], where)
	return nil
}

// categoryOf resolves a category by id, or by its Chinese or English name.
func categoryOf(rules *geo.RuleSet, v string) (string, bool) {
	v = strings.TrimSpace(v)
	if c, ok := rules.Category(v); ok {
		return c.ID, true
	}
	for _, c := range rules.Categories {
		if v != "" && (v == c.Name.ZH || strings.EqualFold(v, c.Name.EN) || strings.EqualFold(v, c.ID)) {
			return c.ID, true
		}
	}
	return "", false
}

// screen checks one row. Only a store that cannot answer is an error (it
// stops the sweep); anything wrong with the row is reported on the row.
func screen(ctx context.Context, checker *check.Checker, rules *geo.RuleSet, asOf time.Time, o sweepOptions, it sweepItem) (sweepResult, error) {
	r := sweepResult{sweepItem: it, distance: -1}
	if r.err != nil {
		return r, nil
	}
	if o.category != "" {
		r.category = o.category
	} else if id, ok := categoryOf(rules, it.category); ok {
		r.category = id
	} else {
		r.err = fmt.Errorf("category %q is not known; use one of %s", it.category, strings.Join(rules.CategoryIDs(), ", "))
		return r, nil
	}
	cat, _ := rules.Category(r.category)
	facts, err := parseFactsText(rules, it.facts)
	if err != nil {
		r.err = err
		return r, nil
	}
	facts = check.MergeFacts(o.facts, facts)
	site, err := geo.NewSite(it.geometry, o.crs, "")
	if err != nil {
		r.err = err
		return r, nil
	}
	r.site = site.Geometry
	c := site.Geometry.Bound().Center()
	r.lon, r.lat = c[0], c[1]
	if p, ok := site.Geometry.(orb.Point); ok {
		r.lon, r.lat = p[0], p[1]
	}
	ans, err := checker.Run(ctx, "", &check.Input{Site: site, Category: cat, CRS: o.crs, AsOf: asOf, Facts: facts})
	if err != nil {
		var ie *check.InputError
		if errors.As(err, &ie) {
			r.err = ie
			return r, nil
		}
		return r, err
	}
	v := ans.Response
	r.verdict, r.dataStatus = v.Verdict, v.DataStatus
	r.declared, r.questions = factsText(v.Facts), questionsText(v.Questions)
	var zones, cites, cstat, zstat []string
	for _, h := range v.Hits {
		zone := fmt.Sprintf("%s/%s %s %s", h.Layer, h.ZoneID, h.ZoneName.ZH, h.Effect)
		if h.Relation.Relation == geo.RelWithinDistance {
			zone += fmt.Sprintf(" (%s m)", formatMetres(h.DistanceM))
		}
		zones = append(zones, zone)
		if h.Effect != v.Verdict {
			continue
		}
		if h.Relation.Relation == geo.RelWithinDistance && (r.distance < 0 || h.DistanceM < r.distance) {
			r.distance = h.DistanceM
		}
		if len(h.Citations) == 0 {
			continue
		}
		c := h.Citations[0] // the deciding one
		cite := strings.TrimSpace(c.Title + " " + c.Article + c.Item)
		if c.Quote != "" {
			cite += "：" + c.Quote
		}
		if !slices.Contains(cites, cite) {
			cites = append(cites, cite)
			cstat = append(cstat, "quote "+c.QuoteStatus+", application "+c.Application)
		}
		if h.Status != "" && !slices.Contains(zstat, h.Status) {
			zstat = append(zstat, h.Status)
		}
	}
	r.zones, r.citation = strings.Join(zones, "; "), strings.Join(cites, " | ")
	r.citationStatus, r.zoneStatus = strings.Join(cstat, " | "), strings.Join(zstat, ",")
	return r, nil
}

// formatMetres writes metres as answers give them: to the millimetre,
// without trailing zeros.
func formatMetres(m float64) string {
	return strconv.FormatFloat(geo.RoundDistance(m), 'f', -1, 64)
}

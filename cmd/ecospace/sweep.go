package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
)

const sweepUsage = `usage:
  ecospace sweep --file register.geojson|register.csv (--category-field F | --category ID)
                 [--lon-field F --lat-field F] [--id-field F] [--name-field F]
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
with status "error" and its reason; the sweep goes on. If the layer store cannot
answer, the sweep stops and writes no report.

The embedded store with the demo layers is used unless --database-url is given.
Sweeps are not recorded in the audit log: the report is the record.

flags:
`

// sweepColumns are the report's columns, in order.
var sweepColumns = []string{"row", "id", "name", "category", "lon", "lat", "verdict", "verdict_zh", "zones", "distance_m",
	"citation", "citation_status", "zone_status", "status", "detail"}

var verdictZH = map[string]string{
	geo.EffectProhibited: "禁止", geo.EffectRestricted: "限制", geo.EffectAllowed: "允许", geo.VerdictOutsideCoverage: "不在钟楼区范围内",
}

// sweepItem is one register row to screen.
type sweepItem struct {
	row      int // 1-based position in the register
	id, name string
	category string
	geometry orb.Geometry // nil when err is set
	err      error
}

// sweepResult is one report row.
type sweepResult struct {
	sweepItem
	verdict, zones, citation, citationStatus, zoneStatus string
	distance                                             float64 // < 0: none
	site                                                 orb.Geometry
	lon, lat                                             float64
}

type sweepOptions struct {
	categoryField, category, lonField, latField, idField, nameField string
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
	fs.StringVar(&o.encoding, "encoding", "auto", "CSV text encoding: auto, utf-8 or gbk")
	crsFlag := fs.String("crs", "", "CRS of the coordinates: EPSG:4326 (default), EPSG:4490, EPSG:4549 or GCJ-02 (default for GeoJSON: its crs member)")
	asOfFlag := fs.String("as-of", "", "date to screen on, YYYY-MM-DD (default: today in China)")
	out := fs.String("out", "", "report file: .csv or .geojson (default: CSV on stdout)")
	dbURL := fs.String("database-url", envOr("DATABASE_URL", ""), "PostgreSQL/PostGIS URL (DATABASE_URL); default: the embedded store with the demo layers")
	rulesFile := fs.String("rules", envOr("ECOSPACE_RULES", ""), "rules file instead of the bundled one (ECOSPACE_RULES)")
	workers := fs.Int("workers", min(4, max(2, runtime.GOMAXPROCS(0))), "rows screened at once")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
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
		return bad("--workers must be at least 1")
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
	ans, err := checker.Run(ctx, "", &check.Input{Site: site, Category: cat, CRS: o.crs, AsOf: asOf})
	if err != nil {
		return r, err
	}
	v := ans.Response
	r.verdict = v.Verdict
	var zones, cites, cstat, zstat []string
	for _, h := range v.Hits {
		zones = append(zones, fmt.Sprintf("%s/%s %s %s (%.0f m)", h.Layer, h.ZoneID, h.ZoneName.ZH, h.Effect, h.DistanceM))
		if h.Effect != v.Verdict {
			continue
		}
		if r.distance < 0 || h.DistanceM < r.distance {
			r.distance = h.DistanceM
		}
		cite := strings.TrimSpace(h.Citation.Title + " " + h.Citation.Article)
		if h.Citation.Quote != "" {
			cite += "：" + h.Citation.Quote
		}
		if !slices.Contains(cites, cite) {
			cites = append(cites, cite)
			cstat = append(cstat, h.Citation.Status)
		}
		if h.Status != "" && !slices.Contains(zstat, h.Status) {
			zstat = append(zstat, h.Status)
		}
	}
	r.zones, r.citation = strings.Join(zones, "; "), strings.Join(cites, " | ")
	r.citationStatus, r.zoneStatus = strings.Join(cstat, " | "), strings.Join(zstat, ",")
	return r, nil
}

// register reads a register one row at a time.
type register struct {
	total int // rows, counted in a first pass, for the progress bar
	next  func() (sweepItem, bool, error)
	close func()
}

func openRegister(path string, o sweepOptions) (*register, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt":
		return openCSVRegister(path, o)
	case ".geojson", ".json":
		return openGeoJSONRegister(path, o)
	}
	return nil, fmt.Errorf("--file %s: a register is .geojson, .json or .csv", path)
}

var (
	lonNames  = []string{"lon", "lng", "long", "longitude", "x", "经度"}
	latNames  = []string{"lat", "latitude", "y", "纬度"}
	idNames   = []string{"id", "code", "编号", "代码", "统一社会信用代码", "信用代码"}
	nameNames = []string{"name", "名称", "企业名称", "单位名称", "公司名称"}
)

// field finds a column or property: the one named, else the first of the
// candidates present (case and surrounding space ignored).
func field(names []string, named string, candidates []string) int {
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	if named != "" {
		for i, n := range names {
			if norm(n) == norm(named) {
				return i
			}
		}
		return -1
	}
	for _, c := range candidates {
		for i, n := range names {
			if norm(n) == c {
				return i
			}
		}
	}
	return -1
}

// csvText opens a CSV file as UTF-8: the byte-order mark is dropped, and a
// file that is not UTF-8 is read as GB18030 (a superset of GBK, what Excel
// writes on Chinese Windows).
func csvText(path, encoding string) (io.Reader, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	head, _ := br.Peek(1 << 20)
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	gbk := false
	switch strings.ToLower(encoding) {
	case "gbk", "gb18030", "gb2312", "cp936":
		gbk = true
	case "utf-8", "utf8":
	case "auto", "":
		// A multi-byte character may be cut at the end of the sample.
		for i := 0; i < 4 && len(head) > 0 && !utf8.Valid(head); i++ {
			head = head[:len(head)-1]
		}
		gbk = !utf8.Valid(head)
	default:
		f.Close()
		return nil, nil, fmt.Errorf("--encoding %q: use auto, utf-8 or gbk", encoding)
	}
	if gbk {
		return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), f, nil
	}
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	return br, f, nil
}

func openCSVRegister(path string, o sweepOptions) (*register, error) {
	// First pass: count the rows.
	r, f, err := csvText(path, o.encoding)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	total := -1
	for {
		if _, err := cr.Read(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		total++
	}
	f.Close()
	if total < 0 {
		return nil, fmt.Errorf("%s: the file is empty", path)
	}

	r, f, err = csvText(path, o.encoding)
	if err != nil {
		return nil, err
	}
	cr = csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	col := func(what, named string, cands []string, required bool) (int, error) {
		i := field(header, named, cands)
		if i < 0 && (required || named != "") {
			f.Close()
			flagName := strings.ReplaceAll(what, " ", "-")
			return -1, fmt.Errorf("%s: no %s column (name it with --%s-field); the columns are %s", path, what, flagName, strings.Join(header, ", "))
		}
		return i, nil
	}
	lonI, err := col("lon", o.lonField, lonNames, true)
	if err != nil {
		return nil, err
	}
	latI, err := col("lat", o.latField, latNames, true)
	if err != nil {
		return nil, err
	}
	idI, err := col("id", o.idField, idNames, false)
	if err != nil {
		return nil, err
	}
	nameI, err := col("name", o.nameField, nameNames, false)
	if err != nil {
		return nil, err
	}
	catI := -1
	if o.categoryField != "" {
		if catI, err = col("category", o.categoryField, nil, true); err != nil {
			return nil, err
		}
	}
	row := 0
	get := func(rec []string, i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	next := func() (sweepItem, bool, error) {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return sweepItem{}, false, nil
		}
		row++
		if err != nil {
			return sweepItem{}, false, fmt.Errorf("%s row %d: %w", path, row, err)
		}
		it := sweepItem{row: row, id: get(rec, idI), name: get(rec, nameI), category: get(rec, catI)}
		lon, lerr := parseCoord(get(rec, lonI))
		lat, terr := parseCoord(get(rec, latI))
		switch {
		case lerr != nil:
			it.err = fmt.Errorf("%s %q: %v", header[lonI], get(rec, lonI), lerr)
		case terr != nil:
			it.err = fmt.Errorf("%s %q: %v", header[latI], get(rec, latI), terr)
		default:
			it.geometry = orb.Point{lon, lat}
		}
		return it, true, nil
	}
	return &register{total: total, next: next, close: func() { f.Close() }}, nil
}

func parseCoord(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a finite number")
	}
	return v, nil
}

func openGeoJSONRegister(path string, o sweepOptions) (*register, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// First pass: the crs member and the feature count.
	total, fileCRS, err := scanRegister(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if fileCRS != "" && !o.crsGiven {
		c, err := geo.ParseCRS(fileCRS)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: crs member: %w (or give --crs)", path, err)
		}
		o.crs = c
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	if err := toFeatures(dec); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	row := 0
	next := func() (sweepItem, bool, error) {
		if !dec.More() {
			return sweepItem{}, false, nil
		}
		row++
		var feat struct {
			Type       string          `json:"type"`
			ID         json.RawMessage `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		}
		if err := dec.Decode(&feat); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return sweepItem{row: row, err: fmt.Errorf("feature %d is not a GeoJSON Feature", row-1)}, true, nil
			}
			return sweepItem{}, false, fmt.Errorf("%s feature %d: %w", path, row-1, err)
		}
		keys := make([]string, 0, len(feat.Properties))
		for k := range feat.Properties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		prop := func(named string, cands []string) string {
			if i := field(keys, named, cands); i >= 0 {
				return propText(feat.Properties[keys[i]])
			}
			return ""
		}
		it := sweepItem{row: row, id: prop(o.idField, idNames), name: prop(o.nameField, nameNames)}
		if it.id == "" && o.idField == "" {
			it.id = strings.Trim(string(feat.ID), `"`)
		}
		if o.categoryField != "" {
			it.category = prop(o.categoryField, nil)
		}
		g, err := geo.DecodeGeometry(feat.Geometry, fmt.Sprintf("/features/%d/geometry", row-1), geo.MaxVertices)
		if err != nil {
			it.err = err
		} else {
			it.geometry = g
		}
		return it, true, nil
	}
	return &register{total: total, next: next, close: func() { f.Close() }}, nil
}

func propText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// scanRegister counts a FeatureCollection's features and reads its crs.
func scanRegister(r io.Reader) (int, string, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return 0, "", errors.New("not a GeoJSON FeatureCollection")
	}
	n, crs, features := 0, "", false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return 0, "", err
		}
		switch tok {
		case "features":
			features = true
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return 0, "", errors.New(`"features" is not an array`)
			}
			for dec.More() {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return 0, "", fmt.Errorf("feature %d: %w", n, err)
				}
				n++
			}
			dec.Token()
		case "crs":
			var c struct {
				Properties struct {
					Name string `json:"name"`
				} `json:"properties"`
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return 0, "", err
			}
			if json.Unmarshal(raw, &crs) != nil && json.Unmarshal(raw, &c) == nil {
				crs = c.Properties.Name
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, "", err
			}
		}
	}
	if !features {
		return 0, "", errors.New(`not a GeoJSON FeatureCollection: no "features"`)
	}
	return n, crs, nil
}

// toFeatures moves the decoder to the first element of "features".
func toFeatures(dec *json.Decoder) error {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("not a GeoJSON FeatureCollection")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok == "features" {
			_, err := dec.Token()
			return err
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return errors.New(`no "features"`)
}

// reportWriter writes report rows as CSV (UTF-8 with BOM) or GeoJSON.
type reportWriter struct {
	w      *bufio.Writer
	csv    *csv.Writer
	format string
	n      int
}

func newReportWriter(w *bufio.Writer, format string) *reportWriter {
	rw := &reportWriter{w: w, format: format}
	if format == "csv" {
		w.WriteString("\xEF\xBB\xBF")
		rw.csv = csv.NewWriter(w)
		rw.csv.UseCRLF = true // what spreadsheets expect
		rw.csv.Write(sweepColumns)
	} else {
		w.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	}
	return rw
}

func (rw *reportWriter) values(r sweepResult) []string {
	num := func(v float64, prec int) string {
		if r.err != nil {
			return ""
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	dist := ""
	if r.distance >= 0 {
		dist = strconv.FormatFloat(r.distance, 'f', 1, 64)
	}
	status, detail := "ok", ""
	if r.err != nil {
		status, detail = "error", r.err.Error()
	}
	cat := r.category
	if cat == "" {
		cat = r.sweepItem.category
	}
	return []string{strconv.Itoa(r.row), r.id, r.name, cat, num(r.lon, 6), num(r.lat, 6), r.verdict, verdictZH[r.verdict],
		r.zones, dist, r.citation, r.citationStatus, r.zoneStatus, status, detail}
}

func (rw *reportWriter) write(r sweepResult) error {
	vals := rw.values(r)
	if rw.csv != nil {
		// A cell starting with = + - @ is a formula to a spreadsheet: a
		// register's text must not run as one.
		for i, v := range vals {
			if v != "" && strings.ContainsRune("=+-@", rune(v[0])) && i != 4 && i != 5 {
				vals[i] = "'" + v
			}
		}
		rw.csv.Write(vals)
		return rw.csv.Error()
	}
	props := make(map[string]any, len(sweepColumns))
	for i, c := range sweepColumns {
		props[c] = vals[i]
	}
	props["row"] = r.row
	if r.distance >= 0 {
		props["distance_m"] = math.Round(r.distance*10) / 10
	} else {
		props["distance_m"] = nil
	}
	if rw.n > 0 {
		rw.w.WriteString(",\n")
	}
	rw.n++
	b, err := geo.AppendFeature(nil, strconv.Itoa(r.row), r.site, props)
	if err != nil {
		return err
	}
	_, err = rw.w.Write(b)
	return err
}

func (rw *reportWriter) close() error {
	if rw.csv != nil {
		rw.csv.Flush()
		return rw.csv.Error()
	}
	_, err := rw.w.WriteString("\n]}\n")
	return err
}

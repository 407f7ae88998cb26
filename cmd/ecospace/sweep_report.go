package main

import (
	"bufio"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/zhonglou/ecospace/geo"
)

// sweepColumns are the report's columns, in order.
var sweepColumns = []string{"row", "id", "name", "category", "facts", "lon", "lat", "verdict", "verdict_zh", "questions", "zones", "distance_m",
	"citation", "citation_status", "zone_status", "data_status", "status", "detail"}

var verdictZH = map[string]string{
	geo.EffectProhibited: "禁止", geo.EffectRestricted: "限制", geo.EffectAllowed: "允许", geo.VerdictOutsideCoverage: "不在钟楼区范围内",
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
		dist = formatMetres(r.distance)
	}
	status, detail := "ok", ""
	if r.err != nil {
		status, detail = "error", r.err.Error()
	}
	cat := r.category
	if cat == "" {
		cat = r.sweepItem.category
	}
	facts := r.declared
	if r.err != nil {
		facts = r.sweepItem.facts
	}
	return []string{strconv.Itoa(r.row), r.id, r.name, cat, facts, num(r.lon, 6), num(r.lat, 6), r.verdict, verdictZH[r.verdict],
		r.questions, r.zones, dist, r.citation, r.citationStatus, r.zoneStatus, r.dataStatus, status, detail}
}

func (rw *reportWriter) write(r sweepResult) error {
	vals := rw.values(r)
	if rw.csv != nil {
		// A cell starting with = + - @ is a formula to a spreadsheet: a
		// register's text must not run as one.
		for i, v := range vals {
			if v != "" && strings.ContainsRune("=+-@", rune(v[0])) && sweepColumns[i] != "lon" && sweepColumns[i] != "lat" {
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
		props["distance_m"] = geo.RoundDistance(r.distance)
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

package server

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/geo"
)

// zippedShapefile builds a one-polygon Shapefile (.shp, .shx, .dbf and,
// with prj, a WGS 84 .prj) and zips it. ring is the exterior, clockwise.
func zippedShapefile(t *testing.T, id, name string, ring [][2]float64, prj bool) []byte {
	t.Helper()
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range ring {
		minX, minY, maxX, maxY = math.Min(minX, p[0]), math.Min(minY, p[1]), math.Max(maxX, p[0]), math.Max(maxY, p[1])
	}
	le, be := binary.LittleEndian, binary.BigEndian
	// Record content: type, box, 1 part, n points.
	var content bytes.Buffer
	binary.Write(&content, le, int32(5))
	binary.Write(&content, le, [4]float64{minX, minY, maxX, maxY})
	binary.Write(&content, le, int32(1))
	binary.Write(&content, le, int32(len(ring)))
	binary.Write(&content, le, int32(0))
	for _, p := range ring {
		binary.Write(&content, le, p)
	}
	header := func(words int) []byte {
		h := make([]byte, 100)
		be.PutUint32(h[0:], 9994)
		be.PutUint32(h[24:], uint32(words))
		le.PutUint32(h[28:], 1000)
		le.PutUint32(h[32:], 5)
		for i, v := range []float64{minX, minY, maxX, maxY} {
			le.PutUint64(h[36+8*i:], math.Float64bits(v))
		}
		return h
	}
	var shp, shx bytes.Buffer
	shp.Write(header((100 + 8 + content.Len()) / 2))
	binary.Write(&shp, be, int32(1))
	binary.Write(&shp, be, int32(content.Len()/2))
	shp.Write(content.Bytes())
	shx.Write(header((100 + 8) / 2))
	binary.Write(&shx, be, int32(50))
	binary.Write(&shx, be, int32(content.Len()/2))

	// dBase III with two character fields.
	fields := []struct {
		name string
		size int
		val  string
	}{{"ID", 40, id}, {"NAME_ZH", 100, name}}
	var dbf bytes.Buffer
	recLen := 1
	for _, f := range fields {
		recLen += f.size
	}
	dbf.Write([]byte{3, 126, 1, 1})
	binary.Write(&dbf, le, uint32(1))
	binary.Write(&dbf, le, uint16(32+32*len(fields)+1))
	binary.Write(&dbf, le, uint16(recLen))
	dbf.Write(make([]byte, 20))
	for _, f := range fields {
		d := make([]byte, 32)
		copy(d, f.name)
		d[11] = 'C'
		d[16] = byte(f.size)
		dbf.Write(d)
	}
	dbf.WriteByte(0x0D)
	dbf.WriteByte(' ')
	for _, f := range fields {
		v := []byte(f.val)
		dbf.Write(append(v, bytes.Repeat([]byte(" "), f.size-len(v))...))
	}
	dbf.WriteByte(0x1A)

	files := map[string][]byte{"corridor.shp": shp.Bytes(), "corridor.shx": shx.Bytes(), "corridor.dbf": dbf.Bytes(), "corridor.cpg": []byte("UTF-8")}
	if prj {
		files["corridor.prj"] = []byte(`GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`)
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for name, b := range files {
		w, _ := zw.Create(name)
		w.Write(b)
	}
	zw.Close()
	return zb.Bytes()
}

func put(t *testing.T, s *Server, path, ctype string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("PUT", path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func TestLayerUpload(t *testing.T) {
	s, k := keyedServer(t, nil)
	admin := bearer(k.admin)
	layerAt := func(id, asOf string) (version int64) {
		var li struct {
			Version int64 `json:"version"`
		}
		json.Unmarshal(call(t, s, "GET", "/api/v1/layers/"+id+"?as_of="+asOf, "").Body.Bytes(), &li)
		return li.Version
	}

	// The river moved 3 km east from 2030: a new version, and the 1 km
	// band derived from it is recomputed in the same step. The steward has
	// only its centre line: a line is refused for a source layer unless
	// it comes with the channel's half-width.
	river := `{"type":"FeatureCollection","features":[{"type":"Feature","id":"xinmeng","properties":{"name_zh":"新孟河"},"geometry":{"type":"LineString","coordinates":[[119.7915,31.7500],[119.7920,31.7850],[119.7950,31.8540]]}}]}`
	p := wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-river?valid_from=2030-01-01", "application/geo+json", []byte(river), admin...), 422, "invalid-import")
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Detail, "half-width") || !strings.Contains(p.Errors[0].Detail, "?half_width=") {
		t.Errorf("a centre line without a half-width: %+v", p)
	}
	wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-corridor?valid_from=2030-01-01&half_width=50", "application/geo+json", []byte(river), admin...), 400, "invalid-half-width")
	wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-river?valid_from=2030-01-01&half_width=-3", "application/geo+json", []byte(river), admin...), 400, "invalid-half-width")
	rec := put(t, s, "/api/v1/layers/xinmeng-river?valid_from=2030-01-01&half_width=50", "application/geo+json", []byte(river), admin...)
	if rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var up LayerUpload
	json.Unmarshal(rec.Body.Bytes(), &up)
	if up.Layer != "xinmeng-river" || up.Version != 2 || up.ValidFrom.String() != "2030-01-01" || up.FeatureCount != 1 || up.Format != "GeoJSON" ||
		len(up.Derived) != 1 || up.Derived[0].ID != "xinmeng-band" || up.Derived[0].Version != 2 {
		t.Errorf("upload answer %+v", up)
	}
	// Not back-dated: no count in the request (the background
	// re-evaluation judges the filed decisions once).
	if up.Backdated || up.DecisionsChanged != nil || strings.Contains(rec.Body.String(), "decisions_changed") {
		t.Errorf("a forward upload counted decisions in its request: %s", rec.Body)
	}
	if loc := rec.Header().Get("Location"); loc != "/api/v1/layers/xinmeng-river?as_of=2030-01-01" {
		t.Errorf("Location %q", loc)
	}
	if layerAt("xinmeng-river", "2026-06-01") != 1 || layerAt("xinmeng-river", "2030-06-01") != 2 || layerAt("xinmeng-band", "2030-06-01") != 2 {
		t.Error("versions in force")
	}
	// The old river point is in the band in 2026, not in 2030.
	inBand := func(asOf string) bool {
		_, resp := postCheckJSON(t, s, `{"geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"category":"chemical","as_of":"`+asOf+`"}`)
		for _, h := range resp.Hits {
			if h.Layer == "xinmeng-band" {
				return true
			}
		}
		return false
	}
	if !inBand("2026-06-01") || inBand("2030-06-01") {
		t.Error("the derived band did not follow the new river version")
	}
	// On the new river's centre line: in the water, and the answer says
	// that the shore was derived from the centre line.
	_, resp := postCheckJSON(t, s, `{"geometry":{"type":"Point","coordinates":[119.7920,31.7850]},"category":"chemical","as_of":"2030-06-01"}`)
	found := false
	for _, h := range resp.Hits {
		if h.Layer == "xinmeng-band" {
			found = true
			if h.DistanceM != 0 || h.Origin == nil || h.Origin.HalfWidthM != 50 || !strings.Contains(h.Origin.Note.EN, "centre line ± 50 m") {
				t.Errorf("hit on the derived river: %+v origin %+v", h.Relation, h.Origin)
			}
		}
	}
	if !found {
		t.Errorf("no band hit on the new river: %+v", resp.Hits)
	}
	var li geo.LayerInfo
	json.Unmarshal(call(t, s, "GET", "/api/v1/layers/xinmeng-band?as_of=2030-06-01", "").Body.Bytes(), &li)
	if li.Origin == nil || li.Origin.HalfWidthM != 50 {
		t.Errorf("layer info of the band from the derived river: origin %+v", li.Origin)
	}

	// A bad polygon: refused, every bad feature listed, nothing changed.
	bad := `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","id":"ok","properties":{},"geometry":{"type":"Polygon","coordinates":[[[119.75,31.77],[119.76,31.77],[119.76,31.78],[119.75,31.77]]]}},` +
		`{"type":"Feature","id":"bowtie","properties":{},"geometry":{"type":"Polygon","coordinates":[[[119.80,31.78],[119.81,31.79],[119.81,31.78],[119.80,31.79],[119.80,31.78]]]}},` +
		`{"type":"Feature","id":"open","properties":{},"geometry":{"type":"Polygon","coordinates":[[[119.80,31.78],[119.81,31.78],[119.81,31.79],[119.80,31.79]]]}}]}`
	p = wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-corridor?valid_from=2030-01-01", "application/geo+json", []byte(bad), admin...), 422, "invalid-import")
	if len(p.Errors) != 2 || !strings.HasPrefix(p.Errors[0].Pointer, "/features/1/geometry") || !strings.HasPrefix(p.Errors[1].Pointer, "/features/2/geometry") {
		t.Errorf("per-feature errors %+v", p.Errors)
	}
	if layerAt("xinmeng-corridor", "2030-06-01") != 1 {
		t.Error("a refused upload changed the corridor")
	}
	// Before the newest version's valid_from: back-dated, refused
	// without ?backdate=true (409, saying which version it would precede).
	p = wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-river?valid_from=2029-01-01", "application/geo+json", []byte(river), admin...), 409, "backdate-needed")
	if !strings.Contains(p.Detail, "version 2") || !strings.Contains(p.Detail, "backdate=true") || p.Pointer != "?valid_from" {
		t.Errorf("back-date refusal: %+v", p)
	}
	wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-river?valid_from=2029-01-01&backdate=yes", "application/geo+json", []byte(river), admin...), 400, "invalid-query")

	// A zipped Shapefile, its CRS from the .prj; without one, ?crs= names it.
	ring := [][2]float64{{119.745, 31.765}, {119.745, 31.80}, {119.78, 31.80}, {119.78, 31.765}, {119.745, 31.765}}
	rec = put(t, s, "/api/v1/layers/xinmeng-corridor?valid_from=2031-01-01", "application/zip", zippedShapefile(t, "corridor-2031", "新孟河清水通道维护区（调整）", ring, true), admin...)
	if rec.Code != 201 {
		t.Fatalf("shapefile: %d %s", rec.Code, rec.Body)
	}
	json.Unmarshal(rec.Body.Bytes(), &up)
	if up.Format != "Shapefile" || up.CRS != "EPSG:4326" || up.Version != 2 {
		t.Errorf("shapefile upload %+v", up)
	}
	var fc struct {
		Features []struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	json.Unmarshal(call(t, s, "GET", "/api/v1/layers/xinmeng-corridor/features?as_of=2031-06-01", "").Body.Bytes(), &fc)
	if len(fc.Features) != 1 || fc.Features[0].ID != "corridor-2031" || fc.Features[0].Properties["NAME_ZH"] != "新孟河清水通道维护区（调整）" {
		t.Errorf("stored features %+v", fc.Features)
	}
	noPRJ := zippedShapefile(t, "c", "c", ring, false)
	p = wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-corridor?valid_from=2032-01-01", "application/zip", noPRJ, admin...), 400, "invalid-layer")
	if !strings.Contains(p.Detail, "?crs=") {
		t.Errorf("no-prj detail: %s", p.Detail)
	}
	if rec := put(t, s, "/api/v1/layers/xinmeng-corridor?valid_from=2032-01-01&crs=EPSG:4326", "application/zip", noPRJ, admin...); rec.Code != 201 {
		t.Errorf("with ?crs=: %d %s", rec.Code, rec.Body)
	}
	wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-corridor?crs=EPSG:3857", "application/zip", noPRJ, admin...), 400, "unknown-crs")
	wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-corridor", "application/geo+json", nil, admin...), 400, "invalid-layer")
	wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-corridor?valid_from=2033-01-01", "application/geo+json", []byte(river), append(admin, "Valid-From", "2034-01-01")...), 400, "invalid-date")
}

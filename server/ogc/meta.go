package ogc

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Metadata resources take f and, for clients that append one query to
// every request they make (GDAL before 3.7 does so with the query of its
// connection string, which is how it asks for a CRS), crs. A valid crs is
// carried into the links that lead to features; it changes nothing else.
var metaParams = []string{"f", "crs"}

func (h *handler) landing(c echo.Context) error {
	q, f, crsQ, err := metaRequest(c)
	if err != nil {
		return err
	}
	base := h.base(c.Request())
	doc := struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Links       []link `json:"links"`
	}{
		Title: h.cfg.Title,
		Description: "钟楼区生态空间管控图层（新孟河清水通道、两侧1公里管控带、大运河核心监控区、生态廊道等），按 OGC API – Features 提供。" +
			"The ecological-space control layers of Zhonglou District, Changzhou, served through OGC API – Features; " +
			"each collection is one layer, its items the features of the layer version in force on the requested date.",
	}
	doc.Links = append(selfLinks(base, q, f, mtJSON, "This document"),
		link{Href: base + "/api", Rel: "service-desc", Type: mtOpenAPI, Title: "The API definition (OpenAPI 3.0)"},
		link{Href: base + "/api?f=html", Rel: "service-doc", Type: mtHTML, Title: "The API documentation"},
		link{Href: base + "/conformance", Rel: "conformance", Type: mtJSON, Title: "Conformance classes implemented"},
		link{Href: withQuery(base+"/collections", crsQ), Rel: "data", Type: mtJSON, Title: "The collections (layers)"},
	)
	if f == "html" {
		return h.render(c, "landing", doc.Title, doc)
	}
	return c.JSON(http.StatusOK, doc)
}

func (h *handler) conformance(c echo.Context) error {
	_, f, _, err := metaRequest(c)
	if err != nil {
		return err
	}
	doc := map[string]any{"conformsTo": conformance}
	if f == "html" {
		return h.render(c, "conformance", "Conformance", doc)
	}
	return c.JSON(http.StatusOK, doc)
}

// carriedCRS validates a crs given to a metadata resource and returns the
// query to carry into feature links.
// metaRequest reads what every non-items resource takes: the format and
// the crs it carries into its links.
func metaRequest(c echo.Context) (q url.Values, f string, crsQ url.Values, err error) {
	if q, err = query(c, metaParams...); err != nil {
		return nil, "", nil, err
	}
	if f, err = format(c, q); err != nil {
		return nil, "", nil, err
	}
	if crsQ, err = carriedCRS(q); err != nil {
		return nil, "", nil, err
	}
	return q, f, crsQ, nil
}

func carriedCRS(q url.Values) (url.Values, error) {
	v := q.Get("crs")
	if v == "" {
		return nil, nil
	}
	if _, err := parseCRS("crs", v); err != nil {
		return nil, err
	}
	return url.Values{"crs": {v}}, nil
}

// ---- collections ----------------------------------------------------------

type collectionDoc struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Links       []link    `json:"links"`
	Extent      extentDoc `json:"extent"`
	ItemType    string    `json:"itemType"`
	CRS         []string  `json:"crs"`
	StorageCRS  string    `json:"storageCrs"`

	Info geo.LayerInfo `json:"-"` // for the HTML page
}

type extentDoc struct {
	Spatial struct {
		BBox [][4]float64 `json:"bbox"`
		CRS  string       `json:"crs"`
	} `json:"spatial"`
	Temporal struct {
		Interval [][2]*string `json:"interval"`
		TRS      string       `json:"trs"`
	} `json:"temporal"`
}

func layerTitle(t geo.Text) string {
	switch {
	case t.ZH == "":
		return t.EN
	case t.EN == "":
		return t.ZH
	}
	return t.ZH + " (" + t.EN + ")"
}

func (h *handler) collectionDoc(base string, info geo.LayerInfo, crsQ url.Values) collectionDoc {
	href := base + "/collections/" + url.PathEscape(info.ID)
	kind := info.Kind
	if info.ZoneKind != "" {
		kind += " (" + info.ZoneKind + ")"
	}
	d := collectionDoc{
		ID:    info.ID,
		Title: layerTitle(info.Title),
		Description: fmt.Sprintf("图层版本 %d，自 %s 起施行；状态 %s。Layer version %d in force from %s; status %s; kind %s; %d feature(s).",
			info.Version, info.ValidFrom.Format(time.DateOnly), info.Status, info.Version, info.ValidFrom.Format(time.DateOnly), info.Status, kind, info.FeatureCount),
		ItemType:   "feature",
		CRS:        crsURIs(),
		StorageCRS: storageCRS.uri,
		Info:       info,
	}
	d.Links = []link{
		{Href: href, Rel: "self", Type: mtJSON, Title: "This collection"},
		{Href: href + "?f=html", Rel: "alternate", Type: mtHTML, Title: "This collection as HTML"},
		{Href: withQuery(href+"/items", crsQ), Rel: "items", Type: mtGeoJSON, Title: "The features (GeoJSON)"},
		{Href: withQuery(href+"/items", alt(crsQ, "html")), Rel: "items", Type: mtHTML, Title: "The features (HTML)"},
	}
	b := info.BBox
	// Outward to 6 decimals, so that the rounded box still contains every
	// feature.
	d.Extent.Spatial.BBox = [][4]float64{{floor6(b[0]), floor6(b[1]), ceil6(b[2]), ceil6(b[3])}}
	d.Extent.Spatial.CRS = crs84.uri
	from := info.ValidFrom.UTC().Format(time.RFC3339)
	d.Extent.Temporal.Interval = [][2]*string{{&from, nil}}
	d.Extent.Temporal.TRS = "http://www.opengis.net/def/uri/ISO-8601/0/Gregorian"
	return d
}

func floor6(f float64) float64 { return math.Floor(f*1e6) / 1e6 }
func ceil6(f float64) float64  { return math.Ceil(f*1e6) / 1e6 }

func (h *handler) collections(c echo.Context) error {
	q, f, crsQ, err := metaRequest(c)
	if err != nil {
		return err
	}
	layers, err := h.store.Layers(c.Request().Context(), h.today())
	if err != nil {
		return err
	}
	base := h.base(c.Request())
	doc := struct {
		Links       []link          `json:"links"`
		Collections []collectionDoc `json:"collections"`
	}{
		Links:       selfLinks(base+"/collections", q, f, mtJSON, "The collections"),
		Collections: []collectionDoc{},
	}
	for _, l := range layers {
		doc.Collections = append(doc.Collections, h.collectionDoc(base, l, crsQ))
	}
	if f == "html" {
		return h.render(c, "collections", "Collections", doc)
	}
	return c.JSON(http.StatusOK, doc)
}

func (h *handler) collection(c echo.Context) error {
	_, f, crsQ, err := metaRequest(c)
	if err != nil {
		return err
	}
	id := pathParam(c, "collectionId")
	info, err := h.store.Layer(c.Request().Context(), id, h.today())
	if isNotFound(err) || isNoVersion(err) {
		return collectionNotFound(id)
	}
	if err != nil {
		return err
	}
	d := h.collectionDoc(h.base(c.Request()), info, crsQ)
	if f == "html" {
		d.Links[0].Rel, d.Links[1].Rel = "alternate", "self"
		return h.render(c, "collection", d.Title, d)
	}
	return c.JSON(http.StatusOK, d)
}

// ---- properties -----------------------------------------------------------

// property is one feature property of a layer version: a parameter of
// equality filtering (Part 1 /rec/core/fc-filters) when it is a scalar.
type property struct {
	Name string
	Type string // JSON Schema type: string, number, boolean, array, object; "" when mixed
}

func (p property) scalar() bool {
	return p.Type == "string" || p.Type == "number" || p.Type == "boolean"
}

// properties lists the property names of the layer version info, read
// once per version (versions never change once imported).
func (h *handler) properties(ctx context.Context, info geo.LayerInfo, asOf time.Time) ([]property, error) {
	key := info.ID + "@" + strconv.FormatInt(info.Version, 10)
	h.propMu.Lock()
	ps, ok := h.props[key]
	h.propMu.Unlock()
	if ok {
		return ps, nil
	}
	types := map[string]string{}
	err := h.store.Features(ctx, info.ID, data.FeatureQuery{AsOf: asOf, Version: info.Version, Zoom: -1}, func(f geo.Feature) error {
		for k, v := range f.Properties {
			t := jsonType(v)
			if t == "" {
				if _, seen := types[k]; !seen {
					types[k] = "null"
				}
				continue
			}
			switch old, seen := types[k]; {
			case !seen || old == "null":
				types[k] = t
			case old != t:
				types[k] = ""
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k, t := range types {
		if t == "null" {
			t = ""
		}
		ps = append(ps, property{Name: k, Type: t})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	h.propMu.Lock()
	h.props[key] = ps
	h.propMu.Unlock()
	return ps, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return ""
	case string:
		return "string"
	case float64, float32, int, int64, int32, uint, uint64, uint32:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "string"
}

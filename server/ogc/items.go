package ogc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// itemsParams are the parameters /items defines besides the property
// filters.
var itemsParams = []string{"f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime"}

// itemParams are those of /items/{featureId}; datetime is an extension, so
// that a feature of an earlier layer version stays reachable.
var itemParams = []string{"f", "crs", "datetime"}

// parseDatetime maps datetime (Part 1 /req/core/fc-time-definition) to the
// date whose layer version is in force: a date (YYYY-MM-DD) or an RFC 3339
// date-time is that instant's calendar day in China (UTC+8); an interval
// a/b uses its end, b, because one layer version must answer and feature
// ids repeat across versions; an open end ("..", or empty) means today,
// or the start when the interval starts after today. No datetime means
// today.
func (h *handler) parseDatetime(v string) (time.Time, error) {
	today := h.today()
	if v == "" {
		return today, nil
	}
	if !strings.Contains(v, "/") {
		return parseInstant(v)
	}
	a, b, _ := strings.Cut(v, "/")
	if strings.Contains(b, "/") {
		return time.Time{}, badDatetime(v)
	}
	open := func(s string) bool { return s == "" || s == ".." }
	if open(a) && open(b) {
		return time.Time{}, badParam("datetime", "invalid-datetime", "Invalid datetime",
			"datetime %q is open at both ends; give at least one end", clip(v))
	}
	var start, end time.Time
	var err error
	if !open(a) {
		if start, err = parseInstant(a); err != nil {
			return time.Time{}, badDatetime(v)
		}
	}
	if open(b) {
		if start.After(today) {
			return start, nil
		}
		return today, nil
	}
	if end, err = parseInstant(b); err != nil {
		return time.Time{}, badDatetime(v)
	}
	if !open(a) && start.After(end) {
		return time.Time{}, badParam("datetime", "invalid-datetime", "Invalid datetime",
			"datetime %q ends before it starts", clip(v))
	}
	return end, nil
}

func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); err == nil {
		return data.DateOf(t.In(china)), nil
	}
	return time.Time{}, badDatetime(s)
}

func badDatetime(v string) error {
	return badParam("datetime", "invalid-datetime", "Invalid datetime",
		"datetime %q is not a date (2024-05-01), an RFC 3339 date-time (2024-05-01T08:00:00Z) or an interval of them (2024-01-01/2024-12-31, ../2024-12-31, 2024-01-01/..)", clip(v))
}

func parseLimit(v string) (int, error) {
	if v == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, badParam("limit", "invalid-limit", "Invalid limit",
			"limit %q must be a whole number from 1 to %d (larger values are served as %d)", clip(v), MaxLimit, MaxLimit)
	}
	return min(n, MaxLimit), nil
}

func parseOffset(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badParam("offset", "invalid-offset", "Invalid offset", "offset %q must be a whole number ≥ 0", clip(v))
	}
	return n, nil
}

// itemsRequest is a validated /items request.
type itemsRequest struct {
	id       string
	q        url.Values // the query, one value per parameter
	format   string
	asOf     time.Time
	limit    int
	offset   int
	crs      *crsDef
	bbox     *bboxQuery
	filter   map[string]string
	info     geo.LayerInfo
	noLayer  bool // no version in force on asOf: an empty collection
	base     string
	itemsURL string
}

func (h *handler) parseItems(c echo.Context) (*itemsRequest, error) {
	ctx := c.Request().Context()
	r := &itemsRequest{id: pathParam(c, "collectionId")}
	var err error
	if r.q, err = query(c); err != nil {
		return nil, err
	}
	// The collection first: an unknown one is a 404 whatever the query.
	if h.cfg.Manifest != nil {
		if _, ok := h.cfg.Manifest.Def(r.id); !ok {
			return nil, collectionNotFound(r.id)
		}
	}
	if r.format, err = format(c, r.q); err != nil {
		return nil, err
	}
	if r.asOf, err = h.parseDatetime(r.q.Get("datetime")); err != nil {
		return nil, err
	}
	if r.limit, err = parseLimit(r.q.Get("limit")); err != nil {
		return nil, err
	}
	if r.offset, err = parseOffset(r.q.Get("offset")); err != nil {
		return nil, err
	}
	if r.crs, err = parseCRS("crs", r.q.Get("crs")); err != nil {
		return nil, err
	}
	bboxCRS, err := parseCRS("bbox-crs", r.q.Get("bbox-crs"))
	if err != nil {
		return nil, err
	}
	if r.bbox, err = parseBBox(r.q.Get("bbox"), bboxCRS); err != nil {
		return nil, err
	}
	r.info, err = h.store.Layer(ctx, r.id, r.asOf)
	switch {
	case isNotFound(err):
		return nil, collectionNotFound(r.id)
	case isNoVersion(err):
		r.noLayer = true
	case err != nil:
		return nil, err
	}
	// Every other parameter must be a property of the layer version.
	var props []property
	if !r.noLayer {
		if props, err = h.properties(ctx, r.info, r.asOf); err != nil {
			return nil, err
		}
	}
	r.filter = map[string]string{}
	for k := range r.q {
		if contains(itemsParams, k) {
			continue
		}
		if !r.noLayer && !scalarProperty(props, k) {
			known := append([]string(nil), itemsParams...)
			for _, p := range props {
				if p.scalar() && !contains(itemsParams, p.Name) {
					known = append(known, p.Name)
				}
			}
			return nil, unknownParam(k, known)
		}
		r.filter[k] = r.q.Get(k)
	}
	r.base = h.base(c.Request())
	r.itemsURL = r.base + "/collections/" + url.PathEscape(r.id) + "/items"
	return r, nil
}

func scalarProperty(ps []property, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return p.scalar()
		}
	}
	return false
}

// page returns the query of the page at offset, keeping every other
// parameter of the request; f, if not empty, replaces the request's f.
func (r *itemsRequest) page(offset int, f string) url.Values {
	q := alt(r.q, r.q.Get("f"))
	if f != "" {
		q.Set("f", f)
	}
	q.Set("limit", strconv.Itoa(r.limit))
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	} else {
		q.Del("offset")
	}
	return q
}

// items streams a page of a collection's features as a GeoJSON
// FeatureCollection (or an HTML page), one feature at a time. The page,
// numberMatched and the next link come from one pass over the selected
// features: those before offset are skipped, limit of them are written,
// and the rest are only counted. numberMatched, numberReturned and the
// links follow the features in the document (member order does not matter
// in JSON), so nothing is held back.
func (h *handler) items(c echo.Context) error {
	r, err := h.parseItems(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	hd := c.Response().Header()
	ctype := mtGeoJSON
	if r.format == "html" {
		ctype = "text/html; charset=utf-8"
	} else {
		hd.Set("Content-Crs", r.crs.contentCrs())
	}
	if !r.noLayer {
		hd.Set("X-Layer-Version", strconv.FormatInt(r.info.Version, 10))
	}
	write := func(w io.Writer) error { return h.writeItems(ctx, w, r) }
	if r.noLayer || h.cfg.Cache == nil {
		hd.Set(echo.HeaderContentType, ctype)
		c.Response().WriteHeader(http.StatusOK)
		if err := write(c.Response()); err != nil {
			// The status line is gone; a truncated body must not look
			// whole, so the connection is dropped rather than the
			// document closed.
			if !errors.Is(err, ctx.Err()) {
				h.log.Error("ogc: stream items", "collection", r.id, "error", err)
			}
			panic(http.ErrAbortHandler)
		}
		return nil
	}
	return h.cfg.Cache.StreamCached(c, itemsKey(r), ctype, write)
}

// itemsKey identifies an items response: the layer version in force (with
// its start and size, as the map's layer responses do), the links' base
// and the normalised query.
func itemsKey(r *itemsRequest) string {
	return "ogc-items|" + r.id + "|" + strconv.FormatInt(r.info.Version, 10) + "|" + r.info.ValidFrom.Format(time.DateOnly) +
		"|" + strconv.Itoa(r.info.FeatureCount) + "|" + r.format + "|" + r.base + "|" + r.page(r.offset, r.format).Encode()
}

// writeItems writes the page, numberMatched and the links.
func (h *handler) writeItems(ctx context.Context, w io.Writer, r *itemsRequest) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	timeStamp := h.now().UTC().Format(time.RFC3339)

	var page *htmlItems
	if r.format == "html" {
		page = h.newHTMLItems(r)
		if err := page.head(bw); err != nil {
			return err
		}
	} else {
		bw.WriteString(`{"type":"FeatureCollection","timeStamp":"` + timeStamp + `","features":[`)
	}
	matched, returned := 0, 0
	var buf []byte
	write := func(f geo.Feature) error {
		if page != nil {
			return page.row(bw, f)
		}
		buf = buf[:0]
		if returned > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = appendFeature(buf, f, r.crs, nil); err != nil {
			return err
		}
		_, err = bw.Write(buf)
		return err
	}
	if !r.noLayer {
		// HTML rows show properties one by one; GeoJSON only writes them.
		q := data.FeatureQuery{AsOf: r.asOf, Version: r.info.Version, Zoom: -1, Filter: r.filter, RawProperties: r.format != "html"}
		if r.bbox != nil {
			ll := r.bbox.lonlat
			q.BBox = &ll
			// A lon/lat box is the store's own plane: it can make the
			// exact test itself (in SQL on PostGIS), so features that only
			// come near the box are not read at all. A box in metres is
			// tested here.
			q.Exact = r.bbox.crs.fromLonLat == nil
		}
		err := h.store.Features(ctx, r.id, q, func(f geo.Feature) error {
			if r.bbox != nil && !r.bbox.matches(f.Geometry) {
				return nil
			}
			matched++
			if matched <= r.offset || returned >= r.limit {
				return nil
			}
			if err := write(f); err != nil {
				return err
			}
			returned++
			return nil
		})
		if err != nil {
			return fmt.Errorf("ogc: items of %s: %w", r.id, err)
		}
	}
	var links []link
	if r.format == "html" {
		links = []link{
			{Href: withQuery(r.itemsURL, r.page(r.offset, "html")), Rel: "self", Type: mtHTML, Title: "This page"},
			{Href: withQuery(r.itemsURL, r.page(r.offset, "json")), Rel: "alternate", Type: mtGeoJSON, Title: "This page as GeoJSON"},
		}
	} else {
		links = []link{
			{Href: withQuery(r.itemsURL, r.page(r.offset, "")), Rel: "self", Type: mtGeoJSON, Title: "This page"},
			{Href: withQuery(r.itemsURL, r.page(r.offset, "html")), Rel: "alternate", Type: mtHTML, Title: "This page as HTML"},
		}
	}
	pageType := mtGeoJSON
	if r.format == "html" {
		pageType = mtHTML
	}
	if r.offset+returned < matched {
		links = append(links, link{Href: withQuery(r.itemsURL, r.page(r.offset+r.limit, "")), Rel: "next", Type: pageType, Title: "Next page"})
	}
	if r.offset > 0 {
		links = append(links, link{Href: withQuery(r.itemsURL, r.page(max(0, r.offset-r.limit), "")), Rel: "prev", Type: pageType, Title: "Previous page"})
	}
	collURL := r.base + "/collections/" + url.PathEscape(r.id)
	links = append(links, link{Href: collURL, Rel: "collection", Type: mtJSON, Title: "The collection"})
	if page != nil {
		if err := page.foot(bw, matched, returned, timeStamp, links); err != nil {
			return err
		}
		return bw.Flush()
	}
	lj, _ := json.Marshal(links)
	fmt.Fprintf(bw, `],"numberMatched":%d,"numberReturned":%d,"links":%s}`, matched, returned, lj)
	return bw.Flush()
}

// errFound stops a scan once the feature is found.
var errFound = errors.New("found")

// item serves one feature. The store has no lookup by id, so the layer is
// scanned until the feature turns up (cheap for these layers).
func (h *handler) item(c echo.Context) error {
	q, err := query(c, itemParams...)
	if err != nil {
		return err
	}
	id, fid := pathParam(c, "collectionId"), pathParam(c, "featureId")
	f, err := format(c, q)
	if err != nil {
		return err
	}
	asOf, err := h.parseDatetime(q.Get("datetime"))
	if err != nil {
		return err
	}
	crs, err := parseCRS("crs", q.Get("crs"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	info, err := h.store.Layer(ctx, id, asOf)
	switch {
	case isNotFound(err):
		return collectionNotFound(id)
	case isNoVersion(err):
		return featureNotFound(id, fid, asOf)
	case err != nil:
		return err
	}
	var found *geo.Feature
	err = h.store.Features(ctx, id, data.FeatureQuery{AsOf: asOf, Version: info.Version, Zoom: -1}, func(x geo.Feature) error {
		if x.ID == fid {
			found = &x
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return err
	}
	if found == nil {
		return featureNotFound(id, fid, asOf)
	}
	base := h.base(c.Request())
	collURL := base + "/collections/" + url.PathEscape(id)
	href := collURL + "/items/" + url.PathEscape(fid)
	links := append(selfLinks(href, q, f, mtGeoJSON, "This feature"),
		link{Href: collURL, Rel: "collection", Type: mtJSON, Title: "The collection"})
	hd := c.Response().Header()
	hd.Set("X-Layer-Version", strconv.FormatInt(info.Version, 10))
	if f == "html" {
		return h.render(c, "item", found.ID, htmlFeature{Collection: layerTitle(info.Title), CollectionURL: collURL,
			Feature: *found, Links: links, Version: info.Version, ValidFrom: info.ValidFrom.Format(time.DateOnly)})
	}
	lj, _ := json.Marshal(links)
	body, err := appendFeature(nil, *found, crs, append([]byte(`"links":`), lj...))
	if err != nil {
		return err
	}
	hd.Set("Content-Crs", crs.contentCrs())
	return c.Blob(http.StatusOK, mtGeoJSON, body)
}

func featureNotFound(id, fid string, asOf time.Time) error {
	return paramProblem(http.StatusNotFound, "not-found", "Feature not found",
		fmt.Sprintf("collection %q has no feature %q in the layer version in force on %s", clip(id), clip(fid), asOf.Format(time.DateOnly)), "")
}

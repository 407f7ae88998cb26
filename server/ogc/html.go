package ogc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/geo"
)

// The HTML pages are plain: enough for a person with a browser to see
// what the API offers, follow its links and read the features' properties
// (Part 1, conformance class HTML). Maps are the web app's job.

const htmlTop = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:15px/1.5 system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:0;color:#1d2b24}
header{background:#24543a;color:#fff;padding:.6em 1.2em}header a{color:#fff}
main{padding:1em 1.2em;max-width:72em}table{border-collapse:collapse;margin:.6em 0}
td,th{border:1px solid #c9d6cd;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#eef4f0}
code{background:#f2f5f3;padding:0 .2em}dl{margin:0}dt{font-weight:600}dd{margin:0 0 .3em 1em}
nav.pager a{margin-right:1em}.muted{color:#5d6d63}
</style></head><body>
<header><a href="{{.Base}}?f=html">OGC API – Features</a> · <a href="{{.Base}}/collections?f=html">Collections</a> · <a href="{{.Base}}/conformance?f=html">Conformance</a> · <a href="{{.Base}}/api?f=html">API</a></header>
<main>`

const htmlBottom = `</main></body></html>`

var pages = map[string]string{
	"landing": `<h1>{{.Doc.Title}}</h1><p>{{.Doc.Description}}</p>
<ul>{{range .Doc.Links}}<li><a href="{{.Href}}">{{.Title}}</a> <span class="muted">({{.Rel}}, {{.Type}})</span></li>{{end}}</ul>`,
	"conformance": `<h1>Conformance</h1><ul>{{range index .Doc "conformsTo"}}<li><code>{{.}}</code></li>{{end}}</ul>`,
	"collections": `<h1>Collections 图层</h1>
<table><tr><th>id</th><th>title</th><th>features</th><th>version</th><th>items</th></tr>
{{range .Doc.Collections}}<tr><td><a href="{{$.Base}}/collections/{{.ID}}?f=html">{{.ID}}</a></td><td>{{.Title}}</td><td>{{.Info.FeatureCount}}</td><td>{{.Info.Version}} ({{.Info.ValidFrom}})</td>
<td><a href="{{$.Base}}/collections/{{.ID}}/items?f=html">HTML</a> · <a href="{{$.Base}}/collections/{{.ID}}/items">GeoJSON</a></td></tr>{{end}}</table>`,
	"collection": `<h1>{{.Doc.Title}}</h1><p>{{.Doc.Description}}</p>
<dl><dt>id</dt><dd><code>{{.Doc.ID}}</code></dd>
<dt>extent</dt><dd>{{range .Doc.Extent.Spatial.BBox}}{{index . 0}}, {{index . 1}} – {{index . 2}}, {{index . 3}}{{end}} <span class="muted">(CRS84 lon, lat)</span></dd>
<dt>CRS</dt><dd>{{range .Doc.CRS}}<code>{{.}}</code><br>{{end}}</dd>
<dt>storage CRS</dt><dd><code>{{.Doc.StorageCRS}}</code></dd></dl>
<ul>{{range .Doc.Links}}<li><a href="{{.Href}}">{{.Title}}</a> <span class="muted">({{.Rel}}, {{.Type}})</span></li>{{end}}</ul>`,
	"item": `<p><a href="{{.Doc.CollectionURL}}?f=html">{{.Doc.Collection}}</a> · layer version {{.Doc.Version}} ({{.Doc.ValidFrom}})</p>
<h1>{{.Doc.Feature.ID}}</h1>{{template "props" .Doc.Feature}}
<details><summary>{{geomType .Doc.Feature}} (GeoJSON, CRS84 lon, lat)</summary><pre style="white-space:pre-wrap">{{geojson .Doc.Feature}}</pre></details>
<ul>{{range .Doc.Links}}<li><a href="{{.Href}}">{{.Title}}</a> <span class="muted">({{.Rel}}, {{.Type}})</span></li>{{end}}</ul>`,
	"api": `<h1>{{.Doc.Title}}</h1><p>The API definition: <a href="{{.Base}}/api?f=json">OpenAPI 3.0 (JSON)</a>.</p>
<table><tr><th>path</th><th>summary</th></tr>{{range .Doc.Paths}}<tr><td><code>GET {{.Path}}</code></td><td>{{.Summary}}</td></tr>{{end}}</table>`,
}

const propsTmpl = `{{define "props"}}<dl>{{range props .}}<dt>{{.K}}</dt><dd>{{.V}}</dd>{{end}}</dl>{{end}}`

type kv struct{ K, V string }

var funcs = template.FuncMap{
	"props": func(f geo.Feature) []kv {
		out := make([]kv, 0, len(f.Properties))
		for k, v := range f.Properties {
			s, ok := v.(string)
			if !ok {
				b, _ := json.Marshal(v)
				s = string(b)
			}
			out = append(out, kv{k, s})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].K < out[j].K })
		return out
	},
	"geojson": func(f geo.Feature) string { return string(geo.AppendGeometry(nil, f.Geometry)) },
	"geomType": func(f geo.Feature) string {
		if f.Geometry == nil {
			return "no geometry"
		}
		return f.Geometry.GeoJSONType()
	},
}

var templates = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for name, body := range pages {
		m[name] = template.Must(template.New(name).Funcs(funcs).Parse(propsTmpl + htmlTop + body + htmlBottom))
	}
	m["items-head"] = template.Must(template.New("items-head").Funcs(funcs).Parse(htmlTop +
		`<p><a href="{{.Doc.CollectionURL}}?f=html">{{.Doc.Collection}}</a>{{if .Doc.Version}} · layer version {{.Doc.Version}} ({{.Doc.ValidFrom}}){{else}} · no layer version in force on {{.Doc.AsOf}}{{end}}</p>
<h1>Features</h1><p class="muted">{{.Doc.Query}}</p><table><tr><th>id</th><th>geometry</th><th>properties</th></tr>`))
	m["items-row"] = template.Must(template.New("items-row").Funcs(funcs).Parse(propsTmpl +
		`<tr><td><a href="{{.URL}}">{{.F.ID}}</a></td><td>{{geomType .F}}</td><td>{{template "props" .F}}</td></tr>
`))
	m["items-foot"] = template.Must(template.New("items-foot").Funcs(funcs).Parse(`</table>
<p>{{.Returned}} of {{.Matched}} feature(s) from offset {{.Offset}}; {{.TimeStamp}}</p>
<nav class="pager">{{range .Links}}<a href="{{.Href}}" rel="{{.Rel}}">{{.Title}}</a>{{end}}</nav>` + htmlBottom))
	return m
}()

type htmlPage struct {
	Title string
	Base  string
	Doc   any
}

// render writes a whole (small) HTML page.
func (h *handler) render(c echo.Context, name, title string, doc any) error {
	var b strings.Builder
	if err := templates[name].Execute(&b, htmlPage{Title: title, Base: h.base(c.Request()), Doc: doc}); err != nil {
		return err
	}
	return c.HTML(http.StatusOK, b.String())
}

type htmlFeature struct {
	Collection    string
	CollectionURL string
	Feature       geo.Feature
	Links         []link
	Version       int64
	ValidFrom     string
}

// htmlItems streams the items page: head, one row per feature, foot.
type htmlItems struct {
	h *handler
	r *itemsRequest
}

func (h *handler) newHTMLItems(r *itemsRequest) *htmlItems { return &htmlItems{h: h, r: r} }

func (p *htmlItems) head(w *bufio.Writer) error {
	doc := struct {
		Collection, CollectionURL, ValidFrom, AsOf, Query string
		Version                                           int64
	}{
		Collection:    p.r.id,
		CollectionURL: p.r.base + "/collections/" + url.PathEscape(p.r.id),
		AsOf:          p.r.asOf.Format("2006-01-02"),
		Query:         fmt.Sprintf("limit %d, offset %d", p.r.limit, p.r.offset),
	}
	if !p.r.noLayer {
		doc.Collection = layerTitle(p.r.info.Title)
		doc.Version = p.r.info.Version
		doc.ValidFrom = p.r.info.ValidFrom.Format("2006-01-02")
	}
	return templates["items-head"].Execute(w, htmlPage{Title: doc.Collection, Base: p.r.base, Doc: doc})
}

func (p *htmlItems) row(w *bufio.Writer, f geo.Feature) error {
	u := p.r.base + "/collections/" + url.PathEscape(p.r.id) + "/items/" + url.PathEscape(f.ID) + "?f=html"
	if d := p.r.q.Get("datetime"); d != "" {
		u += "&datetime=" + url.QueryEscape(d)
	}
	return templates["items-row"].Execute(w, struct {
		URL string
		F   geo.Feature
	}{u, f})
}

func (p *htmlItems) foot(w *bufio.Writer, matched, returned int, timeStamp string, links []link) error {
	return templates["items-foot"].Execute(w, struct {
		Matched, Returned, Offset int
		TimeStamp                 string
		Links                     []link
	}{matched, returned, p.r.offset, timeStamp, links})
}

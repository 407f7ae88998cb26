package ogc

import (
	"encoding/json"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"
)

// openAPIBase is the API definition (OpenAPI 3.0) of the generic
// resources. At request time the server URL is filled in and, for every
// collection, a path /collections/<id>/items is added that lists the
// collection's property filters (Part 1 /rec/core/fc-filters; GDAL reads
// them there to pass attribute filters to the server).
const openAPIBase = `{
  "openapi": "3.0.3",
  "info": {
    "title": "ecospace OGC API – Features",
    "version": "1.0.0",
    "description": "钟楼区生态空间管控图层 — the ecological-space control layers of Zhonglou District, Changzhou, through OGC API – Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) and Part 2 (CRS by reference). One collection is one layer; its items are the features of the layer version in force on the requested date (datetime). Errors are RFC 9457 problem details (application/problem+json)."
  },
  "servers": [{"url": "/ogc"}],
  "tags": [
    {"name": "Capabilities", "description": "What the API offers"},
    {"name": "Data", "description": "The layers and their features"}
  ],
  "paths": {
    "/": {"get": {
      "tags": ["Capabilities"], "operationId": "getLandingPage", "summary": "Landing page",
      "parameters": [{"$ref": "#/components/parameters/f"}, {"$ref": "#/components/parameters/crsCarried"}],
      "responses": {"200": {"$ref": "#/components/responses/LandingPage"}, "400": {"$ref": "#/components/responses/InvalidParameter"}, "500": {"$ref": "#/components/responses/ServerError"}}
    }},
    "/conformance": {"get": {
      "tags": ["Capabilities"], "operationId": "getConformanceDeclaration", "summary": "The conformance classes implemented",
      "parameters": [{"$ref": "#/components/parameters/f"}, {"$ref": "#/components/parameters/crsCarried"}],
      "responses": {"200": {"$ref": "#/components/responses/ConformanceDeclaration"}, "400": {"$ref": "#/components/responses/InvalidParameter"}, "500": {"$ref": "#/components/responses/ServerError"}}
    }},
    "/api": {"get": {
      "tags": ["Capabilities"], "operationId": "getAPIDefinition", "summary": "This API definition",
      "parameters": [{"$ref": "#/components/parameters/f"}, {"$ref": "#/components/parameters/crsCarried"}],
      "responses": {
        "200": {"description": "The API definition", "content": {
          "application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}},
          "text/html": {"schema": {"type": "string"}}}},
        "400": {"$ref": "#/components/responses/InvalidParameter"}, "500": {"$ref": "#/components/responses/ServerError"}}
    }},
    "/collections": {"get": {
      "tags": ["Capabilities"], "operationId": "getCollections", "summary": "The collections (one per layer in force today)",
      "parameters": [{"$ref": "#/components/parameters/f"}, {"$ref": "#/components/parameters/crsCarried"}],
      "responses": {"200": {"$ref": "#/components/responses/Collections"}, "400": {"$ref": "#/components/responses/InvalidParameter"}, "500": {"$ref": "#/components/responses/ServerError"}}
    }},
    "/collections/{collectionId}": {"get": {
      "tags": ["Capabilities"], "operationId": "describeCollection", "summary": "One collection",
      "parameters": [{"$ref": "#/components/parameters/collectionId"}, {"$ref": "#/components/parameters/f"}, {"$ref": "#/components/parameters/crsCarried"}],
      "responses": {"200": {"$ref": "#/components/responses/Collection"}, "400": {"$ref": "#/components/responses/InvalidParameter"}, "404": {"$ref": "#/components/responses/NotFound"}, "500": {"$ref": "#/components/responses/ServerError"}}
    }},
    "/collections/{collectionId}/items": {"get": {
      "tags": ["Data"], "operationId": "getFeatures", "summary": "The features of a collection, a page at a time",
      "description": "Property equality filters (name=value) are accepted for the scalar properties of the layer; the per-collection paths below list them. Any other parameter is a 400.",
      "parameters": [{"$ref": "#/components/parameters/collectionId"}, {"$ref": "#/components/parameters/f"}, {"$ref": "#/components/parameters/bbox"}, {"$ref": "#/components/parameters/bbox-crs"}, {"$ref": "#/components/parameters/crs"}, {"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/offset"}, {"$ref": "#/components/parameters/datetime"}],
      "responses": {"200": {"$ref": "#/components/responses/Features"}, "400": {"$ref": "#/components/responses/InvalidParameter"}, "404": {"$ref": "#/components/responses/NotFound"}, "500": {"$ref": "#/components/responses/ServerError"}}
    }},
    "/collections/{collectionId}/items/{featureId}": {"get": {
      "tags": ["Data"], "operationId": "getFeature", "summary": "One feature",
      "parameters": [{"$ref": "#/components/parameters/collectionId"}, {"$ref": "#/components/parameters/featureId"}, {"$ref": "#/components/parameters/f"}, {"$ref": "#/components/parameters/crs"}, {"$ref": "#/components/parameters/datetime"}],
      "responses": {"200": {"$ref": "#/components/responses/Feature"}, "400": {"$ref": "#/components/responses/InvalidParameter"}, "404": {"$ref": "#/components/responses/NotFound"}, "500": {"$ref": "#/components/responses/ServerError"}}
    }}
  },
  "components": {
    "parameters": {
      "collectionId": {"name": "collectionId", "in": "path", "required": true, "description": "The layer id, e.g. xinmeng-corridor", "schema": {"type": "string"}},
      "featureId": {"name": "featureId", "in": "path", "required": true, "description": "A feature id of the layer version in force on datetime (default today)", "schema": {"type": "string"}},
      "f": {"name": "f", "in": "query", "required": false, "description": "The representation; without it the Accept header decides (text/html for browsers, JSON otherwise)", "style": "form", "explode": false, "schema": {"type": "string", "enum": ["json", "html"]}},
      "crsCarried": {"name": "crs", "in": "query", "required": false, "description": "Accepted on the metadata resources for clients that append one query to every request (GDAL before 3.7). It must be a supported CRS; it is carried into the links that lead to features and changes nothing else.", "style": "form", "explode": false, "schema": {"type": "string", "format": "uri"}},
      "bbox": {"name": "bbox", "in": "query", "required": false, "description": "Only features whose geometry intersects the box, in the axis order of bbox-crs: CRS84 minLon,minLat,maxLon,maxLat (the default); EPSG:4326 and EPSG:4490 minLat,minLon,maxLat,maxLon; EPSG:4549 minNorthing,minEasting,maxNorthing,maxEasting (metres). Six numbers (with heights) are accepted; heights are ignored. A box crossing the antimeridian is a 400.", "style": "form", "explode": false, "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
      "bbox-crs": {"name": "bbox-crs", "in": "query", "required": false, "description": "The CRS of bbox; one of the collection's crs list. Default CRS84.", "style": "form", "explode": false, "schema": {"type": "string", "format": "uri", "default": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
      "crs": {"name": "crs", "in": "query", "required": false, "description": "The CRS of the geometries in the response (Part 2), in that CRS's own axis order: CRS84 lon,lat; EPSG:4326 and EPSG:4490 lat,lon; EPSG:4549 northing,easting in metres. The Content-Crs header names it. Default CRS84.", "style": "form", "explode": false, "schema": {"type": "string", "format": "uri", "default": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
      "limit": {"name": "limit", "in": "query", "required": false, "description": "Features per page. A value above 10000 is served as 10000 (not an error).", "style": "form", "explode": false, "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}},
      "offset": {"name": "offset", "in": "query", "required": false, "description": "Features to skip (the next and prev links carry it).", "style": "form", "explode": false, "schema": {"type": "integer", "minimum": 0, "default": 0}},
      "datetime": {"name": "datetime", "in": "query", "required": false, "description": "Which layer version: a date (2024-05-01), an RFC 3339 date-time (its calendar day in China, UTC+8), or an interval (a/b, ../b, a/..) whose end is used — an open end means today. Default today. Before the layer's first version the collection is empty.", "style": "form", "explode": false, "schema": {"type": "string"}}
    },
    "headers": {
      "Content-Crs": {"description": "The CRS of the geometries in the body, as <URI> (Part 2)", "schema": {"type": "string"}},
      "X-Layer-Version": {"description": "The version of the layer that answered", "schema": {"type": "integer"}}
    },
    "schemas": {
      "link": {"type": "object", "required": ["href", "rel"], "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"}}},
      "landingPage": {"type": "object", "required": ["links"], "properties": {"title": {"type": "string"}, "description": {"type": "string"}, "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}}}},
      "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}},
      "extent": {"type": "object", "properties": {
        "spatial": {"type": "object", "properties": {"bbox": {"type": "array", "items": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}}, "crs": {"type": "string"}}},
        "temporal": {"type": "object", "properties": {"interval": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string", "format": "date-time", "nullable": true}}}, "trs": {"type": "string"}}}}},
      "collection": {"type": "object", "required": ["id", "links"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        "extent": {"$ref": "#/components/schemas/extent"}, "itemType": {"type": "string"},
        "crs": {"type": "array", "items": {"type": "string"}}, "storageCrs": {"type": "string", "format": "uri"}}},
      "collections": {"type": "object", "required": ["links", "collections"], "properties": {
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        "collections": {"type": "array", "items": {"$ref": "#/components/schemas/collection"}}}},
      "geometryGeoJSON": {"type": "object", "nullable": true, "required": ["type"], "properties": {"type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"]}, "coordinates": {"type": "array", "items": {}}, "geometries": {"type": "array", "items": {}}}},
      "featureGeoJSON": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"},
        "geometry": {"$ref": "#/components/schemas/geometryGeoJSON"},
        "properties": {"type": "object", "nullable": true},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}}}},
      "featureCollectionGeoJSON": {"type": "object", "required": ["type", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"$ref": "#/components/schemas/featureGeoJSON"}},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0}}},
      "problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
        "instance": {"type": "string"}, "pointer": {"type": "string"}, "request_id": {"type": "string"}}}
    },
    "responses": {
      "LandingPage": {"description": "The landing page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/landingPage"}}, "text/html": {"schema": {"type": "string"}}}},
      "ConformanceDeclaration": {"description": "The conformance classes", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/confClasses"}}, "text/html": {"schema": {"type": "string"}}}},
      "Collections": {"description": "The collections", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/collections"}}, "text/html": {"schema": {"type": "string"}}}},
      "Collection": {"description": "A collection", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/collection"}}, "text/html": {"schema": {"type": "string"}}}},
      "Features": {"description": "A page of features, written as they are read; numberMatched, numberReturned and the next/prev links follow the features", "headers": {"Content-Crs": {"$ref": "#/components/headers/Content-Crs"}, "X-Layer-Version": {"$ref": "#/components/headers/X-Layer-Version"}}, "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/featureCollectionGeoJSON"}}, "text/html": {"schema": {"type": "string"}}}},
      "Feature": {"description": "A feature", "headers": {"Content-Crs": {"$ref": "#/components/headers/Content-Crs"}, "X-Layer-Version": {"$ref": "#/components/headers/X-Layer-Version"}}, "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/featureGeoJSON"}}, "text/html": {"schema": {"type": "string"}}}},
      "InvalidParameter": {"description": "A parameter is unknown or has an invalid value", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}},
      "NotFound": {"description": "No such collection or feature", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}},
      "ServerError": {"description": "The store could not answer", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}}
    }
  }
}`

// apiDoc builds the API definition for base: the generic document plus a
// path per collection in force today with its property filters.
func (h *handler) apiDoc(c echo.Context, base string) (map[string]any, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(openAPIBase), &doc); err != nil {
		return nil, err
	}
	doc["servers"] = []any{map[string]any{"url": base, "description": "This server"}}
	ctx := c.Request().Context()
	today := h.today()
	layers, err := h.store.Layers(ctx, today)
	if err != nil {
		return nil, err
	}
	paths := doc["paths"].(map[string]any)
	generic := paths["/collections/{collectionId}/items"].(map[string]any)["get"].(map[string]any)
	for _, l := range layers {
		props, err := h.properties(ctx, l, today)
		if err != nil {
			return nil, err
		}
		params := []any{}
		for _, p := range generic["parameters"].([]any) {
			if p.(map[string]any)["$ref"] != "#/components/parameters/collectionId" {
				params = append(params, p)
			}
		}
		for _, p := range props {
			if !p.scalar() || contains(itemsParams, p.Name) {
				continue
			}
			params = append(params, map[string]any{
				"name": p.Name, "in": "query", "required": false, "style": "form", "explode": false,
				"description": "Only features whose property " + p.Name + " equals this value",
				"schema":      map[string]any{"type": p.Type},
			})
		}
		paths["/collections/"+l.ID+"/items"] = map[string]any{"get": map[string]any{
			"tags": []any{"Data"}, "operationId": "getFeatures-" + l.ID,
			"summary":    "The features of " + layerTitle(l.Title),
			"parameters": params,
			"responses":  generic["responses"],
		}}
	}
	return doc, nil
}

type apiPath struct{ Path, Summary string }

func (h *handler) api(c echo.Context) error {
	_, f, _, err := metaRequest(c)
	if err != nil {
		return err
	}
	base := h.base(c.Request())
	doc, err := h.apiDoc(c, base)
	if err != nil {
		return err
	}
	if f == "html" {
		var ps []apiPath
		for p, item := range doc["paths"].(map[string]any) {
			s, _ := item.(map[string]any)["get"].(map[string]any)["summary"].(string)
			ps = append(ps, apiPath{p, s})
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].Path < ps[j].Path })
		info := doc["info"].(map[string]any)
		return h.render(c, "api", "API", struct {
			Title string
			Paths []apiPath
		}{info["title"].(string), ps})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mtOpenAPI, b)
}

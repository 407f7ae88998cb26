// Turns an uploaded GeoJSON document (or what shpjs read from a zipped
// Shapefile, or what the API read from a 用地报盘 TXT) into the one site
// geometry a check takes, and the CRS to send it in. No DOM; error codes
// have messages in messages.js (upload.<code>).

import { orderProjected } from './coords.js';

/** The most vertices the API takes in one site. */
export const MAX_VERTICES = 100000;

const FAMILY = {
  Point: 'point',
  MultiPoint: 'point',
  LineString: 'line',
  MultiLineString: 'line',
  Polygon: 'polygon',
  MultiPolygon: 'polygon',
};

/**
 * The CRS named by a GeoJSON 2008 "crs" member, as the API spells it, or
 * null when there is none. Unknown names come back as {unsupported: name}.
 */
export function crsOf(obj) {
  const name = obj && obj.crs && obj.crs.properties && obj.crs.properties.name;
  if (!name) return null;
  const s = String(name);
  if (/CRS84$/i.test(s)) return 'EPSG:4326';
  const m = /EPSG:+(?:[\d.]*:)?(\d+)$/i.exec(s) || /^(\d+)$/.exec(s);
  if (m) {
    const code = Number(m[1]);
    if (code === 4326 || code === 4490) return 'EPSG:' + code;
    if (code === 4549 || code === 4528) return 'EPSG:' + code;
  }
  return { unsupported: s };
}

/** Flattens any GeoJSON object (or array of them) to its geometries. */
export function geometriesOf(obj, out = []) {
  if (obj == null) return out;
  if (Array.isArray(obj)) {
    obj.forEach((o) => geometriesOf(o, out));
    return out;
  }
  switch (obj.type) {
    case 'FeatureCollection':
      (obj.features || []).forEach((f) => geometriesOf(f, out));
      break;
    case 'Feature':
      geometriesOf(obj.geometry, out);
      break;
    case 'GeometryCollection':
      (obj.geometries || []).forEach((g) => geometriesOf(g, out));
      break;
    default:
      out.push(obj);
  }
  return out;
}

const DEPTH = { Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 };

function positions(g, fn) {
  const walk = (c, d) => {
    if (!Array.isArray(c)) throw new Error('coordinates');
    if (d === 0) return fn(c);
    return c.map((x) => walk(x, d - 1));
  };
  return walk(g.coordinates, DEPTH[g.type]);
}

/**
 * Reads a site from GeoJSON.
 * @param {any} obj parsed GeoJSON: FeatureCollection, Feature, geometry, or an array of them
 * @returns {{geometry: object|null, crs: string|null, count: number, errors: {code: string, params: object}[]}}
 *   count is the number of geometries merged into the site.
 */
export function siteFromGeoJSON(obj) {
  const fail = (code, params = {}) => ({ geometry: null, crs: null, count: 0, errors: [{ code, params }] });
  if (obj == null || typeof obj !== 'object') return fail('not_geojson');
  const types = ['FeatureCollection', 'Feature', 'GeometryCollection', ...Object.keys(DEPTH)];
  if (!Array.isArray(obj) && !types.includes(obj.type)) return fail('not_geojson', { type: String(obj.type ?? '') });

  let crs = crsOf(Array.isArray(obj) ? obj[0] : obj);
  if (crs && typeof crs === 'object') return fail('crs_unsupported', { crs: crs.unsupported });

  const geoms = geometriesOf(obj);
  if (geoms.length === 0) return fail('empty');
  for (const g of geoms) {
    if (!(g.type in DEPTH)) return fail('geometry_type', { type: String(g.type) });
  }
  const families = new Set(geoms.map((g) => FAMILY[g.type]));
  if (families.size > 1) return fail('mixed_types', { types: [...families].join(', ') });

  // Check positions, count vertices, and find out how big the numbers are.
  let vertices = 0;
  let small = 0;
  let large = 0;
  try {
    for (const g of geoms) {
      positions(g, (p) => {
        if (p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw new Error('coordinates');
        vertices++;
        if (Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90) small++;
        else large++;
        return p;
      });
    }
  } catch {
    return fail('coordinates');
  }
  if (vertices === 0) return fail('empty');
  if (vertices > MAX_VERTICES) return fail('too_many_vertices', { count: vertices, max: MAX_VERTICES });

  let projected;
  if (crs === 'EPSG:4549' || crs === 'EPSG:4528') projected = true;
  else if (crs) projected = false;
  else if (large === 0) {
    projected = false;
    crs = 'EPSG:4326';
  } else if (small === 0) projected = true;
  else return fail('crs_unknown');
  if (!projected && large > 0) return fail('crs_mismatch', { crs });

  let bad = null;
  const norm = (p) => {
    if (!projected) return [p[0], p[1]];
    const r = orderProjected(p[0], p[1]);
    if (r.error) {
      bad = bad || { code: r.error === 'zone' ? 'zone' : 'crs_unknown', params: r.params };
      return p;
    }
    return r.point;
  };
  const parts = geoms.map((g) => ({ type: g.type, coordinates: positions(g, norm) }));
  if (bad) return fail(bad.code, bad.params);
  if (projected) crs = 'EPSG:4549';

  return { geometry: merge(parts), crs, count: geoms.length, errors: [] };
}

/** Merges geometries of one family into one (Multi*) geometry. */
export function merge(parts) {
  if (parts.length === 1) return parts[0];
  const fam = FAMILY[parts[0].type];
  const multi = { point: 'MultiPoint', line: 'MultiLineString', polygon: 'MultiPolygon' }[fam];
  const coords = [];
  for (const g of parts) {
    if (g.type === multi) coords.push(...g.coordinates);
    else coords.push(g.coordinates);
  }
  return { type: multi, coordinates: coords };
}

/**
 * Parses the text of an uploaded .geojson/.json file.
 * @returns {{geometry, crs, count, errors}} as siteFromGeoJSON; a JSON syntax
 *   error is {code: 'json', params: {detail}}.
 */
export function siteFromGeoJSONText(text) {
  let obj;
  try {
    obj = JSON.parse(String(text).replace(/^\uFEFF/, ''));
  } catch (e) {
    return { geometry: null, crs: null, count: 0, errors: [{ code: 'json', params: { detail: e.message } }] };
  }
  return siteFromGeoJSON(obj);
}

/** What kind of upload a file name is: 'geojson', 'zip', 'shp' (loose parts), 'txt' (用地报盘) or null. */
export function uploadKind(name) {
  const n = String(name || '').toLowerCase();
  if (/\.(geo)?json$/.test(n)) return 'geojson';
  if (/\.txt$/.test(n)) return 'txt';
  if (/\.zip$/.test(n)) return 'zip';
  if (/\.(shp|shx|dbf|prj|cpg)$/.test(n)) return 'shp';
  return null;
}

/** Where the API reads a 用地报盘 TXT into GeoJSON. */
export const PARSE_PATH = '/api/v1/sites/parse';

/**
 * Reads an uploaded 用地报盘 TXT (the land department's boundary-point
 * file: GBK or UTF-8, zone-40 eastings with or without the prefix) through
 * POST /api/v1/sites/parse, which reads it as checks do and answers its
 * 地块 as a lon/lat FeatureCollection; that collection then takes the path
 * of a GeoJSON upload (several 地块 are merged into one site, as several
 * polygons of a GeoJSON file are). The bytes are sent as they are, with no
 * charset, so that the server tells GBK from UTF-8.
 * @param {Blob|ArrayBuffer|Uint8Array|string} body the file
 * @param {{fetch?: Function, base?: string}} [opts] fetch to use (tests), API origin
 * @returns {Promise<{geometry, crs, count, errors, parsed?: object, reference?: string|null}>}
 *   as siteFromGeoJSON; parsed is the API's FeatureCollection and reference
 *   the 地块编号 (else 地块名称) of a file of one 地块. A refusal is
 *   {code: 'txt', params: {detail}} with the problem's detail (which names
 *   the line at fault).
 */
export async function siteFromTXT(body, opts = {}) {
  const f = opts.fetch || globalThis.fetch;
  const fail = (detail) => ({ geometry: null, crs: null, count: 0, errors: [{ code: 'txt', params: { detail } }] });
  let res;
  try {
    res = await f((opts.base || '') + PARSE_PATH, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
  } catch (e) {
    return fail(e && e.message ? e.message : String(e));
  }
  let doc = null;
  try {
    doc = await res.json();
  } catch {
    doc = null;
  }
  if (!res.ok) return fail(doc && doc.detail ? doc.detail : `HTTP ${res.status}`);
  if (!doc || doc.type !== 'FeatureCollection') return fail(`HTTP ${res.status}: not a FeatureCollection`);
  const r = siteFromGeoJSON(doc);
  if (r.errors.length) return r;
  const feats = doc.features || [];
  const reference = feats.length === 1 && feats[0].properties ? feats[0].properties.reference : null;
  return { ...r, parsed: doc, reference };
}

// Turns an uploaded GeoJSON document (or what shpjs read from a zipped
// Shapefile) into the one site geometry a check takes, and the CRS to send it
// in. Pure functions, no DOM; error codes have messages in messages.js
// (upload.<code>).

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

/** What kind of upload a file name is: 'geojson', 'zip', 'shp' (loose parts) or null. */
export function uploadKind(name) {
  const n = String(name || '').toLowerCase();
  if (/\.(geo)?json$/.test(n)) return 'geojson';
  if (/\.zip$/.test(n)) return 'zip';
  if (/\.(shp|shx|dbf|prj|cpg)$/.test(n)) return 'shp';
  return null;
}

// Planar measures in EPSG:4549 metres, the way the API measures (geo's
// ProjectedArea: each lon/lat position projected with the Krüger series,
// then the shoelace formula, holes subtracted), compass bearings, and the
// number formats of coordinates. Pure functions, no DOM.

import { toEPSG4549, fromEPSG4549 } from './proj.js';

/** Shoelace area of a ring of [x, y] (absolute, square metres). */
export function ringArea(ring) {
  let s = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[(i + 1) % n];
    s += x1 * y2 - x2 * y1;
  }
  return Math.abs(s) / 2;
}

/** Area of a projected Polygon's rings: the outer ring less its holes. */
export function polygonArea(rings) {
  if (!rings.length) return 0;
  return rings.slice(1).reduce((a, r) => a - ringArea(r), ringArea(rings[0]));
}

/** The polygons (arrays of rings) of a geometry; none for points and lines. */
export function polygonsOf(g) {
  if (!g) return [];
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  if (g.type === 'GeometryCollection') return g.geometries.flatMap(polygonsOf);
  return [];
}

/** The lines (arrays of positions) of a geometry, rings excluded. */
function linesOf(g) {
  if (!g) return [];
  if (g.type === 'LineString') return [g.coordinates];
  if (g.type === 'MultiLineString') return g.coordinates;
  if (g.type === 'GeometryCollection') return g.geometries.flatMap(linesOf);
  return [];
}

const project = (p) => toEPSG4549(p[0], p[1]);

/** Area in EPSG:4549 square metres of a lon/lat geometry (0 for points and lines). */
export function areaM2(g) {
  return polygonsOf(g).reduce((a, rings) => a + polygonArea(rings.map((r) => r.map(project))), 0);
}

/** Length of a projected path in metres. */
export function pathLength(pts) {
  let s = 0;
  for (let i = 1; i < pts.length; i++) s += Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]);
  return s;
}

/** Length in EPSG:4549 metres of a lon/lat geometry's lines (a polygon: its outer rings' perimeter). */
export function lengthM(g) {
  const lines = linesOf(g).concat(polygonsOf(g).map((rings) => rings[0]));
  return lines.reduce((a, l) => a + pathLength(l.map(project)), 0);
}

/**
 * A representative point of a lon/lat geometry, in EPSG:4549 [x, y]: the
 * point itself, the area-weighted centroid of its polygons, or the mean of
 * its positions otherwise. proj maps a position to EPSG:4549 (the identity
 * for a geometry already in EPSG:4549).
 */
export function centroid4549(g, proj = project) {
  if (g.type === 'Point') return proj(g.coordinates);
  let ax = 0;
  let ay = 0;
  let aa = 0;
  // Measured from the first vertex, so that products of coordinates in the
  // millions keep their precision.
  let o = null;
  for (const rings of polygonsOf(g)) {
    rings.forEach((ring, i) => {
      const abs = ring.map(proj);
      if (!o) o = abs[0];
      const pts = abs.map((p) => [p[0] - o[0], p[1] - o[1]]);
      let a = 0;
      let cx = 0;
      let cy = 0;
      for (let k = 0, n = pts.length; k < n; k++) {
        const [x1, y1] = pts[k];
        const [x2, y2] = pts[(k + 1) % n];
        const c = x1 * y2 - x2 * y1;
        a += c;
        cx += (x1 + x2) * c;
        cy += (y1 + y2) * c;
      }
      if (a === 0) return;
      const sign = (i === 0 ? 1 : -1) * Math.sign(a);
      ax += sign * cx / 3;
      ay += sign * cy / 3;
      aa += sign * a;
    });
  }
  if (aa !== 0) return [o[0] + ax / aa, o[1] + ay / aa];
  const all = [];
  const walk = (c) => (typeof c[0] === 'number' ? all.push(proj(c)) : c.forEach(walk));
  walk(g.coordinates || []);
  if (!all.length) return null;
  return [all.reduce((s, p) => s + p[0], 0) / all.length, all.reduce((s, p) => s + p[1], 0) / all.length];
}

/** Bearing in degrees clockwise from grid north (0–360) of a move by dx east, dy north. */
export function bearingDeg(dx, dy) {
  const b = (Math.atan2(dx, dy) * 180) / Math.PI;
  return b < 0 ? b + 360 : b;
}

const COMPASS = {
  zh: ['北', '东北', '东', '东南', '南', '西南', '西', '西北'],
  en: ['north', 'north-east', 'east', 'south-east', 'south', 'south-west', 'west', 'north-west'],
};

/** The eight-point compass direction of a bearing, in lang. */
export function compass(bearing, lang) {
  const names = COMPASS[lang] || COMPASS.zh;
  return names[Math.round((((bearing % 360) + 360) % 360) / 45) % 8];
}

/** lon/lat to 6 decimals (about 0.1 m). */
export const fmtLonLat = (lon, lat) => `${lon.toFixed(6)}, ${lat.toFixed(6)}`;

/** EPSG:4549 X (northing) and Y (easting) to the centimetre, as a 界址点 table writes them. */
export function xyOf(lon, lat) {
  const [e, n] = toEPSG4549(lon, lat);
  return { x: n.toFixed(2), y: e.toFixed(2) };
}

/** Moves a lon/lat position by dx east and dy north metres in EPSG:4549. */
export function offsetLonLat(p, dx, dy) {
  const [x, y] = project(p);
  return fromEPSG4549(x + dx, y + dy);
}

/**
 * The boundary points (界址点) of a lon/lat polygonal geometry: one row
 * per distinct vertex of each ring, numbered J1, J2, … over the whole
 * site, with the ring number (圈号: 1 the outer ring of the first polygon,
 * counting on through holes and polygons) and X (northing) / Y (easting)
 * in EPSG:4549 metres to the centimetre. projected: g is in EPSG:4549
 * [easting, northing] already. pointOf(position) gives what a
 * surveyor's file says of a vertex, where it is known: {no, x, y} (its
 * 点号, and X / Y as strings as the file has them), any of them absent; a
 * vertex without a 点号 is numbered J<n>, one without X / Y has them
 * computed.
 */
export function boundaryPoints(g, projected = false, pointOf = null) {
  const rows = [];
  let ring = 0;
  for (const rings of polygonsOf(g)) {
    for (const r of rings) {
      ring++;
      const pts = r.length > 1 && r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1] ? r.slice(0, -1) : r;
      pts.forEach((p) => {
        const known = (pointOf && pointOf(p)) || {};
        const no = typeof known.no === 'string' && known.no !== '' ? known.no : `J${rows.length + 1}`;
        const xy = typeof known.x === 'string' && typeof known.y === 'string' ? { x: known.x, y: known.y } : projected ? { x: p[1].toFixed(2), y: p[0].toFixed(2) } : xyOf(p[0], p[1]);
        rows.push({ no, ring, ...xy });
      });
    }
  }
  return rows;
}

/** Rounds square metres to the hundredth, as the API reports areas. */
export const round2 = (v) => Math.round(v * 100) / 100;

/** The identity, for measures of a geometry already in EPSG:4549. */
export const asProjected = (p) => [p[0], p[1]];

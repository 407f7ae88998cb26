// Coordinate transforms the map needs to draw what a planner pasted or
// uploaded before the server has answered. Pure functions, no DOM.
//
// EPSG:4549 is CGCS2000 / 3-degree Gauss-Kruger CM 120E: transverse Mercator
// on GRS80, lon_0 120, k 1, x_0 500 000, y_0 0. The transform uses Krüger's
// series to order n^6 (as PROJ's default tmerc does), which is good to well
// under a millimetre inside a 3-degree zone. CGCS2000 lon/lat is treated as
// WGS84 (they agree within centimetres).
//
// GCJ-02 is the obfuscated lon/lat of Chinese web maps; the public formula
// (Krasovsky ellipsoid) moves a point in Zhonglou about 445 m east and 232 m
// south. The inverse is iterative.

const A = 6378137;
const F = 1 / 298.257222101; // GRS80
const LON0 = 120;
const K0 = 1;
const FE = 500000;
const FN = 0;

const N = F / (2 - F);
const E2 = F * (2 - F);
const E = Math.sqrt(E2);
const RECT = (A / (1 + N)) * (1 + (N * N) / 4 + (N ** 4) / 64 + (N ** 6) / 256);

const ALPHA = [
  N / 2 - (2 * N ** 2) / 3 + (5 * N ** 3) / 16 + (41 * N ** 4) / 180 - (127 * N ** 5) / 288 + (7891 * N ** 6) / 37800,
  (13 * N ** 2) / 48 - (3 * N ** 3) / 5 + (557 * N ** 4) / 1440 + (281 * N ** 5) / 630 - (1983433 * N ** 6) / 1935360,
  (61 * N ** 3) / 240 - (103 * N ** 4) / 140 + (15061 * N ** 5) / 26880 + (167603 * N ** 6) / 181440,
  (49561 * N ** 4) / 161280 - (179 * N ** 5) / 168 + (6601661 * N ** 6) / 7257600,
  (34729 * N ** 5) / 80640 - (3418889 * N ** 6) / 1995840,
  (212378941 * N ** 6) / 319334400,
];

const BETA = [
  N / 2 - (2 * N ** 2) / 3 + (37 * N ** 3) / 96 - (N ** 4) / 360 - (81 * N ** 5) / 512 + (96199 * N ** 6) / 604800,
  (N ** 2) / 48 + (N ** 3) / 15 - (437 * N ** 4) / 1440 + (46 * N ** 5) / 105 - (1118711 * N ** 6) / 3870720,
  (17 * N ** 3) / 480 - (37 * N ** 4) / 840 - (209 * N ** 5) / 4480 + (5569 * N ** 6) / 90720,
  (4397 * N ** 4) / 161280 - (11 * N ** 5) / 504 - (830251 * N ** 6) / 7257600,
  (4583 * N ** 5) / 161280 - (108847 * N ** 6) / 3991680,
  (20648693 * N ** 6) / 638668800,
];

const RAD = Math.PI / 180;

/**
 * lon/lat (degrees) → EPSG:4549 [easting, northing] in metres.
 * @param {number} lon
 * @param {number} lat
 * @returns {[number, number]}
 */
export function toEPSG4549(lon, lat) {
  const phi = lat * RAD;
  const lam = (lon - LON0) * RAD;
  const s = Math.sin(phi);
  const t = Math.sinh(Math.atanh(s) - E * Math.atanh(E * s));
  const xi1 = Math.atan2(t, Math.cos(lam));
  const eta1 = Math.atanh(Math.sin(lam) / Math.sqrt(1 + t * t));
  let xi = xi1;
  let eta = eta1;
  for (let j = 1; j <= 6; j++) {
    const a = ALPHA[j - 1];
    xi += a * Math.sin(2 * j * xi1) * Math.cosh(2 * j * eta1);
    eta += a * Math.cos(2 * j * xi1) * Math.sinh(2 * j * eta1);
  }
  return [FE + K0 * RECT * eta, FN + K0 * RECT * xi];
}

/**
 * EPSG:4549 [easting, northing] in metres → [lon, lat] in degrees.
 * @param {number} x easting
 * @param {number} y northing
 * @returns {[number, number]}
 */
export function fromEPSG4549(x, y) {
  const xi = (y - FN) / (K0 * RECT);
  const eta = (x - FE) / (K0 * RECT);
  let xi1 = xi;
  let eta1 = eta;
  for (let j = 1; j <= 6; j++) {
    const b = BETA[j - 1];
    xi1 -= b * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
    eta1 -= b * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
  }
  const lam = Math.atan2(Math.sinh(eta1), Math.cos(xi1));
  const tauP = Math.sin(xi1) / Math.sqrt(Math.sinh(eta1) ** 2 + Math.cos(xi1) ** 2);
  // Solve tau from tau' (Karney 2011, eq. 19-21) by Newton's method.
  let tau = tauP;
  for (let i = 0; i < 10; i++) {
    const sq = Math.sqrt(1 + tau * tau);
    const sigma = Math.sinh(E * Math.atanh((E * tau) / sq));
    const tauI = tau * Math.sqrt(1 + sigma * sigma) - sigma * sq;
    const d = ((tauP - tauI) / Math.sqrt(1 + tauI * tauI)) *
      ((1 + (1 - E2) * tau * tau) / ((1 - E2) * sq));
    tau += d;
    if (Math.abs(d) < 1e-14) break;
  }
  return [LON0 + lam / RAD, Math.atan(tau) / RAD];
}

// ---- GCJ-02 ----
const GA = 6378245.0;
const GEE = 0.00669342162296594323;

function outOfChina(lon, lat) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function tLat(x, y) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
  return r;
}

function tLon(x, y) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
  return r;
}

/** WGS84 → GCJ-02 (the public formula). */
export function wgs84ToGcj02(lon, lat) {
  if (outOfChina(lon, lat)) return [lon, lat];
  let dLat = tLat(lon - 105, lat - 35);
  let dLon = tLon(lon - 105, lat - 35);
  const radLat = lat * RAD;
  let magic = Math.sin(radLat);
  magic = 1 - GEE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180) / (((GA * (1 - GEE)) / (magic * sqrtMagic)) * Math.PI);
  dLon = (dLon * 180) / ((GA / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lon + dLon, lat + dLat];
}

/** GCJ-02 → WGS84 by fixed-point iteration (residual < 1e-9 degrees). */
export function gcj02ToWgs84(lon, lat) {
  if (outOfChina(lon, lat)) return [lon, lat];
  let x = lon;
  let y = lat;
  for (let i = 0; i < 30; i++) {
    const [gx, gy] = wgs84ToGcj02(x, y);
    const dx = gx - lon;
    const dy = gy - lat;
    x -= dx;
    y -= dy;
    if (Math.abs(dx) < 1e-10 && Math.abs(dy) < 1e-10) break;
  }
  return [x, y];
}

/**
 * Converts a position in the given CRS to lon/lat for drawing.
 * @param {number[]} p position
 * @param {string} crs "EPSG:4326" | "EPSG:4490" | "EPSG:4549" | "GCJ-02"
 */
export function toLonLat(p, crs) {
  switch (crs) {
    case 'EPSG:4549':
      return fromEPSG4549(p[0], p[1]);
    case 'GCJ-02':
      return gcj02ToWgs84(p[0], p[1]);
    default:
      return [p[0], p[1]];
  }
}

/** Maps every position of a GeoJSON geometry through fn; returns a new geometry. */
export function mapGeometry(g, fn) {
  const walk = (c, depth) => (depth === 0 ? fn(c) : c.map((x) => walk(x, depth - 1)));
  const depth = { Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 }[g.type];
  if (g.type === 'GeometryCollection') {
    return { type: g.type, geometries: g.geometries.map((x) => mapGeometry(x, fn)) };
  }
  if (depth === undefined) throw new Error(`unknown geometry type ${g.type}`);
  return { type: g.type, coordinates: walk(g.coordinates, depth) };
}

/** A geometry in crs converted to lon/lat (WGS84) for drawing. */
export function geometryToLonLat(g, crs) {
  if (!crs || crs === 'EPSG:4326' || crs === 'EPSG:4490') return g;
  return mapGeometry(g, (p) => toLonLat(p, crs));
}

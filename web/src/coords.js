// The coordinate-paste parser: turns what a planner pastes (lon,lat pairs or
// EPSG:4549 X,Y pairs as copied from a 界址点 table, one point per line) into
// a GeoJSON geometry and the CRS to send it in. Pure functions, no DOM: the
// messages for the error codes live in messages.js (coords.<code>).
//
// A line may be
//   119.8012, 31.7833                 lon,lat (degrees; also 119°48′04.3″)
//   3519876.12  480123.45             X (northing), Y (easting) in metres —
//                                     the order of Chinese survey tables —
//                                     or easting, northing: told apart by size
//   J1, 3519876.12, 40480123.45       a point name or number first; an
//                                     easting with the zone prefix 40
// Separators: comma, Chinese comma, semicolon, tab or spaces. Blank lines and
// lines starting with # or // are skipped, and so is a first line without any
// digit (a table header). Every other line that is not a point is reported by
// its 1-based line number.
//
// 1 point → Point, 2 → LineString, 3 or more → Polygon (closed if the last
// point does not repeat the first).

/** Paste modes: how to read the numbers. */
export const MODES = ['auto', 'lonlat', 'gcj02', 'epsg4549'];

const FULLWIDTH = /[\uFF01-\uFF5E]/g;

/** Full-width digits and punctuation (０-９，．－) → ASCII. */
export function toHalfWidth(s) {
  return s.replace(FULLWIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
// 119°48′04.3″E, 119°48'04.3", 31°47.5'N, 度分秒 too.
const DMS = /^([+-]?)(\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′分]\s*)?(?:(\d+(?:\.\d+)?)\s*(?:["″]|''|′′|秒)\s*)?([NSEW]?)$/i;

/**
 * Parses one number: a decimal, or degrees-minutes-seconds with an optional
 * hemisphere letter. Returns NaN if the token is not a number.
 * @param {string} tok
 * @returns {number}
 */
export function parseNumber(tok) {
  let s = tok.trim();
  let sign = 1;
  const hemi = /^([NSEW])\s*|\s*([NSEW])$/i.exec(s);
  if (DECIMAL.test(s)) return Number(s);
  const m = DMS.exec(s);
  if (m) {
    const [, sg, d, mi, se, h] = m;
    const deg = Number(d) + (mi ? Number(mi) / 60 : 0) + (se ? Number(se) / 3600 : 0);
    if ((mi && Number(mi) >= 60) || (se && Number(se) >= 60)) return NaN;
    sign = sg === '-' || /[SW]/i.test(h) ? -1 : 1;
    return sign * deg;
  }
  if (hemi) {
    const core = s.replace(/^[NSEW]\s*|\s*[NSEW]$/gi, '');
    if (DECIMAL.test(core)) return (/[SW]/i.test(hemi[1] || hemi[2]) ? -1 : 1) * Number(core);
  }
  return NaN;
}

/** Splits a line into tokens on commas (also ，、), semicolons, tabs and spaces. */
export function tokenize(line) {
  return line
    .split(/[,，、;；\t ]+/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

const isNorthing = (v) => v >= 1e6 && v < 1e7; // China: 2–6 million m
const isEasting = (v) => (v >= 1e5 && v < 1e6) || (v >= 1e7 && v < 1e8); // plain, or with a zone prefix

/**
 * Orders a pair of projected numbers as [easting, northing] by their size and
 * strips the zone prefix 40 (3-degree zone of CM 120°E) from the easting.
 * Returns {point} or {error, params}.
 * @param {number} a first number on the line
 * @param {number} b second number on the line
 */
export function orderProjected(a, b) {
  let e;
  let n;
  if (isNorthing(a) && isEasting(b)) {
    n = a; // X, Y: Chinese survey order (X is northing)
    e = b;
  } else if (isEasting(a) && isNorthing(b)) {
    e = a;
    n = b;
  } else {
    return { error: 'axes', params: { a, b } };
  }
  if (e >= 1e7) {
    const zone = Math.floor(e / 1e6);
    if (zone !== 40) return { error: 'zone', params: { zone } };
    e = Math.round((e - 40e6) * 1e6) / 1e6; // keep the digits as typed
  }
  return { point: [e, n] };
}

/**
 * Classifies two numbers as geographic (lon/lat) or projected (metres).
 * @returns {'lonlat'|'projected'|null}
 */
export function classify(a, b) {
  if (Math.abs(a) <= 180 && Math.abs(b) <= 180) return 'lonlat';
  if (Math.abs(a) >= 1000 && Math.abs(b) >= 1000) return 'projected';
  return null;
}

/**
 * Checks a lon,lat pair: latitude in ±90, longitude in ±180, and says when
 * the pair looks like lat,lon.
 * @returns {null | {error: string, params: object}}
 */
export function checkLonLat(lon, lat) {
  if (Math.abs(lat) > 90) {
    if (Math.abs(lat) <= 180 && Math.abs(lon) <= 90) return { error: 'swapped', params: { lon, lat } };
    return { error: 'range', params: { lon, lat } };
  }
  if (Math.abs(lon) > 180) return { error: 'range', params: { lon, lat } };
  // In China longitude (73–135°E) and latitude (3–54°N) do not overlap: a
  // first number in the latitude range with a second in the longitude range
  // of China is a swap even when both are below 90.
  if (lon >= 3 && lon <= 54 && lat >= 73 && lat <= 90) return { error: 'swapped', params: { lon, lat } };
  return null;
}

/**
 * Parses pasted coordinates.
 * @param {string} text
 * @param {{mode?: 'auto'|'lonlat'|'gcj02'|'epsg4549'}} [opts]
 * @returns {{
 *   ok: boolean,
 *   kind: 'lonlat'|'projected'|null,
 *   crs: 'EPSG:4326'|'GCJ-02'|'EPSG:4549'|null,
 *   points: number[][],
 *   lines: number[],
 *   geometry: object|null,
 *   errors: {line: number, code: string, params: object}[]
 * }}
 *   points are [x, y] in crs (lon,lat or easting,northing); lines[i] is the
 *   1-based line number of points[i] (and of the vertex of the same index in
 *   the geometry; the closing vertex of a polygon maps to the first line).
 */
export function parseCoordinates(text, opts = {}) {
  const mode = opts.mode || 'auto';
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}`);
  const errors = [];
  const points = [];
  const lines = [];
  let kind = mode === 'epsg4549' ? 'projected' : mode === 'auto' ? null : 'lonlat';
  let kindLine = 0;
  let seenContent = false;

  const rows = String(text ?? '').split(/\r\n|\r|\n/);
  rows.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = toHalfWidth(raw).trim();
    if (line === '' || line.startsWith('#') || line.startsWith('//')) return;
    const first = !seenContent;
    seenContent = true;
    if (first && !/\d/.test(line)) return; // a header such as 点号 X Y
    const err = (code, params = {}) => errors.push({ line: lineNo, code, params: { ...params, line: lineNo, text: raw.trim() } });

    let toks = tokenize(line);
    // A point name first (J1, 界址点3, N1, P-12): with three tokens anything
    // but a plain decimal; otherwise anything that is not a number.
    if ((toks.length === 3 && !DECIMAL.test(toks[0])) || (toks.length > 0 && Number.isNaN(parseNumber(toks[0])))) {
      toks = toks.slice(1);
    }
    let nums = toks.map(parseNumber);
    const bad = toks.find((t, i) => Number.isNaN(nums[i]));
    if (bad !== undefined) {
      err('number', { token: bad });
      return;
    }
    // A point number first: three numbers of which the first is an integer
    // and the last two make a pair.
    if (nums.length === 3 && Number.isInteger(nums[0]) && nums[0] >= 0 && /^\d+$/.test(toks[0]) && classify(nums[1], nums[2])) {
      nums = nums.slice(1);
    }
    if (nums.length !== 2) {
      err('count', { count: nums.length });
      return;
    }
    const [a, b] = nums;
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      err('number', { token: toks.join(' ') });
      return;
    }
    const k = classify(a, b);
    if (k === null) {
      err('unknown', { a, b });
      return;
    }
    if (kind === null) {
      kind = k;
      kindLine = lineNo;
    } else if (k !== kind) {
      if (mode === 'auto') err('mixed', { kind: k, expected: kind, first: kindLine });
      else err(kind === 'projected' ? 'expected_projected' : 'expected_lonlat', { a, b });
      return;
    }
    if (k === 'lonlat') {
      const bad2 = checkLonLat(a, b);
      if (bad2) {
        err(bad2.error, bad2.params);
        return;
      }
      points.push([a, b]);
    } else {
      const r = orderProjected(a, b);
      if (r.error) {
        err(r.error, r.params);
        return;
      }
      points.push(r.point);
    }
    lines.push(lineNo);
  });

  if (points.length === 0 && errors.length === 0) {
    errors.push({ line: 0, code: 'empty', params: {} });
  }
  const crs = kind === 'projected' ? 'EPSG:4549' : kind === 'lonlat' ? (mode === 'gcj02' ? 'GCJ-02' : 'EPSG:4326') : null;
  let geometry = null;
  if (errors.length === 0) {
    const g = toGeometry(points, lines);
    if (g.error) errors.push({ line: g.line, code: g.error, params: { line: g.line } });
    else geometry = g.geometry;
  }
  return { ok: errors.length === 0, kind, crs, points, lines, geometry, errors };
}

const samePoint = (p, q) => p[0] === q[0] && p[1] === q[1];

/**
 * Builds the geometry for parsed points: Point, LineString or Polygon.
 * @returns {{geometry?: object, error?: string, line?: number}}
 */
export function toGeometry(points, lines = []) {
  if (points.length === 0) return { error: 'empty', line: 0 };
  if (points.length === 1) return { geometry: { type: 'Point', coordinates: points[0] } };
  // Consecutive repeats are a typing slip that would make an invalid ring.
  for (let i = 1; i < points.length; i++) {
    const closing = i === points.length - 1 && points.length > 3;
    if (samePoint(points[i], points[i - 1]) && !closing) return { error: 'repeated', line: lines[i] ?? i + 1 };
  }
  if (points.length === 2) return { geometry: { type: 'LineString', coordinates: points } };
  const ring = points.slice();
  const closed = samePoint(ring[0], ring[ring.length - 1]);
  if (!closed) ring.push(ring[0]);
  if (ring.length < 4) return { error: 'too_few', line: lines[lines.length - 1] ?? 0 };
  return { geometry: { type: 'Polygon', coordinates: [ring] } };
}

/**
 * The paste line of a geometry vertex named by a JSON pointer into the
 * request ("/geometry/coordinates/0/3" → the line of vertex 3), or 0.
 * @param {string} pointer
 * @param {{geometry: object, lines: number[]}} parsed
 */
export function lineForPointer(pointer, parsed) {
  if (!pointer || !parsed || !parsed.geometry) return 0;
  const m = /^\/geometry(?:\/geometry)?\/coordinates((?:\/\d+)*)/.exec(pointer);
  if (!m) return 0;
  const idx = m[1].split('/').filter(Boolean).map(Number);
  const { type } = parsed.geometry;
  let vertex;
  if (type === 'Point') vertex = 0;
  else if (type === 'LineString') vertex = idx[0];
  else if (type === 'Polygon') {
    if (idx.length < 2 || idx[0] !== 0) return 0;
    vertex = idx[1];
  }
  if (vertex === undefined) return 0;
  if (type === 'Polygon' && vertex === parsed.lines.length) vertex = 0; // the closing vertex
  return parsed.lines[vertex] ?? 0;
}

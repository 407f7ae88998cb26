// The 地块 of an uploaded 用地报盘 TXT as the map lists them, the batch
// request that checks them all (POST /api/v1/checks/batch with the file
// as text/plain) and its JSON Lines answer read back. No DOM.

/** Square metres in one 亩. */
const M2_PER_MU = 10000 / 15;

/**
 * One row per 地块 of a parse answer (POST /api/v1/sites/parse):
 * {index, number, name, reference, use, area_m2, mu, feature}. reference
 * is what a check of it is filed under: its 地块编号, else what the API
 * calls it (地块名称, else its index).
 */
export function txtRows(parsed) {
  const feats = (parsed && Array.isArray(parsed.features) && parsed.features) || [];
  return feats.map((f, i) => {
    const p = f.properties || {};
    const area = typeof p.area_m2 === 'number' ? p.area_m2 : null;
    return {
      index: typeof p.index === 'number' ? p.index : i + 1,
      number: p.number || '',
      name: p.name || '',
      use: p.use || '',
      reference: p.number || p.reference || String(i + 1),
      area_m2: area,
      mu: area === null ? null : Math.round((area / M2_PER_MU) * 100) / 100,
      feature: f,
    };
  });
}

/**
 * The URL path (under /api/v1) of the batch check of a TXT's 地块: the
 * category, the date and the declared facts as query parameters, as a
 * text/plain batch takes them.
 */
export function batchPath(category, asOf, facts) {
  return `/checks/batch?${txtQuery(category, asOf, facts)}`;
}

/**
 * The URL path (under /api/v1) of the check of a TXT of one 地块 sent as
 * it is (text/plain to POST /api/v1/checks): the server reads the file's
 * own metres, as a batch does, where the parse answer's lon/lat carry 6
 * decimals (some 5 cm).
 */
export function checkPath(category, asOf, facts, reference) {
  const q = txtQuery(category, asOf, facts);
  if (reference) q.set('reference', reference);
  return `/checks?${q}`;
}

function txtQuery(category, asOf, facts) {
  const q = new URLSearchParams();
  q.set('category', category);
  if (asOf) q.set('as_of', asOf);
  for (const [k, v] of Object.entries(facts || {})) q.append('fact', `${k}=${v ? 'true' : 'false'}`);
  return q;
}

/**
 * The bytes of a 用地报盘 file cut down to one of its 地块: the lines
 * before the first 地块 header ([属性描述] and the [地块坐标] line), then
 * that 地块's header and points. headerLines are the lines (1-based) of
 * the 地块 headers in file order, as the parse answer gives them (each
 * feature's properties.line); lines are cut at the byte 0x0A, which
 * neither GBK, GB18030 nor UTF-8 uses inside a character, so the bytes go
 * as they are and the server reads the piece as it read the file. index
 * is the 地块's (1-based). null when the header lines do not fit the file
 * (then the 地块 is sent as the parse answer gave it).
 * @param {Uint8Array} bytes the file
 * @param {number[]} headerLines
 * @param {number} index
 */
export function txtSlice(bytes, headerLines, index) {
  const starts = [0]; // starts[n-1]: the byte where line n begins
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a && i + 1 < bytes.length) starts.push(i + 1);
  const n = headerLines.length;
  if (index < 1 || index > n) return null;
  for (let i = 0; i < n; i++) {
    const l = headerLines[i];
    if (!Number.isInteger(l) || l < 1 || l > starts.length || (i > 0 && l <= headerLines[i - 1])) return null;
  }
  const at = (line) => starts[line - 1];
  const from = at(headerLines[index - 1]);
  const to = index < n ? at(headerLines[index]) : bytes.length;
  const pre = bytes.subarray(0, at(headerLines[0]));
  const out = new Uint8Array(pre.length + (to - from));
  out.set(pre, 0);
  out.set(bytes.subarray(from, to), pre.length);
  return out;
}

/**
 * Reads a batch answer in JSON Lines (one BatchResult a line: index from
 * 0, reference, and check or problem). A line that is not JSON is an
 * error naming it; blank lines are skipped.
 * @returns {{results: object[], errors: {line: number, detail: string}[]}}
 */
export function readBatchLines(text) {
  const results = [];
  const errors = [];
  String(text || '')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.trim();
      if (!line) return;
      try {
        const r = JSON.parse(line);
        if (r && typeof r.index === 'number') results.push(r);
        else errors.push({ line: i + 1, detail: 'no index' });
      } catch (e) {
        errors.push({ line: i + 1, detail: e.message });
      }
    });
  results.sort((a, b) => a.index - b.index);
  return { results, errors };
}

/** The compact form of one BatchResult: {verdict} or {problem: detail}. */
export function compactResult(r) {
  if (r && r.check && r.check.verdict) return { verdict: r.check.verdict, check: r.check };
  const p = (r && r.problem) || {};
  return { problem: p.detail || p.title || 'problem' };
}

/** How many 地块 got each verdict (and how many a problem): {prohibited: 1, …, problem: 0}. */
export function batchCounts(results) {
  const counts = {};
  for (const r of results) {
    const c = compactResult(r);
    const k = c.verdict || 'problem';
    counts[k] = (counts[k] || 0) + 1;
  }
  return counts;
}

/**
 * What the file says of a parsed 地块's boundary points, for its 界址点
 * table, from the parse answer's point_names (one array a ring, the names
 * of the ring's distinct vertices in the order of the geometry's) and
 * points_4549 (the same points' [X northing, Y easting] in EPSG:4549
 * metres as the file writes them, to the millimetre): {named, measured,
 * pointOf}, where pointOf maps a lon/lat position to {no, x, y} (x and y
 * strings to 3 decimals), any of them absent where the answer says
 * nothing that fits the geometry ring for ring; null when it fits in
 * neither (the table then numbers the points J1, J2, … and computes X / Y
 * from lon/lat, within some 5 cm). Positions are matched by value, so the
 * echo of the site in a check's answer finds its points whatever vertex
 * its rings start at.
 */
export function filePointsOf(feature) {
  const props = (feature && feature.properties) || {};
  const g = feature && feature.geometry;
  if (!g) return null;
  const rings = g.type === 'Polygon' ? g.coordinates : g.type === 'MultiPolygon' ? g.coordinates.flat() : null;
  if (!rings) return null;
  const counts = rings.map((r) => {
    const closed = r.length > 1 && r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1];
    return closed ? r.length - 1 : r.length;
  });
  // Whether a per-ring member fits the geometry: one array a ring, one item a distinct vertex.
  const fits = (m, ok) => Array.isArray(m) && m.length === rings.length && m.every((r, i) => Array.isArray(r) && r.length === counts[i] && r.every(ok));
  const names = props.point_names;
  const metres = props.points_4549;
  const named = fits(names, (x) => typeof x === 'string');
  const measured = fits(metres, (xy) => Array.isArray(xy) && xy.length === 2 && xy.every(Number.isFinite));
  if (!named && !measured) return null;
  const byPos = new Map();
  for (let i = 0; i < rings.length; i++) {
    for (let j = 0; j < counts[i]; j++) {
      const p = rings[i][j];
      const known = {};
      if (named) known.no = names[i][j];
      if (measured) Object.assign(known, { x: metres[i][j][0].toFixed(3), y: metres[i][j][1].toFixed(3) });
      byPos.set(`${p[0]},${p[1]}`, known);
    }
  }
  return { named, measured, pointOf: (p) => byPos.get(`${p[0]},${p[1]}`) ?? null };
}

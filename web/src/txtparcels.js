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
 * The 点号 of a parsed 地块's boundary points, for its 界址点 table: a
 * function from a lon/lat position to the name the file gives it, read
 * from the parse answer's point_names member (one array a ring, the names
 * of the ring's distinct vertices in the order of the geometry's), or null
 * when there is none that fits the geometry ring for ring (the table then
 * numbers the points J1, J2, …). Positions are matched by value, so the
 * echo of the site in a check's answer finds its names whatever vertex
 * its rings start at. POST /api/v1/sites/parse does not send point_names
 * yet.
 */
export function pointNamesOf(feature) {
  const names = feature && feature.properties && feature.properties.point_names;
  const g = feature && feature.geometry;
  if (!Array.isArray(names) || !g) return null;
  const rings = g.type === 'Polygon' ? g.coordinates : g.type === 'MultiPolygon' ? g.coordinates.flat() : null;
  if (!rings || rings.length !== names.length) return null;
  const byPos = new Map();
  for (let i = 0; i < rings.length; i++) {
    const r = rings[i];
    const closed = r.length > 1 && r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1];
    const n = closed ? r.length - 1 : r.length;
    if (!Array.isArray(names[i]) || names[i].length !== n || !names[i].every((x) => typeof x === 'string')) return null;
    for (let j = 0; j < n; j++) byPos.set(`${r[j][0]},${r[j][1]}`, names[i][j]);
  }
  return (p) => byPos.get(`${p[0]},${p[1]}`) ?? null;
}

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
  const q = new URLSearchParams();
  q.set('category', category);
  if (asOf) q.set('as_of', asOf);
  for (const [k, v] of Object.entries(facts || {})) q.append('fact', `${k}=${v ? 'true' : 'false'}`);
  return `/checks/batch?${q}`;
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

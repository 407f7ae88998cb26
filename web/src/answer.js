// What the map does with a check's answer beyond drawing it: the facts a
// planner declared (kept per category, carried in the URL), the open
// questions, the statuses of a citation and the numbers as the API rounds
// them. No DOM here: node --test web/src/ tests it.

/** The facts a category's rules turn on (GET /categories: category.facts). */
export function factsOf(category) {
  return category && Array.isArray(category.facts) ? category.facts : [];
}

/** Keeps the declared facts the category asks about; {} for none. */
export function keepFacts(facts, category) {
  const out = {};
  const known = factsOf(category);
  for (const [k, v] of Object.entries(facts || {})) {
    if (known.includes(k) && typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** The facts as the URL carries them: "emits_n_p:1,hazardous_goods:0", sorted. */
export function factsParam(facts) {
  return Object.keys(facts || {})
    .sort()
    .map((k) => `${k}:${facts[k] ? 1 : 0}`)
    .join(',');
}

/** Reads factsParam's form back; anything malformed is left out. */
export function parseFactsParam(s) {
  const out = {};
  for (const part of String(s || '').split(',')) {
    const m = /^([a-z0-9_]+):([01])$/.exec(part.trim());
    if (m) out[m[1]] = m[2] === '1';
  }
  return out;
}

/** The two statuses of a citation, as message-key suffixes. */
export function citationStatus(c) {
  const quote = c && c.quote_status === 'read' ? 'read' : 'to_verify';
  const application = c && ['settled', 'interpretation'].includes(c.application) ? c.application : 'to_verify';
  return { quote, application };
}

/** "《title》 第三十条（五）": the document and where in it. */
export function citationRef(c) {
  if (!c) return '';
  const name = c.title || (c.document ? `《${String(c.document).replace(/^《|》$/g, '')}》` : '');
  return [name, `${c.article || ''}${c.item || ''}`].filter(Boolean).join(' ');
}

/** What answering a question would give: {yes, no}, each {verdict, rule, ref}. */
export function questionOutcomes(q) {
  const one = (o) => ({ verdict: (o && o.verdict) || '', rule: (o && o.rule_id) || '', ref: citationRef(o && o.citation) });
  return { yes: one(q && q.if_true), no: one(q && q.if_false) };
}

/** The data status an answer shows: illustrative, estimated or official. */
export function dataStatus(r) {
  return r && ['illustrative', 'estimated', 'official'].includes(r.data_status) ? r.data_status : 'illustrative';
}

/** Metres to the millimetre and m² to the cm², as the API rounds them. */
export const roundDistance = (d) => Math.round(d * 1000) / 1000;
export const roundArea = (a) => Math.round(a * 10000) / 10000;

// ---- export (GeoJSON of an answer) and the recent checks list ----

/** The GeoJSON FeatureCollection of an answer r (pure). */
export function answerGeoJSON(r) {
  const site = r.site && r.site.type === 'Feature' ? r.site.geometry : r.site;
  const features = [];
  features.push({
    type: 'Feature',
    geometry: site || null,
    properties: {
      role: 'site',
      check_id: r.check_id || null,
      category: r.category || null,
      verdict: r.verdict || null,
      deciding_rule: r.deciding_rule || null,
      as_of: r.as_of || null,
      checked_at: r.checked_at || null,
      reference: r.reference || null,
      rules_version: r.rules_version || null,
      data_status: r.data_status || null,
      decision_hash: r.decision_hash || null,
    },
  });
  for (const hit of Array.isArray(r.hits) ? r.hits : []) {
    features.push({
      type: 'Feature',
      geometry: null,
      properties: {
        role: 'hit',
        layer: hit.layer,
        zone_id: hit.zone_id || null,
        zone_name: hit.zone_name || null,
        relation: hit.relation || null,
        effect: hit.effect || null,
        rule_id: hit.rule_id || null,
        distance_m: hit.distance_m ?? null,
        overlap_m2: hit.overlap_m2 ?? null,
        citations: hit.citations || [],
      },
    });
  }
  for (const f of (r.conflicts && r.conflicts.features) || []) {
    features.push({ type: 'Feature', geometry: f.geometry, properties: { ...(f.properties || {}), role: 'conflict' } });
  }
  return { type: 'FeatureCollection', features };
}

/** The file name of an answer's export. */
export const exportName = (r) => `ecospace-${r.check_id || 'check'}.geojson`;

const KEEP = 20;

/** The recent checks list after adding answer r (newest first, one entry per check id, at most KEEP). Pure. */
export function addRecent(list, r) {
  if (!r || !r.check_id) return list;
  const entry = { check_id: r.check_id, checked_at: r.checked_at || '', category: r.category || '', verdict: r.verdict || '', reference: r.reference || '' };
  return [entry, ...list.filter((x) => x.check_id !== r.check_id)].slice(0, KEEP);
}

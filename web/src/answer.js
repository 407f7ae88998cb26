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

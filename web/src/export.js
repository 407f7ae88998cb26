// Export of an answer as GeoJSON: a FeatureCollection with the site (its
// verdict, category, check id, decision hash and dates as properties), each
// zone met (hit) with its effect and rule, and the conflicting parts the
// answer drew, downloaded as a file.

import { h, t } from './state.js';

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

/** A button that downloads the answer r as GeoJSON. */
export function exportButton(r) {
  if (!r) return null;
  return h('button', {
    type: 'button',
    id: 'export',
    class: 'secondary',
    text: t('export.button'),
    onclick: () => {
      const blob = new Blob([JSON.stringify(answerGeoJSON(r), null, 2)], { type: 'application/geo+json' });
      const a = h('a', { href: URL.createObjectURL(blob), download: exportName(r) });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    },
  });
}

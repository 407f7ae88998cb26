// Export of an answer as GeoJSON: a FeatureCollection with the site (its
// verdict, category, check id, decision hash and dates as properties), each
// zone met (hit) with its effect and rule, and the conflicting parts the
// answer drew, downloaded as a file.

import { h, t } from './state.js';
import { answerGeoJSON, exportName } from './answer.js';

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

// The verdict sheet: on a narrow screen (a phone) the answer sits below
// the map, so a tap on the map would leave it out of view; this bar, fixed
// to the bottom of the screen, shows the verdict at once, and its button
// scrolls to the full answer.

import { $, h, t, text2, state } from './state.js';

const VERDICTS = ['prohibited', 'restricted', 'allowed', 'outside_coverage'];

/** Shows what: {result} or {matrix}; null hides the sheet. */
export function showSheet(what) {
  const el = $('#verdict-sheet');
  if (!el) return;
  if (!what) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  const details = h('button', {
    type: 'button',
    class: 'secondary',
    text: t('sheet.details'),
    onclick: () => $('#result-panel').scrollIntoView({ block: 'start', behavior: 'smooth' }),
  });
  if (what.result) {
    const r = what.result;
    const v = VERDICTS.includes(r.verdict) ? r.verdict : 'outside_coverage';
    const cat = state.categories.find((c) => c.id === r.category);
    el.replaceChildren(
      h('span', { id: 'sheet-verdict', class: `badge verdict-${v}`, dataset: { verdict: r.verdict }, text: t(`verdict.${v}`) }),
      h('span', { class: 'sheet-text', text: cat ? text2(cat.name) : r.category || '' }),
      details,
    );
  } else {
    const counts = new Map();
    for (const row of what.matrix.rows || []) counts.set(row.verdict, (counts.get(row.verdict) || 0) + 1);
    el.replaceChildren(
      h('span', { class: 'sheet-text', text: t('matrix.title') }),
      ...VERDICTS.filter((v) => counts.get(v)).map((v) => h('span', { class: `badge small verdict-${v}`, dataset: { verdict: v }, text: `${t(`verdict.${v}`)} ${counts.get(v)}` })),
      details,
    );
  }
  el.hidden = false;
}

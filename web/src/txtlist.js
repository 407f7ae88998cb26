// The 地块 of an uploaded 用地报盘 TXT with several of them: a list of
// 地块编号, 名称 and area, each checked alone (its 地块编号 the check's
// reference) or all at once (POST /api/v1/checks/batch with the file as
// text/plain), with a compact result per 地块 that opens its full check.

import { $, h, t, num, state, API } from './state.js';
import { setSite, runCheck, showResult, fitToResult, revealResult } from './check.js';
import { txtRows, batchPath, readBatchLines, compactResult, batchCounts, txtSlice } from './txtparcels.js';

// The list shown: {rows, file, fileName, results: Map index → compact, batchError, running}.
let current = null;

/** Lists the 地块 of a parse answer; file is what was uploaded (sent again for a batch). */
export function showTXTParcels(parsed, file, bytes = null) {
  current = { rows: txtRows(parsed), file, bytes, fileName: file.name, results: new Map(), batchError: '', running: false, chosen: null };
  renderTXTParcels();
}

/** Takes the list away (another site was given, or the upload failed). */
export function clearTXTParcels() {
  current = null;
  const el = $('#txt-parcels');
  el.hidden = true;
  el.replaceChildren();
}

/** Whether the site is one of the listed 地块 (the list stays when it is). */
export const listedSite = (site) => Boolean(current && site && site.txtIndex !== undefined);

/** Checks 地块 index (1-based, file order) alone: its 地块编号 is the reference. */
export function checkTXTParcel(index) {
  const row = current && current.rows.find((r) => r.index === index);
  if (!row) return Promise.resolve(null);
  current.chosen = index;
  const g = row.feature.geometry;
  const lines = current.rows.map((r) => (r.feature.properties || {}).line);
  const txtBody = current.bytes ? txtSlice(current.bytes, lines, index) : null;
  setSite({ geometry: g, crs: 'EPSG:4326', display: g, source: 'upload', fileName: current.fileName, reference: row.reference, txtIndex: index, txtFeature: row.feature, txtBody });
  renderTXTParcels();
  return runCheck();
}

/** Checks every 地块 of the file in one batch with the chosen category; resolves to the results or null. */
export async function checkAllTXT() {
  if (!current) return null;
  const cur = current;
  const category = $('#category').value;
  cur.batchError = '';
  if (!category) {
    cur.batchError = t('txt.need_category');
    renderTXTParcels();
    return null;
  }
  cur.running = true;
  cur.results = new Map();
  renderTXTParcels();
  const headers = { 'Content-Type': 'text/plain', Accept: 'application/x-ndjson' };
  if (state.apiKey) headers.Authorization = `Bearer ${state.apiKey}`;
  try {
    const res = await fetch(API + batchPath(category, state.asOf, state.facts), { method: 'POST', headers, body: cur.file });
    if (!res.ok) {
      let detail = t('error.http', { status: res.status });
      try {
        const p = await res.json();
        detail = p.detail || p.title || detail;
      } catch {
        // not problem+json: the status says it
      }
      cur.batchError = t('txt.batch_failed', { detail });
      return null;
    }
    const { results, errors } = readBatchLines(await res.text());
    for (const r of results) cur.results.set(r.index + 1, compactResult(r));
    if (errors.length) cur.batchError = t('txt.batch_lines', { n: errors.length, detail: errors[0].detail });
    return results;
  } catch (e) {
    cur.batchError = t('txt.batch_failed', { detail: e && e.message ? e.message : String(e) });
    return null;
  } finally {
    cur.running = false;
    if (current === cur) renderTXTParcels();
  }
}

// Opens the full answer of one 地块 from the batch.
function openResult(row, check) {
  current.chosen = row.index;
  const g = row.feature.geometry;
  setSite({ geometry: g, crs: 'EPSG:4326', display: g, source: 'upload', fileName: current.fileName, reference: row.reference, txtIndex: row.index, txtFeature: row.feature });
  showResult(check, { fit: true, zoomIn: true });
  revealResult();
  renderTXTParcels();
}

/** Draws the list (again: after a result, or in the other language). */
export function renderTXTParcels() {
  const el = $('#txt-parcels');
  if (!current) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  const cur = current;
  const counts = batchCounts([...cur.results.values()].map((c) => (c.verdict ? { check: c.check } : { problem: { detail: c.problem } })));
  const summary = cur.results.size
    ? Object.entries(counts)
        .map(([k, n]) => `${k === 'problem' ? t('txt.problems') : t(`verdict.${k}`)} ${n}`)
        .join(' · ')
    : '';
  el.hidden = false;
  const parts = [
    h('p', { class: 'txt-title', text: t('txt.title', { n: cur.rows.length }) }),
    h(
      'table',
      { class: 'points txt-table' },
      h('thead', null, h('tr', null, ['txt.number', 'txt.name', 'txt.area', 'txt.result', 'txt.action'].map((k) => h('th', { scope: 'col', text: t(k) })))),
      h(
        'tbody',
        null,
        cur.rows.map((row) => {
          const c = cur.results.get(row.index);
          let result = null;
          if (c && c.verdict) {
            result = h('button', {
              type: 'button',
              class: `badge small verdict-${c.verdict} txt-verdict`,
              dataset: { verdict: c.verdict, checkId: c.check.check_id || '' },
              title: t('txt.open'),
              text: t(`verdict.${c.verdict}`),
              onclick: () => openResult(row, c.check),
            });
          } else if (c) {
            result = h('span', { class: 'error txt-problem', text: c.problem });
          }
          return h(
            'tr',
            { dataset: { index: row.index, reference: row.reference }, class: cur.chosen === row.index ? 'chosen' : null },
            h('td', { text: row.number || '–' }),
            h('td', { text: row.name || '–' }),
            h('td', { class: 'num', text: row.area_m2 === null ? '–' : t('txt.area_value', { a: num(row.area_m2, 2), mu: num(row.mu, 2) }) }),
            h('td', { class: 'txt-result' }, result),
            h('td', null, h('button', { type: 'button', class: 'txt-check', text: t('txt.check'), onclick: () => checkTXTParcel(row.index) })),
          );
        }),
      ),
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', id: 'txt-check-all', disabled: cur.running, text: t(cur.running ? 'result.checking' : 'txt.check_all'), onclick: () => checkAllTXT() }),
      summary ? h('span', { id: 'txt-summary', text: summary }) : null,
    ),
    cur.batchError ? h('p', { id: 'txt-batch-error', class: 'error', role: 'alert', text: cur.batchError }) : null,
  ];
  el.replaceChildren(...parts.filter(Boolean));
}

/** Draws all the 地块 of the file as the site outline, unchecked, and brings them into view. */
export function showTXTOutlines(geometry, crs, display, fileName) {
  setSite({ geometry, crs, display, source: 'upload', fileName, choose: true });
  fitToResult({ zoomIn: true });
}

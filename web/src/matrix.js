// What may be built here: with no category chosen, a site is answered for
// every category at once (POST /api/v1/checks/matrix) as a compact table of
// category → verdict, deciding rule and open questions; a click on a row
// runs that category's full check.

import { $, h, t, text2, num, state } from './state.js';
import { api } from './api.js';
import { requestBody, runCheck, renderResult, clearResult, renderCategoryDesc, fitToResult, revealResult } from './check.js';
import { clearError, showProblem } from './errors.js';
import { writeURL } from './urlstate.js';
import { citationRef } from './answer.js';

const VERDICTS = ['prohibited', 'restricted', 'allowed', 'outside_coverage'];

/** Sends the current site for every category; resolves to the matrix or null. */
export async function runMatrix() {
  const site = state.site;
  if (!site || site.choose) return null;
  if (state.checking) state.checking.abort();
  const ctl = new AbortController();
  state.checking = ctl;
  clearError();
  clearResult();
  $('#result').replaceChildren(h('p', { class: 'checking', text: t('result.checking') }));
  document.body.dataset.checking = '1';
  const body = requestBody(site, null);
  delete body.reference; // the matrix is not filed
  try {
    const m = await api('/checks/matrix', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: ctl.signal,
    });
    if (state.checking !== ctl) return null;
    state.matrix = m;
    renderResult();
    revealResult();
    fitToResult({ zoomIn: !['point', 'draw'].includes(site.source) });
    writeURL();
    return m;
  } catch (e) {
    if (e.name === 'AbortError' || state.checking !== ctl) return null;
    renderResult();
    showProblem(e, site);
    return null;
  } finally {
    if (state.checking === ctl) {
      state.checking = null;
      delete document.body.dataset.checking;
    }
  }
}

/** Runs the full check of one category of the matrix. */
export function openCategory(id) {
  const sel = $('#category');
  sel.value = id;
  state.pendingCategory = id;
  renderCategoryDesc();
  writeURL();
  return runCheck();
}

// A document's name as cited: its title (from GET /api/v1/rules) without
// the number in brackets, in 《》.
function docName(id) {
  const d = (state.documents || []).find((x) => x.id === id);
  const title = d && d.title ? d.title.replace(/[（(][^（(]*[）)]$/, '').trim() : '';
  return title ? `《${title.replace(/^《|》$/g, '')}》` : undefined;
}

/** The result panel's children for a matrix answer m. */
export function matrixNodes(m) {
  const rows = Array.isArray(m.rows) ? m.rows : [];
  const area = m.site && typeof m.site.area_m2 === 'number' && m.site.area_m2 > 0 ? m.site.area_m2 : null;
  const nameOf = (row) => {
    const c = state.categories.find((x) => x.id === row.category);
    if (c) return text2(c.name);
    return state.lang === 'en' ? row.name_en || row.name_zh || row.category : row.name_zh || row.category;
  };
  return [
    h('h3', { class: 'matrix-title', text: t('matrix.title') }),
    h('p', { class: 'hint', text: t('matrix.hint') }),
    area !== null ? h('p', { class: 'matrix-area', id: 'matrix-area', dataset: { areaM2: String(area) }, text: t('matrix.site_area', { a: num(area, 2) }) }) : null,
    h(
      'table',
      { id: 'matrix', class: 'matrix', 'data-testid': 'matrix' },
      h('thead', null, h('tr', null, ['matrix.category', 'matrix.verdict', 'matrix.rule', 'matrix.questions'].map((k) => h('th', { scope: 'col', text: t(k) })))),
      h(
        'tbody',
        null,
        rows.map((row) => {
          const v = VERDICTS.includes(row.verdict) ? row.verdict : 'outside_coverage';
          const qs = Array.isArray(row.questions) ? row.questions.length : 0;
          const cite = row.citation ? citationRef({ ...row.citation, title: docName(row.citation.document) }) : '';
          return h(
            'tr',
            {
              class: 'matrix-row',
              tabindex: '0',
              dataset: { category: row.category, verdict: row.verdict },
              onclick: () => openCategory(row.category),
              onkeydown: (e) => {
                if (e.key === 'Enter') openCategory(row.category);
              },
            },
            h('th', { scope: 'row', text: nameOf(row) }),
            h('td', null, h('span', { class: `badge small verdict-${v}`, text: t(`verdict.${v}`) })),
            h('td', { class: 'matrix-rule' }, cite ? h('div', { class: 'matrix-cite', text: cite }) : null, row.rule ? h('div', { class: 'rule-id hint', text: row.rule }) : cite ? null : '–'),
            h('td', { class: 'matrix-q', text: qs ? t('matrix.questions_n', { n: qs }) : '–' }),
          );
        }),
      ),
    ),
  ].filter(Boolean);
}

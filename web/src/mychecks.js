// "My checks": the recent checks of this browser (kept in localStorage) and,
// with an API key entered, the key's filed checks by reference and date
// (GET /api/v1/checks?reference=&from=&to=, a page at a time). Each reopens
// the filed answer (GET /api/v1/checks/{id}).

import { $, h, t, text2, dateTime, state } from './state.js';
import { api } from './api.js';
import { loadSharedCheck } from './check.js';
import { addRecent } from './answer.js';

const STORE = 'ecospace.checks';
const KEY_STORE = 'ecospace.key';

function readRecent() {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) || '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

/** Remembers a filed answer in this browser. */
export function rememberCheck(r) {
  try {
    localStorage.setItem(STORE, JSON.stringify(addRecent(readRecent(), r)));
  } catch {
    // storage full or disabled: the list is a convenience only
  }
  renderMyChecks();
}

let serverPage = null; // {checks, next} of the last listing

function entry(c) {
  const cat = state.categories.find((x) => x.id === c.category);
  return h(
    'li',
    { dataset: { check: c.check_id, verdict: c.verdict } },
    h('span', { class: `badge small verdict-${c.verdict || 'outside_coverage'}`, text: t(`verdict.${c.verdict || 'outside_coverage'}`) }),
    ' ',
    h('span', { text: [cat ? text2(cat.name) : c.category, c.reference, dateTime(c.checked_at)].filter(Boolean).join(' · ') }),
    ' ',
    h('button', { type: 'button', class: 'link', text: t('mychecks.open'), onclick: () => loadSharedCheck(c.check_id) }),
  );
}

/** Draws both lists. */
export function renderMyChecks() {
  const box = $('#mychecks-local');
  if (!box) return;
  const recent = readRecent();
  box.replaceChildren(recent.length ? h('ul', { class: 'checks-list' }, recent.map(entry)) : h('p', { class: 'hint', text: t('mychecks.none') }));
  const srv = $('#mychecks-server');
  if (!serverPage) {
    srv.replaceChildren();
    return;
  }
  srv.replaceChildren(
    ...[
      h('h4', { text: t('mychecks.server') }),
      serverPage.error
        ? h('p', { class: 'error', role: 'alert', text: serverPage.error })
        : serverPage.checks.length
          ? h('ul', { class: 'checks-list' }, serverPage.checks.map(entry))
          : h('p', { class: 'hint', text: t('mychecks.none') }),
      serverPage.next ? h('button', { type: 'button', class: 'secondary', id: 'mychecks-next', text: t('mychecks.more'), onclick: () => listServer(serverPage.next) }) : null,
    ].filter(Boolean),
  );
}

// next: the API's next link (a URL path with its query), or null for a new search.
async function listServer(next) {
  let path = next ? next.replace(/^.*\/api\/v1/, '') : null;
  if (!path) {
    const q = new URLSearchParams();
    for (const [id, name] of [['#mychecks-reference', 'reference'], ['#mychecks-from', 'from'], ['#mychecks-to', 'to']]) {
      const v = $(id).value.trim();
      if (v) q.set(name, v);
    }
    q.set('limit', '20');
    path = `/checks?${q}`;
  }
  try {
    const page = await api(path);
    serverPage = { checks: (page && page.checks) || [], next: page && page.next };
  } catch (e) {
    serverPage = { checks: [], error: e.message };
  }
  renderMyChecks();
}

/** Wires the panel: the key (kept for this tab's session) and the search. */
export function initMyChecks() {
  const key = $('#api-key');
  try {
    key.value = sessionStorage.getItem(KEY_STORE) || '';
  } catch {
    key.value = '';
  }
  state.apiKey = key.value.trim();
  key.addEventListener('change', () => {
    state.apiKey = key.value.trim();
    try {
      sessionStorage.setItem(KEY_STORE, state.apiKey);
    } catch {
      // not kept: entered again next time
    }
  });
  $('#mychecks-search').addEventListener('click', () => {
    state.apiKey = key.value.trim();
    listServer(null);
  });
  renderMyChecks();
}

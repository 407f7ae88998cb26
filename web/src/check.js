// The site and its check: sending it, drawing the answer on the map and
// in the result panel, the share link, the project categories.

import { $, h, t, text2, label, num, pct, distanceText, dateTime, state, params } from './state.js';
import { api } from './api.js';
import { map, siteLayer, conflictLayer, nearestLayer, round7 } from './mapview.js';
import { geometryToLonLat } from './proj.js';
import { keepFacts } from './answer.js';
import { resultNodes } from './result.js';
import { showError, clearError, showProblem } from './errors.js';
import { writeURL } from './urlstate.js';
import { runMatrix, matrixNodes } from './matrix.js';
import { moveBlock, clearMove } from './move.js';
import { recordBlock } from './record.js';
import { exportButton } from './export.js';
import { rememberCheck } from './mychecks.js';
import { showSheet } from './sheet.js';
import { clearTXTParcels } from './txtlist.js';
import { checkPath } from './txtparcels.js';

export function setSite(site) {
  // A reference the map filled in for the last site (a parcel's number, a
  // 地块编号) leaves with it; one the planner typed stays.
  const ref = $('#reference');
  if (state.autoReference && ref.value === state.autoReference) ref.value = '';
  state.autoReference = '';
  if (site && site.reference && !ref.value.trim()) {
    ref.value = site.reference;
    state.autoReference = site.reference;
  }
  // The 地块 list of a TXT stays while its 地块 are the site.
  if (!site || (site.txtIndex === undefined && !site.choose)) clearTXTParcels();
  state.site = site;
  siteLayer.clearLayers();
  if (site && site.display) siteLayer.addData(site.display);
}

export function clearResult() {
  state.result = null;
  state.matrix = null;
  clearMove();
  conflictLayer.clearLayers();
  nearestLayer.clearLayers();
  $('#legend-result').hidden = true;
  renderResult();
}

/** Sends the current site with the chosen category; resolves to the result or null. */
export async function runCheck() {
  const site = state.site;
  // Several 地块 of a TXT together are no site: one is chosen from the list.
  if (!site || site.choose) return null;
  const category = $('#category').value;
  // No category: what every category would get here.
  if (!category) return runMatrix();
  if (state.checking) state.checking.abort();
  const ctl = new AbortController();
  state.checking = ctl;
  clearError();
  clearResult();
  $('#result').replaceChildren(h('p', { class: 'checking', text: t('result.checking') }));
  document.body.dataset.checking = '1';
  state.facts = keepFacts(state.facts, state.categories.find((c) => c.id === category));
  const body = requestBody(site, category);
  try {
    // A 地块 of a surveyor's file goes as the file (cut to it): the server
    // reads its metres as a batch does, not the lon/lat of the parse answer.
    const result = site.txtBody
      ? await api(checkPath(category, body.as_of, body.facts, body.reference), {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain' },
          body: site.txtBody,
          signal: ctl.signal,
        })
      : await api('/checks', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
          signal: ctl.signal,
        });
    if (state.checking !== ctl) return null;
    showResult(result, { fit: true, zoomIn: !['point', 'draw'].includes(site.source) });
    rememberCheck(result);
    revealResult();
    return result;
  } catch (e) {
    if (e.name === 'AbortError') return null;
    if (state.checking !== ctl) return null;
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

/**
 * The body of a check of site (or, with no category, of the matrix of
 * every category): its geometry and CRS, the facts declared, the date and
 * the reference of the form.
 */
export function requestBody(site, category) {
  const body = { geometry: site.geometry };
  if (category) body.category = category;
  if (site.crs && site.crs !== 'EPSG:4326') body.crs = site.crs;
  if (Object.keys(state.facts).length) body.facts = state.facts;
  const asOf = $('#as-of').value;
  if (asOf) body.as_of = asOf;
  const ref = $('#reference').value.trim();
  if (ref) body.reference = ref;
  return body;
}

export function showResult(result, { fit, zoomIn } = {}) {
  state.result = result;
  // The server's site is in lon/lat whatever CRS the request used.
  const site = result.site && result.site.type === 'Feature' ? result.site.geometry : result.site;
  if (site && site.type) {
    siteLayer.clearLayers();
    siteLayer.addData(site);
    if (state.site) state.site.display = site;
  }
  conflictLayer.clearLayers();
  nearestLayer.clearLayers();
  if (result.conflicts && result.conflicts.features) conflictLayer.addData(result.conflicts);
  if (result.nearest && result.nearest.features) nearestLayer.addData(result.nearest);
  $('#legend-result').hidden = false;
  if (result.category && $('#category').value !== result.category) {
    state.pendingCategory = result.category;
    if (state.categories.some((c) => c.id === result.category)) $('#category').value = result.category;
    renderCategoryDesc();
  }
  renderResult();
  writeURL();
  if (fit) fitToResult({ zoomIn });
}

// Brings the site and the result into view. A site the planner clicked or
// drew is on screen already: then the map only pans or zooms out as needed.
export function fitToResult({ zoomIn = true } = {}) {
  const b = L.latLngBounds([]);
  for (const lyr of [siteLayer, conflictLayer, nearestLayer]) {
    const lb = lyr.getBounds();
    if (lb.isValid()) b.extend(lb);
  }
  if (!b.isValid()) return;
  if (!zoomIn && map.getBounds().pad(-0.05).contains(b)) return;
  if (b.getNorthEast().equals(b.getSouthWest())) {
    map.setView(b.getCenter(), zoomIn ? Math.max(map.getZoom(), 14) : map.getZoom());
    return;
  }
  map.fitBounds(b, { padding: [40, 40], maxZoom: zoomIn ? 16 : map.getZoom() });
}

// Scrolls the result panel into view if it is not.
// Only where the sidebar scrolls on its own (wide screens): on narrow ones the
// result sits right under the map and the page stays where the planner is.
export function revealResult() {
  const panel = $('#result-panel');
  const sidebar = panel.closest('.sidebar');
  if (!sidebar || sidebar.scrollHeight <= sidebar.clientHeight || getComputedStyle(sidebar).overflowY !== 'auto') return;
  const r = panel.getBoundingClientRect();
  const view = sidebar.getBoundingClientRect();
  if (r.top < view.top || r.top > view.top + view.height * 0.4) {
    sidebar.scrollTop += r.top - view.top;
  }
}

export function renderResult() {
  const box = $('#result');
  const r = state.result;
  if (!r) {
    if (state.matrix) box.replaceChildren(...matrixNodes(state.matrix));
    else if (!state.checking) box.replaceChildren(h('p', { class: 'hint', text: t('result.empty') }));
    showSheet(state.matrix ? { matrix: state.matrix } : null);
    return;
  }
  box.replaceChildren(
    ...resultNodes(r, {
      h, t, text2, label, num, pct, distanceText, dateTime, siteDescription, shareBlock, moveBlock, recordBlock,
      lang: state.lang,
      categories: state.categories,
      factDefs: state.factDefs,
      rules: state.rules,
      layerById: state.layerById,
      onFocus: focusZone,
      onAnswer: answerQuestion,
      onForget: forgetFact,
    }),
  );
  showSheet({ result: r });
}

// A questionnaire answer: check again with the fact declared.
export function answerQuestion(id, value) {
  state.facts = { ...state.facts, [id]: value };
  writeURL();
  if (state.site) runCheck();
}

// Takes a declared fact back: check again without it.
export function forgetFact(id) {
  const { [id]: _, ...rest } = state.facts;
  state.facts = rest;
  writeURL();
  if (state.site) runCheck();
}

export function focusZone(hit) {
  const parts = [];
  conflictLayer.eachLayer((l) => {
    const p = l.feature && l.feature.properties;
    if (p && p.layer === hit.layer && (p.zone_id === hit.zone_id || !p.zone_id)) parts.push(l);
  });
  nearestLayer.eachLayer((l) => {
    const p = l.feature && l.feature.properties;
    if (p && p.layer === hit.layer && p.zone_id === hit.zone_id) parts.push(l);
  });
  if (parts.length === 0) return;
  const b = L.featureGroup(parts).getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [40, 40], maxZoom: 16 });
  parts.forEach((l) => l.setStyle && l.setStyle({ weight: 5 }));
  setTimeout(() => {
    conflictLayer.resetStyle();
    nearestLayer.eachLayer((l) => l.setStyle && l.setStyle({ weight: 2.5 }));
  }, 1500);
}

export function siteDescription() {
  const s = state.site;
  if (!s) return state.result ? t('site.shared') : '–';
  if (s.source === 'upload') return t('site.upload', { name: s.fileName || '' });
  if (s.source === 'paste') return t('site.paste', { crs: s.crs });
  if (s.source === 'parcel') return t('site.parcel', { n: s.parcel || '' });
  return t(`site.${s.source}`);
}

export function shareURL() {
  const u = new URL(location.href);
  return u.toString();
}

export function shareBlock() {
  const input = h('input', { type: 'text', id: 'share-url', readonly: true, value: shareURL(), 'aria-labelledby': 'share-label' });
  const copy = h('button', {
    type: 'button',
    id: 'share-copy',
    text: t('share.copy'),
    onclick: async () => {
      input.value = shareURL();
      input.select();
      let ok = false;
      try {
        await navigator.clipboard.writeText(input.value);
        ok = true;
      } catch {
        try {
          ok = document.execCommand('copy');
        } catch {
          ok = false;
        }
      }
      if (ok) {
        copy.textContent = t('share.copied');
        setTimeout(() => (copy.textContent = t('share.copy')), 1500);
      }
    },
  });
  return h(
    'div',
    { class: 'share no-print' },
    h('span', { id: 'share-label', class: 'label', text: t('share.label') }),
    h('div', { class: 'row' }, input, copy, h('button', { type: 'button', id: 'print', text: t('print.button'), onclick: () => window.print() }), exportButton(state.result)),
  );
}

/** Checks a point; resolves to the check result (or null on error). */
export function checkPoint(lon, lat) {
  const geometry = round7({ type: 'Point', coordinates: [Number(lon), Number(lat)] });
  setSite({ geometry, crs: 'EPSG:4326', display: geometry, source: 'point' });
  return runCheck();
}

/** Checks any GeoJSON geometry in the given CRS (tests and scripts). */
export function checkGeometry(geometry, crs = 'EPSG:4326', source = 'draw') {
  let display = null;
  try {
    display = geometryToLonLat(geometry, crs);
  } catch {
    display = null;
  }
  setSite({ geometry, crs, display, source });
  return runCheck();
}

export async function loadSharedCheck(id) {
  try {
    const doc = await api(`/checks/${encodeURIComponent(id)}`);
    const g = doc.site && doc.site.type === 'Feature' ? doc.site.geometry : doc.site;
    if (g && g.type) setSite({ geometry: g, crs: 'EPSG:4326', display: g, source: 'shared' });
    if (doc.facts && typeof doc.facts === 'object') state.facts = { ...doc.facts };
    showResult(doc, { fit: !params.get('z') });
  } catch (e) {
    showError('check', [{ key: 'error.check_load', params: { id, detail: e.message } }]);
  }
}

export function renderCategories() {
  const sel = $('#category');
  const value = sel.value || state.pendingCategory;
  sel.replaceChildren(
    h('option', { value: '', text: t('category.placeholder') }),
    ...state.categories.map((c) => h('option', { value: c.id, title: text2(c.description), text: text2(c.name) })),
  );
  if (value && state.categories.some((c) => c.id === value)) sel.value = value;
  renderCategoryDesc();
}

export function renderCategoryDesc() {
  const c = state.categories.find((x) => x.id === $('#category').value);
  $('#category-desc').textContent = c ? text2(c.description) : '';
}


// How far to move: for a prohibited or restricted answer, the smallest move
// of the site after which it is allowed (or a chosen milder verdict),
// from POST /api/v1/checks/move. The map draws an arrow from the site to
// the moved site with the distance and compass direction, and the moved
// outline; a button checks the moved site in full.

import { $, h, t, num, state } from './state.js';
import { api } from './api.js';
import { map } from './mapview.js';
import { requestBody, checkGeometry } from './check.js';
import { moveArrow, moveText } from './movegeom.js';

export const moveLayer = L.layerGroup().addTo(map);

/** Takes the last move off the map and the panel. */
export function clearMove() {
  state.move = null;
  moveLayer.clearLayers();
}

/** The result panel's block that asks how far to move (r: a prohibited or restricted answer). */
export function moveBlock(r) {
  const m = state.move && state.move.checkId === r.check_id ? state.move : null;
  const targets = r.verdict === 'prohibited' ? ['allowed', 'restricted'] : ['allowed'];
  const target = h(
    'select',
    { id: 'move-target', 'aria-label': t('move.target') },
    targets.map((v) => h('option', { value: v, text: t(`verdict.${v}`), selected: m && m.answer && m.answer.target === v })),
  );
  const radius = h('input', { type: 'number', id: 'move-radius', min: '1', max: '20000', step: '100', value: m && m.radius ? String(m.radius) : '5000', 'aria-label': t('move.radius') });
  return h(
    'section',
    { class: 'move no-print', id: 'move', 'data-testid': 'move' },
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', id: 'move-run', text: t('move.button'), onclick: () => runMove(r, target.value, Number(radius.value) || 5000) }),
      h('label', { class: 'inline', for: 'move-target', text: t('move.target') }),
      target,
      h('label', { class: 'inline', for: 'move-radius', text: t('move.radius') }),
      radius,
    ),
    m ? moveAnswer(m) : null,
  );
}

function moveAnswer(m) {
  if (m.pending) return h('p', { class: 'checking', text: t('move.searching') });
  if (m.error) return h('p', { class: 'error', role: 'alert', text: m.error });
  const a = m.answer;
  if (!a.found) {
    const km = num((a.radius_m || m.radius) / 1000, 1);
    const own = state.lang === 'en' ? a.message_en : a.message_zh;
    // The API's own words when it has them (they say why, e.g. that the
    // moved site must stay in the district); the same sentence otherwise.
    return h('p', { id: 'move-result', class: 'move-none', dataset: { found: 'false' }, text: own || t('move.none', { km, verdict: t(`verdict.${a.target || 'allowed'}`) }) });
  }
  return h(
    'div',
    { id: 'move-result', dataset: { found: 'true', distance: String(a.distance_m) } },
    h('p', { class: 'move-found', text: moveText(a, state.lang, (v, d) => num(v, d), (v) => t(`verdict.${v}`), t) }),
    h('button', { type: 'button', id: 'move-check', text: t('move.check'), onclick: () => checkGeometry(a.moved_geometry, 'EPSG:4326', 'moved') }),
  );
}

/** Asks the API for the smallest move; draws and shows it. */
export async function runMove(r, target, radius) {
  const site = state.site;
  if (!site) return null;
  const body = { ...requestBody(site, r.category), target, radius_m: radius };
  delete body.reference;
  state.move = { checkId: r.check_id, pending: true, radius };
  rerender();
  try {
    const a = await api('/checks/move', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (!state.move || state.move.checkId !== r.check_id) return null;
    state.move = { checkId: r.check_id, answer: a, radius };
    draw(r, a);
    rerender();
    return a;
  } catch (e) {
    if (state.move && state.move.checkId === r.check_id) state.move = { checkId: r.check_id, error: e.message, radius };
    rerender();
    return null;
  }
}

function rerender() {
  const old = $('#move');
  if (old && state.result) old.replaceWith(moveBlock(state.result));
}

// The arrow from the site to the moved site, its label, and the moved outline.
function draw(r, a) {
  moveLayer.clearLayers();
  if (!a.found || !a.moved_geometry) return;
  const site = r.site && r.site.type === 'Feature' ? r.site.geometry : r.site;
  const arrow = moveArrow(site, a);
  if (!arrow) return;
  const style = { pane: 'pane-nearest', color: '#1b5e20', weight: 3 };
  L.geoJSON(a.moved_geometry, {
    pane: 'pane-site',
    style: { color: '#2e7d32', weight: 3, dashArray: '8 6', fillColor: '#66bb6a', fillOpacity: 0.12, className: 'moved-site' },
    pointToLayer: (f, ll) => L.circleMarker(ll, { pane: 'pane-site', radius: 7, color: '#2e7d32', weight: 3, fillColor: '#fff', fillOpacity: 1, className: 'moved-site' }),
  }).addTo(moveLayer);
  const line = L.polyline(arrow.line.map(([lon, lat]) => [lat, lon]), { ...style, className: 'move-arrow' }).addTo(moveLayer);
  L.polygon(arrow.head.map(([lon, lat]) => [lat, lon]), { ...style, fillColor: '#1b5e20', fillOpacity: 1, className: 'move-arrow-head' }).addTo(moveLayer);
  line.bindTooltip(moveText(a, state.lang, (v, d) => num(v, d), (v) => t(`verdict.${v}`), t, 'move.label'), {
    permanent: true,
    direction: 'top',
    className: 'move-label',
  });
  const b = moveLayer.getLayers().reduce((acc, l) => (l.getBounds ? acc.extend(l.getBounds()) : acc), L.latLngBounds([]));
  if (b.isValid() && !map.getBounds().contains(b)) map.fitBounds(b, { padding: [40, 40], maxZoom: 16 });
}

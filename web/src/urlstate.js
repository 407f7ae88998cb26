// The page URL: language, category, view, hidden layers, facts and the
// last check, kept in the address bar for reloads and shared links.

import { $, state, params, DEFAULT_BBOX } from './state.js';
import { map } from './mapview.js';
import { TILES_ABOVE_DEFAULT, TILES_ABOVE_PARAM } from './tiles.js';
import { factsParam } from './answer.js';

let urlReady = false;

/** Lets writeURL write, once the page has its view and layers. */
export function enableURL() {
  urlReady = true;
}

export function writeURL() {
  if (!urlReady) return;
  const p = new URLSearchParams();
  if (state.lang !== 'zh') p.set('lang', state.lang);
  const cat = $('#category').value;
  if (cat) p.set('cat', cat);
  const c = map.getCenter();
  p.set('z', String(map.getZoom()));
  p.set('ll', `${c.lat.toFixed(5)},${c.lng.toFixed(5)}`);
  if (state.hidden.size) p.set('off', [...state.hidden].join(','));
  // Kept so that a reload or a shared link draws the layers the same way.
  if (state.tilesAbove !== TILES_ABOVE_DEFAULT) p.set(TILES_ABOVE_PARAM, String(state.tilesAbove));
  if (Object.keys(state.facts).length) p.set('facts', factsParam(state.facts));
  if (state.asOf) p.set('as_of', state.asOf);
  if (state.result && state.result.check_id) p.set('check', state.result.check_id);
  const url = `${location.pathname}?${p.toString().replace(/%2C/g, ',').replace(/%3A/g, ':')}${location.hash}`;
  history.replaceState(null, '', url);
  const share = document.getElementById('share-url');
  if (share) share.value = location.href;
}

export function initialView() {
  const z = Number(params.get('z'));
  const ll = (params.get('ll') || '').split(',').map(Number);
  if (Number.isFinite(z) && params.get('z') !== null && ll.length === 2 && ll.every(Number.isFinite)) {
    map.setView([ll[0], ll[1]], z);
    return;
  }
  const district = state.layers.find((l) => l.kind === 'coverage') || state.layers.find((l) => l.id === 'district');
  const b = district && Array.isArray(district.bbox) && district.bbox.length === 4 ? district.bbox : DEFAULT_BBOX;
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [10, 10] });
}


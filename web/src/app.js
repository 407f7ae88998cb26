// The planners' map: boots the page and wires its modules together.
// Leaflet (L), Leaflet-Geoman (L.PM), Leaflet.VectorGrid (L.vectorGrid) and
// shpjs (shp) are loaded as classic scripts before this module; everything
// else is this app's own code, one concern a module (web/README.md lists
// them).

import { state, params } from './state.js';
import { api } from './api.js';
import { map, hasBasemap } from './mapview.js';
import { makeOverlay, loadLayer } from './layers.js';
import { renderLayerList, renderBanner } from './legend.js';
import { showError } from './errors.js';
import { checkPoint, checkGeometry, loadSharedCheck, renderCategories } from './check.js';
import { submitPaste, handleUpload } from './input.js';
import { applyStaticLabels, setLang } from './i18n.js';
import { writeURL, initialView, enableURL } from './urlstate.js';
import './print.js';

async function boot() {
  applyStaticLabels();
  map.pm.setLang(state.lang === 'zh' ? 'zh' : 'en');
  const [config, layers, categories] = await Promise.allSettled([api('/config'), api('/layers'), api('/categories')]);
  state.config = config.status === 'fulfilled' ? config.value : null;
  if (hasBasemap()) {
    const bm = state.config.basemap;
    const opts = { attribution: bm.attribution || '', maxZoom: bm.max_zoom || 19 };
    if (bm.subdomains) opts.subdomains = bm.subdomains;
    L.tileLayer(bm.url, opts).addTo(map);
  } else {
    map.getContainer().classList.add('offline');
  }

  if (categories.status === 'fulfilled') {
    state.categories = (categories.value && categories.value.categories) || [];
    state.factDefs = (categories.value && categories.value.facts) || [];
  } else {
    showError('category', [{ key: 'error.categories', params: { detail: categories.reason.message } }]);
  }
  renderCategories();

  if (layers.status !== 'fulfilled') {
    initialView();
    enableURL();
    showError('site', [{ key: 'error.layers', params: { detail: layers.reason.message } }]);
    document.body.dataset.ready = 'error';
    return;
  }
  state.layers = (layers.value && layers.value.layers) || [];
  for (const info of state.layers) {
    state.layerById.set(info.id, info);
    const ov = makeOverlay(info);
    state.overlays.set(info.id, ov);
    if (ov.visible) ov.group.addTo(map);
  }
  renderBanner();
  initialView();
  renderLayerList();
  enableURL();
  writeURL();
  await Promise.all(state.layers.map((l) => loadLayer(l.id)));
  document.body.dataset.ready = '1';

  const check = params.get('check');
  if (check) await loadSharedCheck(check);
}

window.ecospace = {
  map,
  // the Leaflet layer (GeoJSON group or vector tiles) a map layer is drawn with
  layerGroup: (id) => state.overlays.get(id)?.group,
  checkPoint,
  checkGeometry,
  submitPaste,
  handleUpload,
  setLang,
  get lastResult() {
    return state.result;
  },
  get lang() {
    return state.lang;
  },
  state,
};

boot();

// The planners' map: boots the page and wires its modules together.
// Leaflet (L), Leaflet-Geoman (L.PM), Leaflet.VectorGrid (L.vectorGrid) and
// shpjs (shp) are loaded as classic scripts before this module; everything
// else is this app's own code, one concern a module (web/README.md lists
// them).

import { $, state, params } from './state.js';
import { api } from './api.js';
import { map } from './mapview.js';
import { buildOverlays, loadLayer, asOfQuery, setLayerOpacity } from './layers.js';
import { initBasemaps, initSearch, measure, searchCoords, setBasemap } from './tools.js';
import { runMatrix } from './matrix.js';
import { initMyChecks } from './mychecks.js';
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
  initMyChecks();
  const asOf = params.get('as_of');
  if (asOf && /^\d{4}-\d{2}-\d{2}$/.test(asOf)) {
    $('#as-of').value = asOf;
    state.asOf = asOf;
  }
  const [config, layers, categories, rules] = await Promise.allSettled([
    api('/config'),
    api(`/layers${asOfQuery('?')}`),
    api('/categories'),
    api('/rules'),
  ]);
  state.config = config.status === 'fulfilled' ? config.value : null;
  state.rules = rules.status === 'fulfilled' && rules.value && Array.isArray(rules.value.rules) ? rules.value.rules : [];
  state.documents = rules.status === 'fulfilled' && rules.value && Array.isArray(rules.value.documents) ? rules.value.documents : [];
  initBasemaps();

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
  buildOverlays((layers.value && layers.value.layers) || []);
  initSearch();
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
  runMatrix,
  measure,
  searchCoords,
  setBasemap,
  setLayerOpacity,
  get lastResult() {
    return state.result;
  },
  get lang() {
    return state.lang;
  },
  state,
};

boot();

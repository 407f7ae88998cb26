// The planners' map: layers with legend and toggles, the site check (click,
// draw, upload, paste), the result with its reasons, share link and print.
// Leaflet (L), Leaflet-Geoman (L.PM), Leaflet.VectorGrid (L.vectorGrid) and
// shpjs (shp) are loaded as classic scripts before this module; everything
// else is this app's own code.

import { t as translate, LANGS } from './messages.js';
import { parseCoordinates, lineForPointer } from './coords.js';
import { siteFromGeoJSON, siteFromGeoJSONText, siteFromTXT, uploadKind } from './upload.js';
import { geometryToLonLat } from './proj.js';
import { tilesThreshold, isTiled, tileURLTemplate, TILES_ABOVE_DEFAULT, TILES_ABOVE_PARAM } from './tiles.js';
import { keepFacts, factsParam, parseFactsParam } from './answer.js';
import { resultNodes } from './result.js';
import { layerStyle as styleOf, layerRole, legendKey, SUBZONE_STYLES } from './layerstyle.js';

const API = '/api/v1';
const DEFAULT_BBOX = [119.73, 31.74, 119.96, 31.85]; // Zhonglou District

// ---------------------------------------------------------------- state --

const params = new URLSearchParams(location.search);
const state = {
  lang: LANGS.includes(params.get('lang')) ? params.get('lang') : 'zh',
  config: null,
  layers: [], // from /layers, in API order
  layerById: new Map(),
  overlays: new Map(), // id → {group, tiled, visible, bucket, status, error, features}
  tilesAbove: tilesThreshold(params), // layers with more features are drawn from vector tiles
  hidden: new Set((params.get('off') || '').split(',').filter(Boolean)),
  categories: [],
  factDefs: [], // the facts a check may declare, with their questions (GET /categories)
  facts: parseFactsParam(params.get('facts')), // declared facts about the project: id → true | false
  site: null, // {geometry, crs, display, source, fileName, parsed}
  result: null,
  error: null, // {field, items: [{key, params} | {text}]}
  tool: null,
  checking: null, // AbortController of the running check
  pendingCategory: params.get('cat') || '',
};

const $ = (sel) => document.querySelector(sel);
const t = (key, p) => translate(state.lang, key, p);

/** Builds an element: h('li', {class: 'x', dataset: {a: 1}}, 'text', child). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const locale = () => (state.lang === 'zh' ? 'zh-CN' : 'en-GB');
function num(v, digits = 0) {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  return Number(v).toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
function distanceText(d) {
  // to the millimetre, as the API rounds it
  if (d === undefined || d === null) return '–';
  return t('distance.value', { d: num(d, 3) });
}
function pct(ratio) {
  if (ratio === undefined || ratio === null) return '–';
  return num(ratio * 100, ratio < 0.001 ? 3 : 1) + '%';
}
function text2(v) {
  // A {zh, en} object (or a plain string) in the current language.
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return v[state.lang] || v.zh || v.en || '';
}
function dateTime(s) {
  if (!s) return '–';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return d.toLocaleString(locale(), { hour12: false });
}
function label(prefix, value) {
  const key = `${prefix}.${value}`;
  const s = t(key);
  return s === key ? String(value) : s;
}

// ------------------------------------------------------------ api calls --

class ApiError extends Error {
  constructor(status, problem, message) {
    super(message);
    this.status = status;
    this.problem = problem; // problem+json body or null
  }
}

async function api(path, opts = {}) {
  let res;
  try {
    res = await fetch(API + path, {
      ...opts,
      headers: { Accept: 'application/json, application/geo+json, application/problem+json', ...(opts.headers || {}) },
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, null, t('error.network', { detail: e.message }));
  }
  const type = res.headers.get('Content-Type') || '';
  let body = null;
  if (/json/.test(type)) {
    try {
      body = await res.json();
    } catch {
      body = null;
    }
  }
  if (!res.ok) {
    const detail = (body && (body.detail || body.title)) || t('error.http', { status: res.status });
    throw new ApiError(res.status, body, detail);
  }
  return body;
}

// ------------------------------------------------------------------ map --

L.PM.setOptIn(true); // geoman leaves the zone layers alone

const map = L.map('map', {
  zoomControl: true,
  keyboard: true,
  minZoom: 7,
  maxZoom: 19,
  zoomSnap: 0.5,
  attributionControl: true,
  pmIgnore: false, // opt the map (not the layers) in to geoman
});
L.control.scale({ metric: true, imperial: false }).addTo(map);

// Panes: below geoman's drawing (overlayPane, 400).
const PANES = { coverage: 250, mask: 260, distance: 270, zone: 280, source: 290, display: 295, conflict: 300, site: 310, nearest: 320 };
for (const [name, z] of Object.entries(PANES)) {
  map.createPane('pane-' + name).style.zIndex = String(z);
}

function layerStyle(info, props = {}) {
  return styleOf(info, props, state.layers.indexOf(info), hasBasemap());
}

const hasBasemap = () => Boolean(state.config && state.config.basemap && state.config.basemap.url);

// A district-wide zone (the Taihu tiers) lies under the other zones, so
// that a click on them reaches them.
const WIDE_ZONES = ['taihu-tier'];

function paneFor(info) {
  if (WIDE_ZONES.includes(info.zone_kind)) return 'pane-coverage';
  return 'pane-' + (PANES[info.kind] !== undefined ? info.kind : 'zone');
}

// Zoom buckets: the server simplifies geometry for low zooms.
const bucketFor = (z) => (z <= 11 ? 11 : z <= 13 ? 13 : 15);
const featureCache = new Map();

function makeOverlay(info) {
  const ov = { group: null, tiled: isTiled(info, state.tilesAbove), visible: !state.hidden.has(info.id), bucket: null, status: 'idle', error: null, features: [], token: 0 };
  if (ov.tiled) {
    ov.group = makeTiledGroup(info, ov);
    return ov;
  }
  ov.group = L.geoJSON(null, {
    pane: paneFor(info),
    style: (f) => layerStyle(info, f.properties || {}),
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { ...layerStyle(info, f.properties || {}), radius: 5, fillOpacity: 0.8, pane: paneFor(info) }),
    onEachFeature: (f, layer) => {
      layer.on('click', (e) => showFeaturePopup(info, f.properties || {}, e.latlng));
    },
  });
  return ov;
}

function showFeaturePopup(info, props, latlng) {
  if (state.tool) return; // the map click checks the site instead
  L.popup({ maxWidth: 320 }).setLatLng(latlng).setContent(popupContent(info, props)).openOn(map);
}

// A layer too heavy for GeoJSON: Mapbox vector tiles (one MVT layer named
// after the layer id, with the features' properties), drawn with the same
// style function and popup as the GeoJSON layers.
//
// Each tile is an SVG (L.svg.tile), not a canvas, for two reasons. VectorGrid
// 1.3.0's canvas tiles call L.DomEvent.fakeStop on a click that hits a
// feature, and Leaflet 1.8 removed it (1.9.4 has no _fakeStop either to
// alias), so the click throws and no popup opens (Leaflet.VectorGrid issue
// #274; the fix merged upstream in PR #288 is unreleased). And an
// interactive canvas takes every click in its square, so a tiled layer in a
// higher pane (the canal, in the source pane) would hide the zones beneath
// it from clicks. In an SVG tile only the drawn paths take clicks, as in
// the GeoJSON layers, and a tile holds only the features on it, simplified
// for its zoom, so the DOM stays small however big the layer is.
function makeTiledGroup(info, ov) {
  const isPoint = /Point/.test(info.geometry_type || '');
  const style = (props) => {
    noteLegendProps(info, ov, props || {});
    const s = { ...layerStyle(info, props || {}), fill: true }; // VectorGrid's polygons start unfilled; its lines ignore fill
    return isPoint ? { ...s, radius: 5, fillOpacity: 0.8 } : s;
  };
  const b = Array.isArray(info.bbox) && info.bbox.length === 4 ? info.bbox : null;
  const Tiled = L.VectorGrid.Protobuf.extend({
    // VectorGrid leaves a tile whose fetch rejected (network down) loading
    // for ever and the rejection unhandled, and draws a tile answered with
    // an HTTP error (a store that cannot be read: 503) as empty, which would
    // show a planner no zone where there may be one. Both must fail closed:
    // the legend says the layer failed. VectorGrid calls fetch
    // synchronously inside this method, so its fetch is swapped, for the
    // call only, for one that rejects an error answer with its problem.
    _getVectorTilePromise(coords) {
      const realFetch = window.fetch;
      window.fetch = (...args) => realFetch(...args).then(tileAnswer);
      let p;
      try {
        p = L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords);
      } finally {
        window.fetch = realFetch;
      }
      return Promise.resolve(p).catch((e) => {
        ov.error = e && e.message ? e.message : String(e);
        return { layers: {} };
      });
    },
    // Leaflet places the events of a small circle at its getLatLng(), which
    // a tile's point symbol (placed in tile pixels) leaves undefined, so a
    // hover or click on it would throw; without it the pointer's position
    // is used, as for lines and polygons.
    _createLayer(feat, pxPerExtent) {
      const layer = L.VectorGrid.Protobuf.prototype._createLayer.call(this, feat, pxPerExtent);
      if (layer && layer.getLatLng) layer.getLatLng = undefined;
      return layer;
    },
  });
  const layer = new Tiled(tileURLTemplate(API, info.id), {
    pane: paneFor(info),
    rendererFactory: L.svg.tile,
    interactive: true,
    // With an id per feature VectorGrid unregisters an unloaded tile's
    // paths from the map; without it they pile up as the map is panned.
    getFeatureId: (f) => f.properties.id,
    vectorTileLayerStyles: { [info.id]: style },
    // No requests for tiles that cannot hold a feature.
    bounds: b ? L.latLngBounds([b[1], b[0]], [b[3], b[2]]) : undefined,
  });
  layer.on('click', (e) => showFeaturePopup(info, e.layer.properties || {}, e.latlng));
  layer.on('loading', () => {
    ov.status = 'loading';
    ov.error = null;
    updateLegendItem(info.id);
  });
  layer.on('load', () => {
    ov.status = ov.error ? 'error' : 'ok';
    updateLegendItem(info.id);
  });
  return layer;
}

// tileAnswer passes a tile's 2xx answer on and turns any other into an
// error carrying the problem's detail (application/problem+json).
async function tileAnswer(r) {
  if (r.ok) return r;
  let detail = `HTTP ${r.status}`;
  try {
    const p = await r.json();
    detail = p.detail || p.title || detail;
  } catch (_) {
    // not a problem document: the status says enough
  }
  throw new Error(detail);
}

// The sub-legend of a GeoJSON layer reads its features; a tiled layer has
// no feature list, so the properties its tiles are styled with stand in,
// and the legend item is redrawn once when a new sub-zone or band shows up.
function noteLegendProps(info, ov, props) {
  const key = legendKey(props);
  if (!key || ov.features.some((f) => legendKey(f.properties) === key)) return;
  ov.features.push({ properties: { ...props } });
  if (!ov.legendPending) {
    ov.legendPending = true;
    setTimeout(() => {
      ov.legendPending = false;
      updateLegendItem(info.id);
    }, 0);
  }
}

async function loadLayer(id) {
  const info = state.layerById.get(id);
  const ov = state.overlays.get(id);
  if (!ov.visible) return;
  if (ov.tiled) {
    // Tiles load themselves as the map moves; callers that wait (boot, for
    // data-ready) wait for the tiles on screen, or until the layer is
    // hidden, which ends its loading without a 'load'.
    if (!ov.group.isLoading()) return;
    await new Promise((resolve) => ov.group.once('load remove', resolve));
    return;
  }
  const bucket = bucketFor(map.getZoom());
  if (ov.bucket === bucket && ov.status === 'ok') return;
  if (info.feature_count === 0) {
    ov.status = 'ok';
    ov.bucket = bucket;
    return;
  }
  const bbox = Array.isArray(info.bbox) && info.bbox.length === 4 ? info.bbox : DEFAULT_BBOX;
  const key = `${id}@${bucket}`;
  const token = ++ov.token;
  ov.status = 'loading';
  updateLegendItem(id);
  try {
    let fc = featureCache.get(key);
    if (!fc) {
      fc = await api(`/layers/${encodeURIComponent(id)}/features?bbox=${bbox.join(',')}&zoom=${bucket}`);
      featureCache.set(key, fc);
    }
    if (token !== ov.token) return;
    ov.group.clearLayers();
    ov.group.addData(fc);
    ov.features = (fc && fc.features) || [];
    ov.bucket = bucket;
    ov.status = 'ok';
    ov.error = null;
  } catch (e) {
    if (token !== ov.token) return;
    ov.status = 'error';
    ov.error = e.message;
  }
  updateLegendItem(id);
}

function setLayerVisible(id, visible) {
  const ov = state.overlays.get(id);
  ov.visible = visible;
  if (visible) {
    state.hidden.delete(id);
    ov.group.addTo(map);
    loadLayer(id);
  } else {
    state.hidden.add(id);
    map.removeLayer(ov.group);
  }
  writeURL();
}

map.on('zoomend', () => {
  for (const [id, ov] of state.overlays) if (ov.visible) loadLayer(id);
});
map.on('moveend', () => writeURL());

// ------------------------------------------------------------- popups --

function popupContent(info, p) {
  const zh = p.name_zh || p.name; // some files name features with "name"
  const name = state.lang === 'en' ? p.name_en || zh : zh || p.name_en;
  // A feature's own kind (a code with a label, or free text such as 生态廊道)
  // wins over the layer's zone kind and layer kind.
  const has = (k) => t(k) !== k;
  let kind;
  if (p.kind && has(`kind.${p.kind}`)) kind = t(`kind.${p.kind}`);
  else if (p.kind && has(`zone_kind.${p.kind}`)) kind = t(`zone_kind.${p.kind}`);
  else if (p.kind) kind = String(p.kind);
  else if (info.zone_kind) kind = label('zone_kind', info.zone_kind);
  else kind = label('layer.kind', layerRole(info) === 'informational' ? 'informational' : info.kind);
  const rows = [
    [t('popup.layer'), text2(info.title)],
    [t('popup.kind'), kind],
    p.subzone ? [t('popup.subzone'), label('subzone', p.subzone)] : null,
    typeof p.green_line === 'boolean' ? [t('popup.green_line'), label('green_line', String(p.green_line))] : null,
    [t('popup.role'), label('role', layerRole(info))],
    p.distance_m !== undefined ? [t('popup.distance'), bandText(p)] : null,
    info.origin ? [t('popup.origin'), text2(info.origin.note)] : null,
    p.width_m ? [t('popup.width'), distanceText(p.width_m)] : null,
    [t('popup.basis'), p.basis || '–'],
    [t('popup.status'), label('status', p.status || info.status || 'unknown')],
    p.note ? [t('popup.note'), p.note] : null,
    p.id ? [t('popup.id'), p.id] : null,
  ].filter(Boolean);
  return h(
    'div',
    { class: 'popup', dataset: { layer: info.id } },
    h('h3', { text: name || p.id || text2(info.title) }),
    h('dl', null, rows.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
  );
}

function sourceTitle(src) {
  const info = src && state.layerById.get(src);
  return info ? text2(info.title) : src || '';
}

function bandText(p) {
  const source = sourceTitle(p.source);
  if (p.min_distance_m) return t('legend.between', { min: num(p.min_distance_m), d: num(p.distance_m), source });
  return t('legend.within', { d: num(p.distance_m), source });
}

// ------------------------------------------------------------ legend --

function swatch(style, geometryType) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '28');
  svg.setAttribute('height', '16');
  svg.setAttribute('viewBox', '0 0 28 16');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('swatch');
  const isLine = /Line/.test(geometryType || '') && !/Polygon/.test(geometryType || '');
  const el = document.createElementNS(ns, isLine ? 'line' : 'rect');
  if (isLine) {
    Object.entries({ x1: 2, y1: 12, x2: 26, y2: 4 }).forEach(([k, v]) => el.setAttribute(k, v));
    el.setAttribute('fill', 'none');
  } else {
    Object.entries({ x: 2, y: 2, width: 24, height: 12, rx: 1 }).forEach(([k, v]) => el.setAttribute(k, v));
    const fo = style.fillOpacity === 0 ? 0 : Math.max(style.fillOpacity ?? 0.3, 0.25);
    el.setAttribute('fill', style.fillColor || style.color);
    el.setAttribute('fill-opacity', String(fo));
  }
  el.setAttribute('stroke', style.color);
  el.setAttribute('stroke-width', String(Math.min(style.weight || 1.5, 3)));
  if (style.dashArray) el.setAttribute('stroke-dasharray', style.dashArray.split(' ').map((n) => Number(n) / 2).join(' '));
  svg.append(el);
  return svg;
}

function renderLayerList() {
  const ul = $('#layer-list');
  ul.replaceChildren(...state.layers.map((info) => legendItem(info)));
}

function legendItem(info) {
  const ov = state.overlays.get(info.id);
  const inputId = `layer-${info.id}`;
  const sub = subLegend(info, ov);
  const meta = [t('legend.features', { n: num(info.feature_count) })];
  if (info.version !== undefined) meta.push(t('legend.version', { version: info.version, from: info.valid_from ? String(info.valid_from).slice(0, 10) : '–' }));
  if (ov.tiled) meta.push(t('legend.tiled'));
  if (info.origin) meta.push(text2(info.origin.note));
  const role = layerRole(info);
  return h(
    'li',
    {
      class: `layer-item role-${role}${ov.visible ? '' : ' off'}`,
      dataset: { layer: info.id, kind: info.kind, role, status: ov.status, source: ov.tiled ? 'tiles' : 'geojson' },
      'data-testid': `layer-${info.id}`,
    },
    h(
      'div',
      { class: 'layer-row' },
      h('input', {
        type: 'checkbox',
        id: inputId,
        checked: ov.visible,
        onchange: (e) => {
          setLayerVisible(info.id, e.target.checked);
          e.target.closest('li').classList.toggle('off', !e.target.checked);
        },
      }),
      swatch(layerStyle(info), info.geometry_type),
      h('label', { for: inputId, class: 'layer-title', text: text2(info.title) }),
      info.status ? h('span', { class: `tag status-${info.status}`, text: label('status', info.status) }) : null,
    ),
    h('div', { class: `layer-role role-${role}`, text: label('role', role) }),
    h('div', { class: 'layer-meta hint', text: meta.join(' · ') }),
    sub,
    ov.status === 'loading' ? h('div', { class: 'hint', text: t('legend.loading') }) : null,
    ov.status === 'error' ? h('div', { class: 'layer-error', role: 'alert', text: t('error.layer', { detail: ov.error }) }) : null,
  );
}

// Sub-legend: the sub-zones and distance bands a layer's features carry.
function subLegend(info, ov) {
  const seen = new Map();
  for (const f of ov.features) {
    const p = f.properties || {};
    const key = legendKey(p);
    if (key && !seen.has(key)) seen.set(key, p);
  }
  if (seen.size === 0 && info.id === 'canal-core') {
    for (const s of Object.keys(SUBZONE_STYLES)) seen.set(s, { subzone: s });
  }
  if (seen.size === 0) return null;
  return h(
    'ul',
    { class: 'sub-legend' },
    [...seen.values()].map((p) =>
      h(
        'li',
        { dataset: { subzone: p.subzone || '', ...(typeof p.green_line === 'boolean' ? { greenLine: String(p.green_line) } : {}) } },
        swatch(layerStyle(info, p), 'Polygon'),
        h('span', {
          text: [
            p.subzone ? label('subzone', p.subzone) : null,
            typeof p.green_line === 'boolean' ? label('green_line', String(p.green_line)) : null,
            p.distance_m !== undefined ? bandText(p) : null,
          ]
            .filter(Boolean)
            .join(state.lang === 'zh' ? '：' : ': '),
        }),
      ),
    ),
  );
}

function updateLegendItem(id) {
  const old = document.querySelector(`#layer-list li[data-layer="${CSS.escape(id)}"]`);
  const info = state.layerById.get(id);
  if (!old || !info) return;
  const focused = document.activeElement && old.contains(document.activeElement) ? document.activeElement.id : null;
  const item = legendItem(info);
  old.replaceWith(item);
  if (focused) document.getElementById(focused)?.focus();
}

function renderBanner() {
  const illustrative = state.layers.some((l) => l.status === 'illustrative');
  $('#banner').hidden = !illustrative;
  document.querySelectorAll('.print-banner').forEach((el) => (el.hidden = !illustrative));
}

// ----------------------------------------------------------- categories --

function renderCategories() {
  const sel = $('#category');
  const value = sel.value || state.pendingCategory;
  sel.replaceChildren(
    h('option', { value: '', text: t('category.placeholder') }),
    ...state.categories.map((c) => h('option', { value: c.id, title: text2(c.description), text: text2(c.name) })),
  );
  if (value && state.categories.some((c) => c.id === value)) sel.value = value;
  renderCategoryDesc();
}

function renderCategoryDesc() {
  const c = state.categories.find((x) => x.id === $('#category').value);
  $('#category-desc').textContent = c ? text2(c.description) : '';
}

// --------------------------------------------------------------- errors --

const FIELDS = {
  category: { box: '#category-field', input: '#category' },
  site: { box: '#tools-field', input: null },
  upload: { box: '#upload-field', input: '#upload-file' },
  paste: { box: '#paste-field', input: '#paste' },
  options: { box: '#options-field', input: '#as-of' },
  check: { box: '#result-panel', input: null },
};

function showError(field, items) {
  state.error = { field, items };
  renderError();
}

function clearError() {
  state.error = null;
  renderError();
}

function renderError() {
  const el = $('#error');
  document.querySelectorAll('[aria-invalid="true"]').forEach((x) => x.removeAttribute('aria-invalid'));
  document.querySelectorAll('.field.has-error, .panel.has-error').forEach((x) => x.classList.remove('has-error'));
  if (!state.error) {
    el.hidden = true;
    el.replaceChildren();
    el.removeAttribute('data-field');
    return;
  }
  const { field, items } = state.error;
  const f = FIELDS[field] || FIELDS.site;
  const box = $(f.box);
  // The message sits next to the input that caused it.
  if (el.parentElement !== box) box.append(el);
  if (box.tagName === 'DETAILS') box.open = true;
  box.classList.add('has-error');
  el.dataset.field = field;
  el.replaceChildren(...items.map((it) => h('p', { text: it.text !== undefined ? it.text : t(it.key, it.params) })));
  el.hidden = false;
  if (f.input) {
    const input = $(f.input);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-errormessage', 'error');
  }
}

// Where a problem+json error belongs, and its text with paste line numbers.
function showProblem(err, site) {
  const prob = err.problem || {};
  const siteField = site ? { point: 'site', draw: 'site', upload: 'upload', paste: 'paste', shared: 'check' }[site.source] || 'site' : 'site';
  const fieldFor = (pointer) => {
    if (!pointer) return siteField;
    if (pointer.startsWith('/category')) return 'category';
    if (pointer.startsWith('/as_of') || pointer.startsWith('/reference')) return 'options';
    return siteField;
  };
  const itemFor = (pointer, detail) => {
    const line = site && site.source === 'paste' ? lineForPointer(pointer, site.parsed) : 0;
    return line ? { key: 'error.line', params: { line, detail } } : { text: detail };
  };
  const items = [];
  const main = prob.detail || prob.title || err.message;
  let field = fieldFor(prob.pointer);
  if (Array.isArray(prob.errors) && prob.errors.length > 0) {
    if (!prob.pointer) field = fieldFor(prob.errors[0].pointer);
    if (main && !prob.errors.some((e) => e.detail === main)) items.push({ text: main });
    for (const e of prob.errors) items.push(itemFor(e.pointer, e.detail || ''));
  } else {
    items.push(itemFor(prob.pointer, main));
  }
  showError(field, items);
}

// ---------------------------------------------------------- site & check --

const siteLayer = L.geoJSON(null, {
  pane: 'pane-site',
  style: { color: '#0d47a1', weight: 3, fillColor: '#42a5f5', fillOpacity: 0.08 },
  pointToLayer: (f, latlng) => L.circleMarker(latlng, { pane: 'pane-site', radius: 7, color: '#0d47a1', weight: 3, fillColor: '#ffffff', fillOpacity: 1 }),
}).addTo(map);
const conflictLayer = L.geoJSON(null, {
  pane: 'pane-conflict',
  style: { color: '#b71c1c', weight: 2, fillColor: '#e53935', fillOpacity: 0.35 },
  pointToLayer: (f, latlng) => L.circleMarker(latlng, { pane: 'pane-conflict', radius: 9, color: '#b71c1c', weight: 3, fillOpacity: 0 }),
}).addTo(map);
const nearestLayer = L.geoJSON(null, {
  pane: 'pane-nearest',
  style: { color: '#b71c1c', weight: 2.5, dashArray: '6 5' },
  onEachFeature: (f, layer) => {
    const d = f.properties && f.properties.distance_m;
    // Above the line's middle, so a short line does not hide the site.
    if (d !== undefined) layer.bindTooltip(distanceText(d), { permanent: true, direction: 'top', offset: [0, -6], className: 'nearest-label' });
  },
}).addTo(map);

function round7(g) {
  const r = (p) => [Math.round(p[0] * 1e7) / 1e7, Math.round(p[1] * 1e7) / 1e7];
  const walk = (c) => (typeof c[0] === 'number' ? r(c) : c.map(walk));
  return { type: g.type, coordinates: walk(g.coordinates) };
}

function setSite(site) {
  state.site = site;
  siteLayer.clearLayers();
  if (site && site.display) siteLayer.addData(site.display);
}

function clearResult() {
  state.result = null;
  conflictLayer.clearLayers();
  nearestLayer.clearLayers();
  $('#legend-result').hidden = true;
  renderResult();
}

/** Sends the current site with the chosen category; resolves to the result or null. */
async function runCheck() {
  const site = state.site;
  if (!site) return null;
  const category = $('#category').value;
  if (!category) {
    clearResult();
    showError('category', [{ key: 'error.category_required' }]);
    $('#category').focus();
    return null;
  }
  if (state.checking) state.checking.abort();
  const ctl = new AbortController();
  state.checking = ctl;
  clearError();
  clearResult();
  $('#result').replaceChildren(h('p', { class: 'checking', text: t('result.checking') }));
  document.body.dataset.checking = '1';
  const body = { geometry: site.geometry, category };
  if (site.crs && site.crs !== 'EPSG:4326') body.crs = site.crs;
  state.facts = keepFacts(state.facts, state.categories.find((c) => c.id === category));
  if (Object.keys(state.facts).length) body.facts = state.facts;
  const asOf = $('#as-of').value;
  if (asOf) body.as_of = asOf;
  const ref = $('#reference').value.trim();
  if (ref) body.reference = ref;
  try {
    const result = await api('/checks', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: ctl.signal,
    });
    if (state.checking !== ctl) return null;
    showResult(result, { fit: true, zoomIn: !['point', 'draw'].includes(site.source) });
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

function showResult(result, { fit, zoomIn } = {}) {
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
function fitToResult({ zoomIn = true } = {}) {
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
function revealResult() {
  const panel = $('#result-panel');
  const sidebar = panel.closest('.sidebar');
  if (!sidebar || sidebar.scrollHeight <= sidebar.clientHeight || getComputedStyle(sidebar).overflowY !== 'auto') return;
  const r = panel.getBoundingClientRect();
  const view = sidebar.getBoundingClientRect();
  if (r.top < view.top || r.top > view.top + view.height * 0.4) {
    sidebar.scrollTop += r.top - view.top;
  }
}

function renderResult() {
  const box = $('#result');
  const r = state.result;
  if (!r) {
    if (!state.checking) box.replaceChildren(h('p', { class: 'hint', text: t('result.empty') }));
    return;
  }
  box.replaceChildren(
    ...resultNodes(r, {
      h, t, text2, label, num, pct, distanceText, dateTime, siteDescription, shareBlock,
      lang: state.lang,
      categories: state.categories,
      factDefs: state.factDefs,
      layerById: state.layerById,
      onFocus: focusZone,
      onAnswer: answerQuestion,
      onForget: forgetFact,
    }),
  );
}

// A questionnaire answer: check again with the fact declared.
function answerQuestion(id, value) {
  state.facts = { ...state.facts, [id]: value };
  writeURL();
  if (state.site) runCheck();
}

// Takes a declared fact back: check again without it.
function forgetFact(id) {
  const { [id]: _, ...rest } = state.facts;
  state.facts = rest;
  writeURL();
  if (state.site) runCheck();
}

function focusZone(hit) {
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

function siteDescription() {
  const s = state.site;
  if (!s) return state.result ? t('site.shared') : '–';
  if (s.source === 'upload') return t('site.upload', { name: s.fileName || '' });
  if (s.source === 'paste') return t('site.paste', { crs: s.crs });
  return t(`site.${s.source}`);
}

function shareURL() {
  const u = new URL(location.href);
  return u.toString();
}

function shareBlock() {
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
    h('div', { class: 'row' }, input, copy, h('button', { type: 'button', id: 'print', text: t('print.button'), onclick: () => window.print() })),
  );
}

// ----------------------------------------------------------------- tools --

function setTool(tool) {
  if (state.tool === tool) tool = null;
  if (map.pm.globalDrawModeEnabled()) map.pm.disableDraw();
  state.tool = tool;
  document.querySelectorAll('.tool[data-tool]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.tool === tool)));
  map.getContainer().classList.toggle('picking', tool === 'point');
  $('#tool-hint').textContent = tool ? t(`tool.hint.${tool}`) : '';
  const shape = { polygon: 'Polygon', rectangle: 'Rectangle', line: 'Line' }[tool];
  if (shape) {
    map.pm.enableDraw(shape, {
      snappable: false,
      allowSelfIntersection: false,
      continueDrawing: false,
      pathOptions: { color: '#0d47a1', weight: 3, fillOpacity: 0.1 },
      templineStyle: { color: '#0d47a1' },
      hintlineStyle: { color: '#0d47a1', dashArray: '5 5' },
    });
  }
}

document.querySelectorAll('.tool[data-tool]').forEach((b) => b.addEventListener('click', () => setTool(b.dataset.tool)));

map.on('pm:create', (e) => {
  const gj = e.layer.toGeoJSON().geometry;
  map.removeLayer(e.layer);
  setTool(null);
  const geometry = round7(gj);
  setSite({ geometry, crs: 'EPSG:4326', display: geometry, source: 'draw' });
  runCheck();
});

map.on('click', (e) => {
  if (state.tool !== 'point') return;
  checkPoint(e.latlng.lng, e.latlng.lat);
});

map.getContainer().addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && state.tool === 'point' && e.target === map.getContainer()) {
    const c = map.getCenter();
    checkPoint(c.lng, c.lat);
  }
});

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && state.tool) setTool(null);
});

/** Checks a point; resolves to the check result (or null on error). */
function checkPoint(lon, lat) {
  const geometry = round7({ type: 'Point', coordinates: [Number(lon), Number(lat)] });
  setSite({ geometry, crs: 'EPSG:4326', display: geometry, source: 'point' });
  return runCheck();
}

/** Checks any GeoJSON geometry in the given CRS (tests and scripts). */
function checkGeometry(geometry, crs = 'EPSG:4326') {
  let display = null;
  try {
    display = geometryToLonLat(geometry, crs);
  } catch {
    display = null;
  }
  setSite({ geometry, crs, display, source: 'draw' });
  return runCheck();
}

$('#tool-clear').addEventListener('click', () => {
  setTool(null);
  setSite(null);
  clearError();
  clearResult();
  $('#upload-name').textContent = '';
  writeURL();
});

$('#category').addEventListener('change', () => {
  state.pendingCategory = $('#category').value;
  renderCategoryDesc();
  if (state.error && state.error.field === 'category') clearError();
  writeURL();
  if (state.site) runCheck();
});

// ---------------------------------------------------------------- upload --

async function readUpload(file) {
  const kind = uploadKind(file.name);
  if (kind === null) return { errors: [{ key: 'error.upload_type', params: { name: file.name } }] };
  if (kind === 'shp') return { errors: [{ key: 'error.shp_loose' }] };
  if (kind === 'txt') {
    const r = await siteFromTXT(file); // a 用地报盘 TXT, read by the API (upload.js)
    return { ...r, errors: r.errors.map((e) => ({ key: `upload.${e.code}`, params: e.params })) };
  }
  if (kind === 'geojson') {
    let text;
    try {
      text = await file.text();
    } catch (e) {
      return { errors: [{ key: 'error.file_read', params: { detail: e.message } }] };
    }
    const r = siteFromGeoJSONText(text);
    return { ...r, errors: r.errors.map((e) => ({ key: `upload.${e.code}`, params: e.params })) };
  }
  let data;
  try {
    data = await window.shp(await file.arrayBuffer());
  } catch (e) {
    return { errors: [{ key: 'error.shp_read', params: { detail: e && e.message ? e.message : String(e) } }] };
  }
  const r = siteFromGeoJSON(data);
  return { ...r, errors: r.errors.map((e) => ({ key: `upload.${e.code}`, params: e.params })) };
}

async function handleUpload(file) {
  setTool(null);
  clearError();
  $('#upload-name').textContent = t('upload.file', { name: file.name });
  const r = await readUpload(file);
  if (r.errors.length) {
    clearResult();
    showError('upload', r.errors);
    return null;
  }
  let display = null;
  try {
    display = geometryToLonLat(r.geometry, r.crs);
  } catch {
    display = null;
  }
  setSite({ geometry: r.geometry, crs: r.crs, display, source: 'upload', fileName: file.name });
  return runCheck();
}

$('#upload-file').addEventListener('change', async (e) => {
  const input = e.target;
  const file = input.files && input.files[0];
  if (!file) return;
  await handleUpload(file);
});

// ----------------------------------------------------------------- paste --

function submitPaste() {
  setTool(null);
  clearError();
  const parsed = parseCoordinates($('#paste').value, { mode: $('#paste-crs').value });
  if (!parsed.ok) {
    clearResult();
    showError(
      'paste',
      parsed.errors.map((e) => ({ key: `coords.${e.code}`, params: { ...e.params, a: fmtCoord(e.params.a), b: fmtCoord(e.params.b) } })),
    );
    return Promise.resolve(null);
  }
  let display = null;
  try {
    display = geometryToLonLat(parsed.geometry, parsed.crs);
  } catch {
    display = null;
  }
  setSite({ geometry: parsed.geometry, crs: parsed.crs, display, source: 'paste', parsed });
  return runCheck();
}

function fmtCoord(v) {
  return typeof v === 'number' ? String(v) : v;
}

$('#paste-submit').addEventListener('click', () => submitPaste());
$('#paste').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    submitPaste();
  }
});

// -------------------------------------------------------------- language --

function applyStaticLabels() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.doc_title');
  document.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  document.querySelectorAll('[data-i18n-attr]').forEach((el) => {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  });
  $('#lang-toggle').setAttribute('lang', state.lang === 'zh' ? 'en' : 'zh');
  $('#tool-hint').textContent = state.tool ? t(`tool.hint.${state.tool}`) : '';
  if (state.site && state.site.fileName) $('#upload-name').textContent = t('upload.file', { name: state.site.fileName });
}

function setLang(lang) {
  state.lang = lang;
  applyStaticLabels();
  renderCategories();
  renderLayerList();
  renderResult();
  renderError();
  nearestLayer.eachLayer((l) => {
    const d = l.feature && l.feature.properties && l.feature.properties.distance_m;
    if (d !== undefined && l.getTooltip()) l.setTooltipContent(distanceText(d));
  });
  map.closePopup();
  map.pm.setLang(lang === 'zh' ? 'zh' : 'en');
  writeURL();
}

$('#lang-toggle').addEventListener('click', () => setLang(state.lang === 'zh' ? 'en' : 'zh'));

// -------------------------------------------------------------- URL state --

let urlReady = false;
function writeURL() {
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
  if (state.result && state.result.check_id) p.set('check', state.result.check_id);
  const url = `${location.pathname}?${p.toString().replace(/%2C/g, ',').replace(/%3A/g, ':')}${location.hash}`;
  history.replaceState(null, '', url);
  const share = document.getElementById('share-url');
  if (share) share.value = location.href;
}

function initialView() {
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

// ------------------------------------------------------------------ print --

function beforePrint() {
  document.getElementById('printed-at').textContent = t('print.printed_at', { time: dateTime(new Date().toISOString()) });
  document.body.classList.add('printing');
  map.invalidateSize({ animate: false });
  if (state.result) {
    fitToResult({ zoomIn: true });
    map.setZoom(map.getZoom() - 1, { animate: false }); // some surroundings for the file
  }
}
function afterPrint() {
  document.body.classList.remove('printing');
  map.invalidateSize({ animate: false });
}
window.addEventListener('beforeprint', beforePrint);
window.addEventListener('afterprint', afterPrint);

// ------------------------------------------------------------------- boot --

async function loadSharedCheck(id) {
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
    urlReady = true;
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
  urlReady = true;
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

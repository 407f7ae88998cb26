// The planner's tools: the coordinate readout under the cursor (lon/lat and
// CGCS2000 3° zone 40 X/Y in EPSG:4549 metres), measuring distance and area
// in EPSG:4549 metres with the API's planar formulas, the basemap switcher,
// and search by coordinates or by parcel number.

import { $, h, t, num, state } from './state.js';
import { api } from './api.js';
import { map } from './mapview.js';
import { restyleLayers, asOfQuery } from './layers.js';
import { parseCoordinates } from './coords.js';
import { geometryToLonLat } from './proj.js';
import { areaM2, lengthM, fmtLonLat, xyOf, round2 } from './geom.js';
import { basemapChoices } from './basemaps.js';
import { setSite, runCheck, checkGeometry, fitToResult } from './check.js';

// ---- coordinate readout ----

const Readout = L.Control.extend({
  options: { position: 'bottomleft' },
  onAdd() {
    const el = L.DomUtil.create('div', 'coord-readout leaflet-bar');
    el.id = 'coord-readout';
    el.setAttribute('aria-live', 'off');
    L.DomEvent.disableClickPropagation(el);
    return el;
  },
});
const readout = new Readout().addTo(map);

/** Shows a position in the readout (the cursor's, or the map centre's). */
export function showCoords(lon, lat) {
  const el = readout.getContainer();
  const { x, y } = xyOf(lon, lat);
  el.title = t('coord.title');
  el.dataset.lon = lon.toFixed(6);
  el.dataset.lat = lat.toFixed(6);
  el.dataset.x = x;
  el.dataset.y = y;
  el.replaceChildren(
    h('div', { class: 'coord-ll', text: t('coord.lonlat', { lon: lon.toFixed(6), lat: lat.toFixed(6) }) }),
    h('div', { class: 'coord-xy', text: t('coord.xy', { x, y }) }),
  );
}

map.on('mousemove', (e) => showCoords(e.latlng.lng, e.latlng.lat));
map.on('moveend', () => {
  // Without a pointer (a phone), the readout follows the map centre.
  if (!readout.getContainer().dataset.lon || !matchMedia('(hover: hover)').matches) {
    const c = map.getCenter();
    showCoords(c.lng, c.lat);
  }
});

// ---- measuring ----

const measureLayer = L.featureGroup().addTo(map);

/** Measures a drawn lon/lat geometry: {length_m, area_m2}, both in EPSG:4549 metres. */
export function measure(g) {
  return { length_m: lengthM(g), area_m2: g.type === 'Polygon' || g.type === 'MultiPolygon' ? round2(areaM2(g)) : 0 };
}

/** Draws a finished measurement and shows its numbers. */
export function addMeasurement(g) {
  const m = measure(g);
  const text = m.area_m2 > 0 ? t('measure.area_value', { a: num(m.area_m2, 2), d: num(m.length_m, 2) }) : t('measure.length_value', { d: num(m.length_m, 2) });
  const lyr = L.geoJSON(g, { style: { color: '#6a1b9a', weight: 2.5, dashArray: '4 4', fillOpacity: 0.08 } }).addTo(measureLayer);
  lyr.bindTooltip(text, { permanent: true, className: 'measure-label' });
  const out = $('#measure-result');
  out.textContent = text;
  out.dataset.areaM2 = String(m.area_m2);
  out.dataset.lengthM = String(round2(m.length_m));
  return m;
}

// The measure buttons are tools (.tool[data-tool]): input.js's setTool arms them.
$('#measure-clear').addEventListener('click', () => {
  measureLayer.clearLayers();
  const out = $('#measure-result');
  out.textContent = '';
  delete out.dataset.areaM2;
  delete out.dataset.lengthM;
});

// ---- basemaps ----

let baseLayer = null;

/** Fills the basemap selector from the server's configuration and shows the chosen one. */
export function initBasemaps() {
  const choices = basemapChoices(state.config);
  state.basemaps = choices;
  const sel = $('#basemap');
  labelBasemaps();
  // The configured basemap is shown when there is one, as before.
  const first = choices.find((c) => c.url) || choices[0];
  sel.value = first.id;
  setBasemap(first.id);
  sel.onchange = () => setBasemap(sel.value);
}

/** Names the basemap choices in the current language. */
export function labelBasemaps() {
  const sel = $('#basemap');
  const value = sel.value;
  sel.replaceChildren(...(state.basemaps || []).map((c) => h('option', { value: c.id, text: c.label ? c.label[state.lang] || c.label.zh : t(`basemap.${c.id}`) })));
  if (value) sel.value = value;
}

/** Shows basemap id (one of state.basemaps); 'plain' is the offline background. */
export function setBasemap(id) {
  const c = (state.basemaps || []).find((x) => x.id === id) || { id: 'plain' };
  if (baseLayer) map.removeLayer(baseLayer);
  baseLayer = null;
  state.basemap = c.url ? c : null;
  if (c.url) {
    const opts = { attribution: c.attribution || '', maxZoom: c.max_zoom || 19 };
    if (c.subdomains) opts.subdomains = c.subdomains;
    baseLayer = L.tileLayer(c.url, opts).addTo(map);
    baseLayer.bringToBack();
  }
  map.getContainer().classList.toggle('offline', !c.url);
  map.getContainer().dataset.basemap = c.id;
  if ($('#basemap').value !== c.id) $('#basemap').value = c.id;
  restyleLayers();
}

// ---- search ----

const searchLayer = L.layerGroup().addTo(map);

/** Goes to the coordinates typed (lon,lat or EPSG:4549 X,Y); resolves to [lon, lat] or null. */
export function searchCoords(text) {
  const out = $('#search-result');
  searchLayer.clearLayers();
  out.replaceChildren();
  const parsed = parseCoordinates(text, { mode: 'auto' });
  if (!parsed.ok || parsed.geometry.type !== 'Point') {
    const detail = parsed.ok ? parsed.geometry.type : parsed.errors.map((e) => t(`coords.${e.code}`, e.params)).join(' ');
    out.append(h('p', { class: 'error', role: 'alert', text: t('search.bad', { detail }) }));
    return null;
  }
  const g = geometryToLonLat(parsed.geometry, parsed.crs);
  const [lon, lat] = g.coordinates;
  L.circleMarker([lat, lon], { radius: 8, color: '#6a1b9a', weight: 3, fillOpacity: 0, className: 'search-marker' }).addTo(searchLayer);
  map.setView([lat, lon], Math.max(map.getZoom(), 16));
  showCoords(lon, lat);
  const { x, y } = xyOf(lon, lat);
  out.append(
    h('p', { id: 'search-found', dataset: { lon: lon.toFixed(6), lat: lat.toFixed(6) }, text: t('search.found', { ll: fmtLonLat(lon, lat), x, y }) }),
    h('button', { type: 'button', id: 'search-check', text: t('search.check'), onclick: () => checkGeometry(parsed.geometry, parsed.crs, 'search') }),
  );
  return [lon, lat];
}

/** Finds a parcel by its number in the register and checks it. */
export async function searchParcel(n) {
  const out = $('#parcel-result');
  out.replaceChildren();
  const number = String(n || '').trim();
  if (!number) return null;
  try {
    const f = await api(`/parcels/${encodeURIComponent(number)}${asOfQuery('?')}`);
    const g = f && f.type === 'Feature' ? f.geometry : f;
    // The check is filed under the number in its normal form (as the register answers it).
    const no = f.parcel_no || number;
    setSite({ geometry: g, crs: 'EPSG:4326', display: geometryToLonLat(g, 'EPSG:4326'), source: 'parcel', parcel: no, reference: no });
    fitToResult({ zoomIn: true });
    const area = f.properties && typeof f.properties.area_m2 === 'number' ? f.properties.area_m2 : areaM2(g);
    out.append(h('p', { id: 'parcel-found', text: t('search.parcel_found', { n: no, a: num(area, 2) }) }));
    return runCheck();
  } catch (e) {
    out.append(h('p', { class: 'error', role: 'alert', text: t('search.parcel_none', { n: number, detail: e.message }) }));
    return null;
  }
}

/**
 * Enables the parcel search only when a parcel register (the layer
 * parcels) is in force on the date shown; otherwise the input is disabled
 * and a note says why (and how a steward loads one).
 */
export function initSearch() {
  const loaded = state.layers.some((l) => l.id === 'parcels');
  $('#parcel-number').disabled = !loaded;
  $('#parcel-go').disabled = !loaded;
  const note = $('#parcel-unavailable');
  note.hidden = loaded;
  note.textContent = loaded ? '' : state.asOf ? t('search.parcel_unavailable_on', { date: state.asOf }) : t('search.parcel_unavailable');
}

$('#search-go').addEventListener('click', () => searchCoords($('#search-coords').value));
$('#search-coords').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') searchCoords($('#search-coords').value);
});
$('#parcel-go').addEventListener('click', () => searchParcel($('#parcel-number').value));
$('#parcel-number').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') searchParcel($('#parcel-number').value);
});

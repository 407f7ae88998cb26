// The zone layers: GeoJSON groups or vector tiles per layer, loaded by
// zoom bucket, toggled from the legend.

import { API, DEFAULT_BBOX, state } from './state.js';
import { api } from './api.js';
import { map, paneFor, hasBasemap } from './mapview.js';
import { isTiled, tileURLTemplate } from './tiles.js';
import { layerStyle as styleOf, legendKey } from './layerstyle.js';
import { popupContent, updateLegendItem, renderLayerList } from './legend.js';
import { writeURL } from './urlstate.js';

export function layerStyle(info, props = {}) {
  const s = styleOf(info, props, state.layers.indexOf(info), hasBasemap());
  const ov = state.overlays.get(info.id);
  // A GeoJSON layer's opacity slider scales its strokes and fills (its
  // paths share a pane with other layers); tiles fade as a whole.
  const o = ov && !ov.tiled && ov.opacity !== undefined ? ov.opacity : 1;
  if (o === 1) return s;
  return { ...s, opacity: (s.opacity ?? 1) * o, fillOpacity: (s.fillOpacity ?? 0.2) * o };
}

function pointStyle(info, props) {
  const ov = state.overlays.get(info.id);
  return { ...layerStyle(info, props), fillOpacity: 0.8 * (ov && ov.opacity !== undefined ? ov.opacity : 1) };
}

/** Sets a layer's opacity (0–1) from its slider. */
export function setLayerOpacity(id, o) {
  const ov = state.overlays.get(id);
  if (!ov) return;
  ov.opacity = o;
  if (ov.tiled) ov.group.setOpacity(o);
  else ov.group.resetStyle();
}

/** Draws every layer again with its style (after a basemap switch). */
export function restyleLayers() {
  for (const ov of state.overlays.values()) {
    if (ov.tiled) ov.group.redraw();
    else ov.group.resetStyle();
  }
}

// ?as_of= for the map reads when a date is set (依据日期), so that the
// layers drawn are those in force that day.
export const asOfQuery = (sep) => (state.asOf ? `${sep}as_of=${encodeURIComponent(state.asOf)}` : '');

// Zoom buckets: the server simplifies geometry for low zooms.
const bucketFor = (z) => (z <= 11 ? 11 : z <= 13 ? 13 : 15);
const featureCache = new Map();

export function makeOverlay(info) {
  const ov = { group: null, tiled: isTiled(info, state.tilesAbove), visible: !state.hidden.has(info.id), bucket: null, status: 'idle', error: null, features: [], token: 0 };
  if (ov.tiled) {
    ov.group = makeTiledGroup(info, ov);
    return ov;
  }
  ov.group = L.geoJSON(null, {
    pane: paneFor(info),
    // Points are small circles filled at 0.8 (times the layer's opacity);
    // resetStyle (opacity, basemap) goes through here for them too.
    style: (f) => (/Point/.test(f.geometry?.type || '') ? pointStyle(info, f.properties || {}) : layerStyle(info, f.properties || {})),
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { ...pointStyle(info, f.properties || {}), radius: 5, pane: paneFor(info) }),
    onEachFeature: (f, layer) => {
      layer.on('click', (e) => showFeaturePopup(info, f.properties || {}, e.latlng));
    },
  });
  return ov;
}

export function showFeaturePopup(info, props, latlng) {
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
export function makeTiledGroup(info, ov) {
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
  const layer = new Tiled(tileURLTemplate(API, info.id) + asOfQuery('?'), {
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
export async function tileAnswer(r) {
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
export function noteLegendProps(info, ov, props) {
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

export async function loadLayer(id) {
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
  const key = `${id}@${bucket}@${state.asOf || ''}`;
  const token = ++ov.token;
  ov.status = 'loading';
  updateLegendItem(id);
  try {
    let fc = featureCache.get(key);
    if (!fc) {
      fc = await api(`/layers/${encodeURIComponent(id)}/features?bbox=${bbox.join(',')}&zoom=${bucket}${asOfQuery('&')}`);
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

export function setLayerVisible(id, visible) {
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


/** Puts the layers of GET /layers (in force on state.asOf) on the map, replacing any drawn. */
export function buildOverlays(layers) {
  for (const ov of state.overlays.values()) map.removeLayer(ov.group);
  const opacity = new Map([...state.overlays].map(([id, ov]) => [id, ov.opacity]));
  state.overlays.clear();
  state.layerById.clear();
  state.layers = layers;
  for (const info of layers) {
    state.layerById.set(info.id, info);
    const ov = makeOverlay(info);
    state.overlays.set(info.id, ov);
    if (opacity.get(info.id) !== undefined) {
      ov.opacity = opacity.get(info.id);
      if (ov.tiled) ov.group.setOpacity(ov.opacity);
    }
    if (ov.visible) ov.group.addTo(map);
  }
}

/**
 * Loads the layers in force on the date set (依据日期; today without one)
 * again: the list with its versions, then their features or tiles.
 * Resolves when the layers on screen are drawn.
 */
export async function reloadLayers() {
  const asOf = state.asOf;
  document.body.dataset.ready = 'loading';
  const list = await api(`/layers${asOfQuery('?')}`);
  if (asOf !== state.asOf) return;
  buildOverlays((list && list.layers) || []);
  renderLayerList();
  await Promise.all(state.layers.map((l) => loadLayer(l.id)));
  if (asOf === state.asOf) document.body.dataset.ready = '1';
}

// The Leaflet map, its panes, and the layers that draw a check's site,
// conflicts and nearest distances.

import { state, distanceText } from './state.js';

L.PM.setOptIn(true); // geoman leaves the zone layers alone

export const map = L.map('map', {
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
export const PANES = { coverage: 250, mask: 260, distance: 270, zone: 280, source: 290, display: 295, conflict: 300, site: 310, nearest: 320 };
for (const [name, z] of Object.entries(PANES)) {
  map.createPane('pane-' + name).style.zIndex = String(z);
}

// Whether tiles are under the zones (styles are bolder on the plain ground).
export const hasBasemap = () => Boolean(state.basemap);

// A district-wide zone (the Taihu tiers) lies under the other zones, so
// that a click on them reaches them.
export const WIDE_ZONES = ['taihu-tier'];

export function paneFor(info) {
  if (WIDE_ZONES.includes(info.zone_kind)) return 'pane-coverage';
  return 'pane-' + (PANES[info.kind] !== undefined ? info.kind : 'zone');
}

export const siteLayer = L.geoJSON(null, {
  pane: 'pane-site',
  style: { color: '#0d47a1', weight: 3, fillColor: '#42a5f5', fillOpacity: 0.08 },
  pointToLayer: (f, latlng) => L.circleMarker(latlng, { pane: 'pane-site', radius: 7, color: '#0d47a1', weight: 3, fillColor: '#ffffff', fillOpacity: 1 }),
}).addTo(map);
export const conflictLayer = L.geoJSON(null, {
  pane: 'pane-conflict',
  style: { color: '#b71c1c', weight: 2, fillColor: '#e53935', fillOpacity: 0.35 },
  pointToLayer: (f, latlng) => L.circleMarker(latlng, { pane: 'pane-conflict', radius: 9, color: '#b71c1c', weight: 3, fillOpacity: 0 }),
}).addTo(map);
export const nearestLayer = L.geoJSON(null, {
  pane: 'pane-nearest',
  style: { color: '#b71c1c', weight: 2.5, dashArray: '6 5' },
  onEachFeature: (f, layer) => {
    const d = f.properties && f.properties.distance_m;
    // Above the line's middle, so a short line does not hide the site.
    if (d !== undefined) layer.bindTooltip(distanceText(d), { permanent: true, direction: 'top', offset: [0, -6], className: 'nearest-label' });
  },
}).addTo(map);

export function round7(g) {
  const r = (p) => [Math.round(p[0] * 1e7) / 1e7, Math.round(p[1] * 1e7) / 1e7];
  const walk = (c) => (typeof c[0] === 'number' ? r(c) : c.map(walk));
  return { type: g.type, coordinates: walk(g.coordinates) };
}


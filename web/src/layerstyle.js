// How the map draws each layer: the styles of the demo layers, of sub-zones
// and of corridors by green_line, a palette for layers it does not know,
// and what each layer is for (the legend's role). Pure functions, so that
// node --test checks them (layerstyle.test.js).

export const STYLES = {
  district: { color: '#37474f', weight: 2.5, fillColor: '#ffffff', fillOpacity: 0 },
  // Water surfaces (the area inside the shoreline, which bands are
  // measured from) and, above them, the drawn centre lines (display only).
  'xinmeng-river': { color: '#0d47a1', weight: 1, fillColor: '#42a5f5', fillOpacity: 0.85 },
  'xinmeng-centreline': { color: '#0d47a1', weight: 1.5, dashArray: '6 4', fillOpacity: 0 },
  'canal-centreline': { color: '#0d47a1', weight: 1.5, dashArray: '6 4', fillOpacity: 0 },
  'xinmeng-corridor': { color: '#1b5e20', weight: 1.5, fillColor: '#43a047', fillOpacity: 0.35 },
  'xinmeng-band': { color: '#6a1b9a', weight: 2, dashArray: '8 6', fillColor: '#ba68c8', fillOpacity: 0.12 },
  canal: { color: '#0d47a1', weight: 1, fillColor: '#1e88e5', fillOpacity: 0.85 },
  'canal-built-up': { color: '#616161', weight: 1.5, dashArray: '3 5', fillColor: '#9e9e9e', fillOpacity: 0.1 },
  'canal-core': { color: '#e65100', weight: 1.5, fillColor: '#fb8c00', fillOpacity: 0.25 },
  'green-corridors': { color: '#558b2f', weight: 1.5, fillColor: '#9ccc65', fillOpacity: 0.5 },
  // district-wide: an outline over the coverage, beneath every other zone
  'taihu-tier': { color: '#0277bd', weight: 1, dashArray: '2 6', fillColor: '#4fc3f7', fillOpacity: 0.04 },
  // The plan's named places that carry no rule of their own: drawn, not judged.
  'plan-places': { color: '#6d4c41', weight: 1.5, dashArray: '2 5', fillColor: '#bcaaa4', fillOpacity: 0.35 },
};
// A corridor is 城市绿线 land (green_line true: solid dark green) or plan
// structure only (false: pale, dashed): the rules tell them apart.
export const GREEN_LINE_STYLES = {
  true: { color: '#1b5e20', weight: 2, dashArray: null, fillColor: '#2e7d32', fillOpacity: 0.65 },
  false: { color: '#7cb342', weight: 1.5, dashArray: '5 3', fillColor: '#c5e1a5', fillOpacity: 0.45 },
};
export const SUBZONE_STYLES = {
  'built-up': { color: '#e65100', fillColor: '#fb8c00', fillOpacity: 0.3 },
  'riverside-eco': { color: '#00695c', fillColor: '#26a69a', fillOpacity: 0.3 },
  'non-built-up': { color: '#f9a825', fillColor: '#fdd835', fillOpacity: 0.3, dashArray: '6 4' },
};
const PALETTE = ['#8e24aa', '#00838f', '#c0ca33', '#d81b60', '#5d4037', '#3949ab', '#00897b', '#f4511e'];
const KIND_DEFAULT = {
  coverage: { color: '#37474f', weight: 2, fillOpacity: 0 },
  source: { color: '#1565c0', weight: 3, fillOpacity: 0.6 },
  mask: { color: '#616161', weight: 1.5, dashArray: '3 5', fillOpacity: 0.08 },
  distance: { weight: 2, dashArray: '8 6', fillOpacity: 0.12 },
  zone: { weight: 1.5, fillOpacity: 0.3 },
  display: { weight: 1.5, dashArray: '6 4', fillOpacity: 0 },
};

// What a layer is for, as the legend and popups say: it carries rules, is
// informational (a zone layer without a zone kind), only drawn, a source
// (water surfaces, the distance origin), a mask or the area judged.
export function layerRole(info) {
  if (info.kind === 'distance' || (info.kind === 'zone' && info.zone_kind)) return 'rules';
  if (info.kind === 'zone') return 'informational';
  return info.kind;
}

/**
 * The Leaflet path style of a layer's feature.
 * @param {object} info the layer (from /layers)
 * @param {object} props the feature's properties ({} for the legend's swatch)
 * @param {number} index the layer's place in the layer list (for the palette)
 * @param {boolean} basemap whether a base map is drawn under the layers
 */
export function layerStyle(info, props = {}, index = 0, basemap = false) {
  let base = STYLES[info.id];
  if (!base) {
    const i = index;
    const color = PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
    base = { color, fillColor: color, ...(KIND_DEFAULT[info.kind] || KIND_DEFAULT.zone) };
  }
  const s = { weight: 1.5, opacity: 1, fillOpacity: 0.3, ...base };
  if (props.subzone && SUBZONE_STYLES[props.subzone]) Object.assign(s, SUBZONE_STYLES[props.subzone]);
  if (typeof props.green_line === 'boolean') Object.assign(s, GREEN_LINE_STYLES[props.green_line]);
  if (info.kind === 'coverage' && !basemap) s.fillOpacity = 0.9; // the plain offline background
  return s;
}

// The key a feature adds to its layer's sub-legend: its green_line, its
// sub-zone or its band; null for none.
export function legendKey(p) {
  if (typeof p.green_line === 'boolean') return `green_line-${p.green_line}`;
  return p.subzone || (p.distance_m !== undefined ? `d${p.distance_m}-${p.min_distance_m || 0}` : null);
}

// Which layers the map draws from vector tiles instead of GeoJSON. Pure
// functions, no DOM and no Leaflet, so node --test can hold them.
//
// A GeoJSON layer is fetched whole (the layer's bbox, at a zoom bucket) and
// each feature becomes an SVG path: fine for the district's handful of
// zones, but a province-scale import (thousands of zones, millions of
// vertices) would be megabytes per bucket and thousands of DOM nodes to pan.
// Such a layer is drawn from GET /api/v1/layers/{id}/tiles/{z}/{x}/{y}.mvt:
// only the tiles on screen, simplified for their zoom, each feature clipped
// to its tile.

/**
 * Layers with more features than this are drawn from vector tiles.
 *
 * Why 2 000: GeoJSON costs grow with the whole layer, tiles with what is on
 * screen. Measured in headless Chromium with two `ecospace gen` zone layers
 * (about 200 vertices a zone) on the shared 2-core machine, 2026-11-30: with
 * 1 000 features each, GeoJSON was 1.3 MB to download at the province view
 * and 2.5 MB at zoom 12, and panned at zoom 12 as fast as tiles; with 2 500
 * each it was 3.0 and 5.9 MB, and ten pans took 1.7–1.9 s against 0.5–1.0 s
 * from tiles (0.3–0.4 MB in all). Below the threshold GeoJSON keeps what
 * tiles lose: whole geometry and a sub-legend built from every feature. The
 * demo layers have at most five features, so they stay GeoJSON.
 */
export const TILES_ABOVE_DEFAULT = 2000;

/** The page's query parameter that overrides TILES_ABOVE_DEFAULT. */
export const TILES_ABOVE_PARAM = 'tiles_above';

/**
 * Reads an override of the threshold: a whole number of features, 0 or
 * more (0 tiles every layer that has a feature). Anything else — empty,
 * negative, fractional, exponent or not a number — is null, so a mistyped
 * link falls back to the default instead of tiling everything or nothing.
 */
export function parseTilesAbove(value) {
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (!/^\d{1,9}$/.test(s)) return null;
  return Number(s);
}

/** The threshold in force for a page's query string (a string or URLSearchParams). */
export function tilesThreshold(search, fallback = TILES_ABOVE_DEFAULT) {
  const params = search instanceof URLSearchParams ? search : new URLSearchParams(search || '');
  const v = parseTilesAbove(params.get(TILES_ABOVE_PARAM));
  return v === null ? fallback : v;
}

/**
 * Whether one layer (an item of GET /api/v1/layers) is drawn from tiles: it
 * has more than threshold features. A layer whose count is unknown stays
 * GeoJSON, the way every layer was drawn before tiles.
 */
export function isTiled(layer, threshold) {
  const n = layer && layer.feature_count;
  return Number.isInteger(n) && n > threshold;
}

/** The ids of the layers drawn from tiles, in list order. */
export function tiledLayers(layers, threshold) {
  return (layers || []).filter((l) => isTiled(l, threshold)).map((l) => l.id);
}

/**
 * The vector-tile URL template of a layer ({z}/{x}/{y} for Leaflet). The
 * id is escaped, so braces in an id cannot become template keys.
 */
export function tileURLTemplate(api, id) {
  return `${api}/layers/${encodeURIComponent(id)}/tiles/{z}/{x}/{y}.mvt`;
}

// The basemaps the switcher offers, from GET /api/v1/config: always the
// plain offline background (no tiles, a light ground), then the configured
// sources — a list `basemaps` of {id, name: {zh, en}, url, attribution,
// subdomains, max_zoom}, or the single `basemap` of `ecospace serve
// --basemap-url` (XYZ, or a Tianditu WMTS URL in XYZ form with its key),
// and Tianditu's map and imagery when the config carries a Tianditu key.
// Pure: no DOM, no Leaflet.

/** Tianditu's web-Mercator WMTS layers as XYZ templates with the key tk. */
export function tiandituURL(layer, tk) {
  return `https://t{s}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(tk)}`;
}

const TIANDITU_ATTR = '© 天地图 Tianditu (国家地理信息公共服务平台)';

/** The choices, plain first: [{id, label?: {zh, en}, url?, attribution?, subdomains?, max_zoom?}]. */
export function basemapChoices(config) {
  const out = [{ id: 'plain' }];
  const seen = new Set(['plain']);
  const add = (c) => {
    if (!c || !c.url || typeof c.url !== 'string' || seen.has(c.id)) return;
    seen.add(c.id);
    out.push(c);
  };
  const cfg = config || {};
  for (const [i, b] of (Array.isArray(cfg.basemaps) ? cfg.basemaps : []).entries()) {
    add({ id: String(b.id || `basemap-${i + 1}`), label: b.name && typeof b.name === 'object' ? b.name : undefined, url: b.url, attribution: b.attribution, subdomains: b.subdomains, max_zoom: b.max_zoom });
  }
  if (cfg.basemap && cfg.basemap.url) {
    add({ id: 'configured', url: cfg.basemap.url, attribution: cfg.basemap.attribution, subdomains: cfg.basemap.subdomains, max_zoom: cfg.basemap.max_zoom });
  }
  if (typeof cfg.tianditu_key === 'string' && cfg.tianditu_key) {
    add({ id: 'tianditu-vec', url: tiandituURL('vec', cfg.tianditu_key), attribution: TIANDITU_ATTR, subdomains: '01234567', max_zoom: 18 });
    add({ id: 'tianditu-img', url: tiandituURL('img', cfg.tianditu_key), attribution: TIANDITU_ATTR, subdomains: '01234567', max_zoom: 18 });
  }
  return out;
}

// The printed record's own part: where the site is (coordinates, the
// 界址点 table of a parcel in EPSG:4549), its area or length, the data
// status, and a verification line (check id, decision hash, and the URL
// that returns the filed answer), so that the page stands alone.

import { h, t, num, state } from './state.js';
import { API } from './state.js';
import { dataStatus } from './answer.js';
import { areaM2, lengthM, centroid4549, boundaryPoints, polygonArea, polygonsOf, round2, asProjected } from './geom.js';
import { fromEPSG4549 } from './proj.js';
import { filePointsOf } from './txtparcels.js';

// At most this many boundary points are listed (the page must stay one A4
// sheet); the filed answer has them all.
const MAX_POINTS = 40;

/** The site's area in EPSG:4549 m²: from the projected coordinates sent when they were, else from lon/lat. */
export function siteArea(site, answerSite) {
  // A 地块 of a surveyor's file: the area the server measured from its metres.
  if (site && site.txtFeature && site.txtFeature.properties && typeof site.txtFeature.properties.area_m2 === 'number') {
    return site.txtFeature.properties.area_m2;
  }
  if (site && site.crs === 'EPSG:4549' && site.geometry && polygonsOf(site.geometry).length) {
    return polygonsOf(site.geometry).reduce((a, rings) => a + polygonArea(rings), 0);
  }
  return areaM2(answerSite);
}

/** The URL that returns the filed answer of a check id. */
export const filedURL = (id) => `${location.origin}${API}/checks/${encodeURIComponent(id)}`;

/** The record block for an answer r. */
export function recordBlock(r) {
  const g = r.site && r.site.type === 'Feature' ? r.site.geometry : r.site;
  if (!g || !g.type) return null;
  // A site sent in EPSG:4549 is described from its own metres, not from
  // the lon/lat the answer echoes.
  const own = state.site && state.site.crs === 'EPSG:4549' && state.site.geometry && state.site.geometry.type === g.type ? state.site.geometry : null;
  const c = own ? centroid4549(own, asProjected) : centroid4549(g);
  const [lon, lat] = fromEPSG4549(c[0], c[1]);
  const sep = state.lang === 'zh' ? '：' : ': ';
  const rows = [];
  rows.push([t(g.type === 'Point' ? 'record.point' : 'record.centre'), t('record.point_value', { lon: lon.toFixed(6), lat: lat.toFixed(6), x: c[1].toFixed(2), y: c[0].toFixed(2) }), 'record-point']);
  const area = round2(siteArea(state.site, g));
  if (area > 0) rows.push([t('record.area'), t('record.area_value', { a: num(area, 2), mu: num(area / (10000 / 15), 2), ha: num(area / 10000, 4) }), 'record-area']);
  else if (/Line/.test(g.type)) rows.push([t('record.length'), t('distance.value', { d: num(lengthM(g), 2) }), 'record-length']);
  rows.push([t('meta.data_status'), t(`data.${dataStatus(r)}`), 'record-status']);
  // A 地块 of a surveyor's file keeps the 点号 and the X / Y written in
  // it where the parse answer gives them.
  const file = state.site && state.site.txtFeature ? filePointsOf(state.site.txtFeature) : null;
  const pts = own ? boundaryPoints(own, true) : boundaryPoints(g, false, file && file.pointOf);
  const shown = pts.slice(0, MAX_POINTS);
  return h(
    'section',
    { class: 'record', id: 'record', 'data-testid': 'record' },
    h('h3', { text: t('record.title') }),
    h('dl', null, rows.map(([k, v, id]) => [h('dt', { text: k }), h('dd', { id, text: v })])),
    shown.length
      ? h(
          'div',
          { class: 'record-points' },
          h(
            'table',
            { id: 'boundary-points', class: 'points' },
            h('caption', { text: t('record.points') }),
            h('thead', null, h('tr', null, ['record.no', 'record.ring', 'record.x', 'record.y'].map((k) => h('th', { scope: 'col', text: t(k) })))),
            h('tbody', null, shown.map((p) => h('tr', null, h('td', { text: p.no }), h('td', { text: String(p.ring) }), h('td', { text: p.x }), h('td', { text: p.y })))),
          ),
          pts.length > shown.length ? h('p', { class: 'hint', text: t('record.more_points', { n: pts.length, m: shown.length }) }) : null,
          // A surveyor's file names its points; say so when these numbers are the map's own.
          state.site && state.site.txtFeature && !(file && file.named) ? h('p', { class: 'hint', id: 'points-numbered', text: t('record.points_numbered') }) : null,
        )
      : null,
    h('p', { class: 'hint record-crs', text: t('record.crs') }),
    r.check_id
      ? h(
          'p',
          { class: 'verify', id: 'verify' },
          h('strong', { text: t('record.verify') + sep }),
          t('record.verify_value', { id: r.check_id, hash: r.decision_hash || '–', url: filedURL(r.check_id) }),
        )
      : null,
  );
}

// Unit tests for reading an uploaded GeoJSON site: node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteFromGeoJSON, siteFromGeoJSONText, siteFromTXT, crsOf, uploadKind, MAX_VERTICES, PARSE_PATH } from './upload.js';

const square = [[[119.8, 31.78], [119.81, 31.78], [119.81, 31.79], [119.8, 31.79], [119.8, 31.78]]];
const poly = (c = square) => ({ type: 'Polygon', coordinates: c });
const feature = (g) => ({ type: 'Feature', properties: {}, geometry: g });

test('a geometry, a Feature and a one-feature collection give the same site', () => {
  for (const obj of [poly(), feature(poly()), { type: 'FeatureCollection', features: [feature(poly())] }]) {
    const r = siteFromGeoJSON(obj);
    assert.deepEqual(r.errors, []);
    assert.equal(r.crs, 'EPSG:4326');
    assert.deepEqual(r.geometry, poly());
  }
});

test('several polygons are merged into a MultiPolygon', () => {
  const other = square.map((ring) => ring.map(([x, y]) => [x + 0.02, y]));
  const r = siteFromGeoJSON({ type: 'FeatureCollection', features: [feature(poly()), feature({ type: 'MultiPolygon', coordinates: [other] })] });
  assert.equal(r.geometry.type, 'MultiPolygon');
  assert.equal(r.geometry.coordinates.length, 2);
  assert.equal(r.count, 2);
});

test('projected coordinates are read as EPSG:4549 (named or by size), zone prefix stripped', () => {
  const ring = [[[480000, 3519000], [480400, 3519000], [480400, 3519400], [480000, 3519000]]];
  const named = siteFromGeoJSON({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4549' } }, features: [feature(poly(ring))] });
  assert.equal(named.crs, 'EPSG:4549');
  assert.deepEqual(named.geometry.coordinates, ring);
  const bySize = siteFromGeoJSON(poly(ring));
  assert.equal(bySize.crs, 'EPSG:4549');
  const prefixed = siteFromGeoJSON(poly([ring[0].map(([x, y]) => [x + 40e6, y])]));
  assert.equal(prefixed.crs, 'EPSG:4549');
  assert.deepEqual(prefixed.geometry.coordinates, ring);
});

test('crs names', () => {
  assert.equal(crsOf({}), null);
  assert.equal(crsOf({ crs: { properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } } }), 'EPSG:4326');
  assert.equal(crsOf({ crs: { properties: { name: 'EPSG:4490' } } }), 'EPSG:4490');
  assert.deepEqual(crsOf({ crs: { properties: { name: 'EPSG:3857' } } }), { unsupported: 'EPSG:3857' });
});

test('bad uploads say what is wrong', () => {
  const code = (r) => r.errors[0] && r.errors[0].code;
  assert.equal(code(siteFromGeoJSONText('{not json')), 'json');
  assert.equal(code(siteFromGeoJSONText('"hello"')), 'not_geojson');
  assert.equal(code(siteFromGeoJSON({ type: 'Topology' })), 'not_geojson');
  assert.equal(code(siteFromGeoJSON({ type: 'FeatureCollection', features: [] })), 'empty');
  assert.equal(code(siteFromGeoJSON({ type: 'FeatureCollection', features: [feature(null)] })), 'empty');
  assert.equal(code(siteFromGeoJSON({ type: 'FeatureCollection', features: [feature(poly()), feature({ type: 'Point', coordinates: [119.8, 31.78] })] })), 'mixed_types');
  assert.equal(code(siteFromGeoJSON({ type: 'Point', coordinates: ['a', 31] })), 'coordinates');
  assert.equal(code(siteFromGeoJSON({ type: 'Polygon', coordinates: 5 })), 'coordinates');
  assert.equal(code(siteFromGeoJSON({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:3857' } }, features: [feature(poly())] })), 'crs_unsupported');
  assert.equal(code(siteFromGeoJSON({ type: 'LineString', coordinates: [[119.8, 31.78], [480000, 3519000]] })), 'crs_unknown');
  const many = Array.from({ length: MAX_VERTICES + 1 }, (_, i) => [119.8 + i * 1e-7, 31.78]);
  assert.equal(code(siteFromGeoJSON({ type: 'LineString', coordinates: many })), 'too_many_vertices');
});

test('a byte-order mark is ignored', () => {
  assert.deepEqual(siteFromGeoJSONText('\uFEFF' + JSON.stringify(poly())).errors, []);
});

test('upload kinds by file name', () => {
  assert.equal(uploadKind('site.geojson'), 'geojson');
  assert.equal(uploadKind('SITE.JSON'), 'geojson');
  assert.equal(uploadKind('parcel.zip'), 'zip');
  assert.equal(uploadKind('parcel.shp'), 'shp');
  assert.equal(uploadKind('parcel.kml'), null);
});

// ------------------------------------------------- the 用地报盘 TXT upload --

// The API's answer for a file of two 地块 (POST /api/v1/sites/parse).
const parsedTwo = {
  type: 'FeatureCollection', encoding: 'GB18030', source_crs: 'EPSG:4528', attributes: { 带号: '40' }, warnings: [],
  features: [
    { type: 'Feature', id: 1, geometry: poly(), properties: { index: 1, reference: 'ZL-2026-001', number: 'ZL-2026-001', name: '甲', use: '', land_code: '', declared_area_ha: 2.75, area_m2: 27500, rings: 1, points: 5, line: 13 } },
    { type: 'Feature', id: 2, geometry: poly(square.map((r) => r.map(([x, y]) => [x + 0.02, y]))), properties: { index: 2, reference: 'ZL-2026-002', number: 'ZL-2026-002', name: '乙', use: '', land_code: '', declared_area_ha: null, area_m2: 10000, rings: 1, points: 5, line: 19 } },
  ],
};

function fakeFetch(status, doc, seen) {
  return async (url, init) => {
    seen.push({ url, init });
    return new Response(JSON.stringify(doc), { status, headers: { 'Content-Type': status < 300 ? 'application/json' : 'application/problem+json' } });
  };
}

test('.txt is a 用地报盘 upload', () => {
  assert.equal(uploadKind('宗地.TXT'), 'txt');
  assert.equal(uploadKind('a.geojson'), 'geojson');
});

test('a 用地报盘 TXT is posted as it is and its 地块 take the GeoJSON path', async () => {
  const seen = [];
  const gbk = new Uint8Array([0x5b, 0xca, 0xf4, 0xd0, 0xd4, 0x5d]); // "[属性" in GBK: sent untouched
  const r = await siteFromTXT(gbk, { fetch: fakeFetch(200, parsedTwo, seen), base: 'http://h' });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url, 'http://h' + PARSE_PATH);
  assert.equal(seen[0].init.method, 'POST');
  assert.equal(seen[0].init.headers['Content-Type'], 'text/plain'); // no charset: the server detects GBK
  assert.equal(seen[0].init.body, gbk);
  assert.deepEqual(r.errors, []);
  assert.equal(r.crs, 'EPSG:4326');
  assert.equal(r.geometry.type, 'MultiPolygon');
  assert.equal(r.count, 2);
  assert.equal(r.reference, null);
  assert.equal(r.parsed.features[1].properties.area_m2, 10000);

  const one = await siteFromTXT('x', { fetch: fakeFetch(200, { ...parsedTwo, features: [parsedTwo.features[0]] }, []) });
  assert.deepEqual(one.geometry, poly());
  assert.equal(one.reference, 'ZL-2026-001');
});

test('a refused 用地报盘 TXT shows the problem detail', async () => {
  const problem = { type: 'urn:ecospace:problem:unsupported-crs', title: 'Coordinate system not read', status: 422,
    detail: '用地报盘 TXT line 5: 坐标系=1980西安坐标系: the 1980 西安 datum …', pointer: '#line=4,5' };
  const r = await siteFromTXT('x', { fetch: fakeFetch(422, problem, []) });
  assert.equal(r.geometry, null);
  assert.deepEqual(r.errors, [{ code: 'txt', params: { detail: problem.detail } }]);

  const down = await siteFromTXT('x', { fetch: async () => { throw new Error('network down'); } });
  assert.deepEqual(down.errors, [{ code: 'txt', params: { detail: 'network down' } }]);
  const html = await siteFromTXT('x', { fetch: async () => new Response('<html>', { status: 502 }) });
  assert.deepEqual(html.errors, [{ code: 'txt', params: { detail: 'HTTP 502' } }]);
});

// Unit tests for reading an uploaded GeoJSON site: node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteFromGeoJSON, siteFromGeoJSONText, crsOf, uploadKind, MAX_VERTICES } from './upload.js';

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

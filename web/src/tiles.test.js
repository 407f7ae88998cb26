// Which layers are drawn from vector tiles, and the ?tiles_above= override:
// node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TILES_ABOVE_DEFAULT, TILES_ABOVE_PARAM, parseTilesAbove, tilesThreshold, isTiled, tiledLayers, tileURLTemplate } from './tiles.js';

// The demo layers' counts, and two imports of province scale.
const LAYERS = [
  { id: 'district', feature_count: 1 },
  { id: 'canal', feature_count: 2 },
  { id: 'green-corridors', feature_count: 5 },
  { id: 'empty', feature_count: 0 },
  { id: 'at-threshold', feature_count: 2000 },
  { id: 'province-zones', feature_count: 5000 },
  { id: 'no-count' },
  { id: 'bad-count', feature_count: '9999' },
];

test('the default tiles only layers above 2 000 features', () => {
  assert.equal(TILES_ABOVE_DEFAULT, 2000);
  assert.deepEqual(tiledLayers(LAYERS, TILES_ABOVE_DEFAULT), ['province-zones']);
  assert.deepEqual(tiledLayers(LAYERS, tilesThreshold('')), ['province-zones']);
});

test('the threshold is exclusive and a layer of unknown size stays GeoJSON', () => {
  assert.equal(isTiled({ feature_count: 2000 }, 2000), false);
  assert.equal(isTiled({ feature_count: 2001 }, 2000), true);
  assert.equal(isTiled({}, 0), false);
  assert.equal(isTiled({ feature_count: '9999' }, 0), false);
  assert.equal(isTiled({ feature_count: 1.5 }, 0), false);
  assert.equal(isTiled(null, 0), false);
  assert.deepEqual(tiledLayers(undefined, 0), []);
});

test('a low override tiles the demo layers, 0 tiles every layer with a feature', () => {
  assert.deepEqual(tiledLayers(LAYERS, tilesThreshold('?tiles_above=1')), ['canal', 'green-corridors', 'at-threshold', 'province-zones']);
  assert.deepEqual(tiledLayers(LAYERS, tilesThreshold('?lang=en&tiles_above=0')), ['district', 'canal', 'green-corridors', 'at-threshold', 'province-zones']);
  assert.deepEqual(tiledLayers(LAYERS, tilesThreshold(new URLSearchParams({ [TILES_ABOVE_PARAM]: '100000' }))), []);
});

test('the override is read from the page query', () => {
  assert.equal(TILES_ABOVE_PARAM, 'tiles_above');
  assert.equal(tilesThreshold('?tiles_above=1'), 1);
  assert.equal(tilesThreshold('tiles_above=250'), 250);
  assert.equal(tilesThreshold(new URLSearchParams('z=13&tiles_above=7')), 7);
  assert.equal(tilesThreshold('?tiles_above=%2042%20'), 42);
  assert.equal(tilesThreshold('?z=13'), TILES_ABOVE_DEFAULT);
  assert.equal(tilesThreshold(undefined), TILES_ABOVE_DEFAULT);
  assert.equal(tilesThreshold('?tiles_above=x', 10), 10);
});

test('bad overrides are ignored', () => {
  for (const bad of ['', ' ', 'abc', '-1', '1.5', '1e3', '0x10', '+5', 'Infinity', 'NaN', '２０', '1,000', '10 20', '9999999999']) {
    assert.equal(parseTilesAbove(bad), null, JSON.stringify(bad));
    assert.equal(tilesThreshold(`?tiles_above=${encodeURIComponent(bad)}`), TILES_ABOVE_DEFAULT, JSON.stringify(bad));
  }
  for (const notString of [null, undefined, 5, {}]) assert.equal(parseTilesAbove(notString), null);
  assert.equal(parseTilesAbove('0'), 0);
  assert.equal(parseTilesAbove('007'), 7);
  assert.equal(parseTilesAbove('123456789'), 123456789);
});

test('tile URLs name the layer escaped, with Leaflet placeholders', () => {
  assert.equal(tileURLTemplate('/api/v1', 'green-corridors'), '/api/v1/layers/green-corridors/tiles/{z}/{x}/{y}.mvt');
  assert.equal(tileURLTemplate('/api/v1', 'a b/{c}'), '/api/v1/layers/a%20b%2F%7Bc%7D/tiles/{z}/{x}/{y}.mvt');
});

// The map's layer styles and roles: node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerStyle, layerRole, legendKey } from './layerstyle.js';

test('each layer says what it is for', () => {
  assert.equal(layerRole({ kind: 'zone', zone_kind: 'green-line' }), 'rules');
  assert.equal(layerRole({ kind: 'distance', zone_kind: 'river-band' }), 'rules');
  assert.equal(layerRole({ kind: 'zone' }), 'informational');
  assert.equal(layerRole({ kind: 'display' }), 'display');
  assert.equal(layerRole({ kind: 'source' }), 'source');
  assert.equal(layerRole({ kind: 'mask' }), 'mask');
  assert.equal(layerRole({ kind: 'coverage' }), 'coverage');
});

test('green-line land and corridors that are not are drawn apart', () => {
  const info = { id: 'green-corridors', kind: 'zone', zone_kind: 'green-line' };
  const gl = layerStyle(info, { green_line: true });
  const co = layerStyle(info, { green_line: false });
  assert.notEqual(gl.fillColor, co.fillColor);
  assert.equal(gl.dashArray, null);
  assert.ok(co.dashArray);
  assert.notEqual(legendKey({ green_line: true }), legendKey({ green_line: false }));
});

test('water surfaces are filled, centre lines are dashed and unfilled', () => {
  const water = layerStyle({ id: 'xinmeng-river', kind: 'source' });
  const line = layerStyle({ id: 'xinmeng-centreline', kind: 'display' });
  assert.ok(water.fillOpacity > 0.5);
  assert.equal(line.fillOpacity, 0);
  assert.ok(line.dashArray);
  // a display layer the map does not know is drawn as a dashed line too
  assert.ok(layerStyle({ id: 'other-line', kind: 'display' }, {}, 3).dashArray);
});

test('a layer the map does not know takes a palette colour by its place', () => {
  const a = layerStyle({ id: 'x', kind: 'zone' }, {}, 0);
  const b = layerStyle({ id: 'y', kind: 'zone' }, {}, 1);
  assert.notEqual(a.color, b.color);
});

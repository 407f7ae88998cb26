// Unit tests for the client-side transforms: node --test web/src/
// Reference values from PROJ: cs2cs -f %.4f EPSG:4490 EPSG:4549
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toEPSG4549, fromEPSG4549, wgs84ToGcj02, gcj02ToWgs84, geometryToLonLat } from './proj.js';

const REF = [
  // lon, lat, easting, northing
  [119.75, 31.8, 476325.5463, 3519702.6391],
  [119.96, 31.74, 496209.6472, 3513023.1503],
  [119.73, 31.85, 474445.3613, 3525251.3831],
  [119.8528, 31.7836, 486058.0333, 3517866.3709],
];

test('EPSG:4549 forward matches PROJ within 1 mm', () => {
  for (const [lon, lat, e, n] of REF) {
    const [x, y] = toEPSG4549(lon, lat);
    assert.ok(Math.abs(x - e) < 0.001 && Math.abs(y - n) < 0.001, `${lon},${lat} → ${x},${y}`);
  }
});

test('EPSG:4549 inverse matches PROJ and round-trips', () => {
  // cs2cs -f %.9f EPSG:4549 EPSG:4490 <<< '3519876.12 480123.45'
  const [lon, lat] = fromEPSG4549(480123.45, 3519876.12);
  assert.ok(Math.abs(lon - 119.790101717) < 1e-8 && Math.abs(lat - 31.801636962) < 1e-8, `${lon},${lat}`);
  for (const [lon0, lat0] of REF) {
    const [l, b] = fromEPSG4549(...toEPSG4549(lon0, lat0));
    assert.ok(Math.abs(l - lon0) < 1e-10 && Math.abs(b - lat0) < 1e-10);
  }
});

test('GCJ-02 moves a Zhonglou point by a few hundred metres, and back', () => {
  const [gl, gb] = wgs84ToGcj02(119.85, 31.79);
  const [x0, y0] = toEPSG4549(119.85, 31.79);
  const [x1, y1] = toEPSG4549(gl, gb);
  assert.ok(x1 - x0 > 400 && x1 - x0 < 500, `east ${x1 - x0}`);
  assert.ok(y0 - y1 > 200 && y0 - y1 < 260, `south ${y0 - y1}`);
  const [l, b] = gcj02ToWgs84(gl, gb);
  assert.ok(Math.abs(l - 119.85) < 1e-9 && Math.abs(b - 31.79) < 1e-9);
  assert.deepEqual(wgs84ToGcj02(2.35, 48.85), [2.35, 48.85]); // outside China: unchanged
});

test('geometryToLonLat converts every position', () => {
  const g = geometryToLonLat({ type: 'LineString', coordinates: [[476325.5463, 3519702.6391], [496209.6472, 3513023.1503]] }, 'EPSG:4549');
  assert.ok(Math.abs(g.coordinates[0][0] - 119.75) < 1e-8);
  assert.ok(Math.abs(g.coordinates[1][1] - 31.74) < 1e-8);
  const same = { type: 'Point', coordinates: [119.8, 31.8] };
  assert.equal(geometryToLonLat(same, 'EPSG:4326'), same);
});

// Planar measures as the API makes them, bearings, boundary points:
// node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ringArea, polygonArea, areaM2, lengthM, centroid4549, bearingDeg, compass, boundaryPoints, xyOf, offsetLonLat, round2, asProjected } from './geom.js';
import { fromEPSG4549, toEPSG4549 } from './proj.js';

// A 300 m × 300 m parcel in EPSG:4549 with a 100 m × 100 m hole, and the
// same in lon/lat.
const sq = [[478400, 3519380], [478700, 3519380], [478700, 3519680], [478400, 3519680], [478400, 3519380]];
const hole = [[478500, 3519480], [478500, 3519580], [478600, 3519580], [478600, 3519480], [478500, 3519480]];
const ll = (ring) => ring.map(([x, y]) => fromEPSG4549(x, y));

test('shoelace area, holes subtracted, either winding', () => {
  assert.equal(ringArea(sq), 90000);
  assert.equal(ringArea([...sq].reverse()), 90000);
  assert.equal(polygonArea([sq, hole]), 80000);
});

test('area of a lon/lat polygon is the area of its EPSG:4549 projection', () => {
  // Projected back and forth the corners move by nanometres: the area
  // agrees to far better than the API's 0.01 m² rounding.
  const g = { type: 'Polygon', coordinates: [ll(sq), ll(hole)] };
  assert.ok(Math.abs(areaM2(g) - 80000) < 1e-4, String(areaM2(g)));
  assert.equal(round2(areaM2(g)), 80000);
  const multi = { type: 'MultiPolygon', coordinates: [[ll(sq)], [ll(hole)]] };
  assert.equal(round2(areaM2(multi)), 100000);
  assert.equal(areaM2({ type: 'Point', coordinates: [119.8, 31.8] }), 0);
  assert.equal(areaM2({ type: 'LineString', coordinates: ll(sq) }), 0);
});

test('length in EPSG:4549 metres: lines, and a polygon by its outer ring', () => {
  const line = { type: 'LineString', coordinates: ll([[478400, 3519380], [478700, 3519380], [478700, 3519780]]) };
  assert.ok(Math.abs(lengthM(line) - 700) < 1e-6);
  assert.ok(Math.abs(lengthM({ type: 'Polygon', coordinates: [ll(sq), ll(hole)] }) - 1200) < 1e-6);
});

test('centroid: of the area, holes and all', () => {
  const c = centroid4549({ type: 'Polygon', coordinates: [ll(sq)] });
  assert.ok(Math.abs(c[0] - 478550) < 1e-6 && Math.abs(c[1] - 3519530) < 1e-6, String(c));
  // A hole in the east half pulls the centroid west.
  const eastHole = [[478600, 3519480], [478600, 3519580], [478700, 3519580], [478700, 3519480], [478600, 3519480]];
  const d = centroid4549({ type: 'Polygon', coordinates: [sq, eastHole] }, asProjected);
  assert.ok(d[0] < 478550 && Math.abs(d[1] - 3519530) < 1e-9, String(d));
  const p = centroid4549({ type: 'Point', coordinates: [119.8, 31.8] });
  assert.deepEqual(p, toEPSG4549(119.8, 31.8));
});

test('bearings and compass points', () => {
  assert.equal(bearingDeg(0, 10), 0);
  assert.equal(bearingDeg(10, 0), 90);
  assert.equal(bearingDeg(0, -10), 180);
  assert.equal(bearingDeg(-10, 0), 270);
  assert.equal(bearingDeg(10, 10), 45);
  assert.equal(compass(95, 'zh'), '东');
  assert.equal(compass(95, 'en'), 'east');
  assert.equal(compass(337.6, 'zh'), '北');
  assert.equal(compass(337.4, 'zh'), '西北');
  assert.equal(compass(-45, 'en'), 'north-west');
  assert.equal(compass(202.5, 'en'), 'south-west');
});

test('boundary points: J1… over rings, X northing and Y easting to the centimetre', () => {
  const rows = boundaryPoints({ type: 'Polygon', coordinates: [sq, hole] }, true);
  assert.equal(rows.length, 8); // the closing vertex is not repeated
  assert.deepEqual(rows[0], { no: 'J1', ring: 1, x: '3519380.00', y: '478400.00' });
  assert.deepEqual(rows[4], { no: 'J5', ring: 2, x: '3519480.00', y: '478500.00' });
  const fromLL = boundaryPoints({ type: 'Polygon', coordinates: [ll(sq)] });
  assert.deepEqual(fromLL.map((r) => `${r.x},${r.y}`), ['3519380.00,478400.00', '3519380.00,478700.00', '3519680.00,478700.00', '3519680.00,478400.00']);
  assert.deepEqual(boundaryPoints({ type: 'Point', coordinates: [119.8, 31.8] }), []);
});

test('xyOf and offsetLonLat', () => {
  const [lon, lat] = fromEPSG4549(480123.45, 3519876.12);
  assert.deepEqual(xyOf(lon, lat), { x: '3519876.12', y: '480123.45' });
  const moved = offsetLonLat([lon, lat], 30, -40);
  const [e, n] = toEPSG4549(moved[0], moved[1]);
  assert.ok(Math.abs(e - 480153.45) < 1e-6 && Math.abs(n - 3519836.12) < 1e-6);
});

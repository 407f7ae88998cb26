// Unit tests for the coordinate-paste parser: node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseCoordinates,
  parseNumber,
  orderProjected,
  toGeometry,
  lineForPointer,
  toHalfWidth,
} from './coords.js';

const codes = (r) => r.errors.map((e) => [e.line, e.code]);

test('lon,lat pairs become a closed polygon in EPSG:4326', () => {
  const r = parseCoordinates('119.80,31.78\n119.81,31.78\n119.81,31.79\n119.80,31.79\n');
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.kind, 'lonlat');
  assert.equal(r.crs, 'EPSG:4326');
  assert.deepEqual(r.geometry, {
    type: 'Polygon',
    coordinates: [[[119.8, 31.78], [119.81, 31.78], [119.81, 31.79], [119.8, 31.79], [119.8, 31.78]]],
  });
  assert.deepEqual(r.lines, [1, 2, 3, 4]);
});

test('an already closed ring is not closed twice', () => {
  const r = parseCoordinates('119.80 31.78\n119.81 31.78\n119.81 31.79\n119.80 31.78');
  assert.equal(r.ok, true);
  assert.equal(r.geometry.coordinates[0].length, 4);
});

test('one point is a Point, two are a LineString', () => {
  assert.deepEqual(parseCoordinates('119.7601, 31.7950').geometry, { type: 'Point', coordinates: [119.7601, 31.795] });
  assert.deepEqual(parseCoordinates('119.76,31.79\n119.77,31.80').geometry, {
    type: 'LineString',
    coordinates: [[119.76, 31.79], [119.77, 31.8]],
  });
});

test('separators: tabs, spaces, semicolons, Chinese and full-width commas, full-width digits', () => {
  const r = parseCoordinates('119.80\t31.78\n119.81；31.78\n１１９．８１，３１．７９\n119.80  ,  31.79');
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.deepEqual(r.points, [[119.8, 31.78], [119.81, 31.78], [119.81, 31.79], [119.8, 31.79]]);
  assert.equal(toHalfWidth('１２３．５'), '123.5');
});

test('degrees-minutes-seconds', () => {
  assert.ok(Math.abs(parseNumber('119°48′30″') - (119 + 48 / 60 + 30 / 3600)) < 1e-12);
  assert.ok(Math.abs(parseNumber("31°47'15.5\"N") - (31 + 47 / 60 + 15.5 / 3600)) < 1e-12);
  assert.ok(Math.abs(parseNumber('31°30.5′') - 31.508333333333333) < 1e-12);
  assert.ok(Math.abs(parseNumber('119.75E') - 119.75) < 1e-12);
  assert.ok(Number.isNaN(parseNumber('31°75′')));
  assert.ok(Number.isNaN(parseNumber('abc')));
  const r = parseCoordinates('119°48′30″E 31°47′15″N');
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.geometry.type, 'Point');
});

test('EPSG:4549 X,Y pairs in survey order (northing first) become easting,northing', () => {
  const text = [
    '点号  X  Y', // header: no digits
    'J1  3519876.12  480123.45',
    'J2  3519876.12  480523.45',
    'J3  3520276.12  480523.45',
    'J4  3520276.12  480123.45',
  ].join('\n');
  const r = parseCoordinates(text);
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.kind, 'projected');
  assert.equal(r.crs, 'EPSG:4549');
  assert.deepEqual(r.points[0], [480123.45, 3519876.12]);
  assert.deepEqual(r.lines, [2, 3, 4, 5]);
  assert.equal(r.geometry.type, 'Polygon');
  assert.equal(r.geometry.coordinates[0].length, 5);
});

test('EPSG:4549 pairs in easting,northing order and with point numbers', () => {
  const r = parseCoordinates('1, 480123.45, 3519876.12\n2, 480523.45, 3519876.12\n3, 480523.45, 3520276.12');
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.deepEqual(r.points, [[480123.45, 3519876.12], [480523.45, 3519876.12], [480523.45, 3520276.12]]);
});

test('the zone prefix 40 is stripped; another zone is an error on its line', () => {
  const ok = parseCoordinates('3519876.12 40480123.45');
  assert.deepEqual(ok.points, [[480123.45, 3519876.12]]);
  const bad = parseCoordinates('3519876.12 40480123.45\n3519876.12 39480123.45');
  assert.deepEqual(codes(bad), [[2, 'zone']]);
  assert.equal(bad.errors[0].params.zone, 39);
  assert.equal(bad.ok, false);
  assert.equal(bad.geometry, null);
});

test('orderProjected tells northing from easting by size', () => {
  assert.deepEqual(orderProjected(3519876, 480123), { point: [480123, 3519876] });
  assert.deepEqual(orderProjected(480123, 3519876), { point: [480123, 3519876] });
  assert.equal(orderProjected(3519876, 3519877).error, 'axes');
  assert.equal(orderProjected(480123, 480124).error, 'axes');
});

test('bad lines are reported by their line number', () => {
  const text = [
    '119.80,31.78', // 1
    '', // 2 blank: skipped
    '119.81,abc', // 3 bad number
    '# a comment', // 4 skipped
    '119.81', // 5 one number
    '31.79,119.81', // 6 lat,lon
    '119.80,31.79,12,3', // 7 too many
    '500,31.7', // 8 neither degrees nor metres
    '119.8,95', // 9 latitude out of range
  ].join('\n');
  const r = parseCoordinates(text);
  assert.equal(r.ok, false);
  assert.deepEqual(codes(r), [
    [3, 'number'],
    [5, 'count'],
    [6, 'swapped'],
    [7, 'count'],
    [8, 'unknown'],
    [9, 'range'],
  ]);
  assert.equal(r.errors[0].params.token, 'abc');
  assert.equal(r.errors[0].params.line, 3);
  assert.equal(r.errors[0].params.text, '119.81,abc');
  assert.equal(r.geometry, null);
});

test('a lat,lon pair below 90 is still caught as swapped in China', () => {
  const r = parseCoordinates('31.79 80.5');
  assert.deepEqual(codes(r), [[1, 'swapped']]);
  assert.deepEqual(codes(parseCoordinates('170,95')), [[1, 'range']]);
});

test('mixing degrees and metres is reported on the odd line', () => {
  const r = parseCoordinates('119.80,31.78\n3519876.12 480123.45\n119.81,31.79');
  assert.deepEqual(codes(r), [[2, 'mixed']]);
  assert.equal(r.errors[0].params.first, 1);
});

test('a forced mode rejects the other kind of numbers', () => {
  assert.deepEqual(codes(parseCoordinates('119.80,31.78', { mode: 'epsg4549' })), [[1, 'expected_projected']]);
  assert.deepEqual(codes(parseCoordinates('3519876.12 480123.45', { mode: 'lonlat' })), [[1, 'expected_lonlat']]);
  const g = parseCoordinates('119.80,31.78', { mode: 'gcj02' });
  assert.equal(g.crs, 'GCJ-02');
  assert.throws(() => parseCoordinates('1,2', { mode: 'nope' }));
});

test('empty input, a header only, and a header later in the text', () => {
  assert.deepEqual(codes(parseCoordinates('')), [[0, 'empty']]);
  assert.deepEqual(codes(parseCoordinates('\n  \n')), [[0, 'empty']]);
  assert.deepEqual(codes(parseCoordinates('经度,纬度')), [[0, 'empty']]);
  assert.deepEqual(codes(parseCoordinates('119.80,31.78\nlon,lat')), [[2, 'number']]);
});

test('Windows line endings keep line numbers', () => {
  const r = parseCoordinates('119.80,31.78\r\nxx 1 2 3 4\r\n119.81,31.79');
  assert.deepEqual(codes(r), [[2, 'count']]);
});

test('a repeated point and a degenerate polygon', () => {
  assert.deepEqual(codes(parseCoordinates('119.80,31.78\n119.80,31.78\n119.81,31.79')), [[2, 'repeated']]);
  assert.equal(toGeometry([[1, 1], [2, 2], [1, 1]]).error, 'too_few');
});

test('lineForPointer maps a vertex in a server error back to its paste line', () => {
  const r = parseCoordinates('# site\n119.80,31.78\n119.81,31.78\n119.81,31.79\n119.80,31.79');
  assert.equal(lineForPointer('/geometry/coordinates/0/0', r), 2);
  assert.equal(lineForPointer('/geometry/coordinates/0/3', r), 5);
  assert.equal(lineForPointer('/geometry/coordinates/0/4', r), 2); // closing vertex
  assert.equal(lineForPointer('/geometry/coordinates/1/0', r), 0); // no such ring
  assert.equal(lineForPointer('/category', r), 0);
  const l = parseCoordinates('119.76,31.79\n119.77,31.80');
  assert.equal(lineForPointer('/geometry/coordinates/1', l), 2);
  const p = parseCoordinates('\n119.76,31.79');
  assert.equal(lineForPointer('/geometry/coordinates', p), 2);
});

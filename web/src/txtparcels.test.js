// The 地块 list of an uploaded TXT and the batch answer read back: node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { txtRows, batchPath, readBatchLines, compactResult, batchCounts } from './txtparcels.js';

const parsed = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', id: 1, geometry: { type: 'Polygon', coordinates: [] }, properties: { index: 1, reference: 'ZL-2026-001', number: 'ZL-2026-001', name: '钟楼示意地块一', use: '工业用地', area_m2: 27500 } },
    { type: 'Feature', id: 2, geometry: { type: 'Polygon', coordinates: [] }, properties: { index: 2, reference: '新孟河边示意地块', number: '', name: '新孟河边示意地块', area_m2: 10000 } },
    { type: 'Feature', id: 3, geometry: { type: 'Polygon', coordinates: [] }, properties: { index: 3, reference: '3', number: '', name: '' } },
  ],
};

test('txtRows lists each 地块 with its number, name and area', () => {
  const rows = txtRows(parsed);
  assert.equal(rows.length, 3);
  assert.deepEqual(
    rows.map((r) => [r.index, r.number, r.name, r.reference, r.area_m2, r.mu]),
    [
      [1, 'ZL-2026-001', '钟楼示意地块一', 'ZL-2026-001', 27500, 41.25],
      [2, '', '新孟河边示意地块', '新孟河边示意地块', 10000, 15],
      [3, '', '', '3', null, null],
    ],
  );
  assert.equal(rows[0].feature, parsed.features[0]);
  assert.deepEqual(txtRows(null), []);
  assert.deepEqual(txtRows({ features: 'x' }), []);
});

test('batchPath carries category, date and facts', () => {
  assert.equal(batchPath('chemical'), '/checks/batch?category=chemical');
  assert.equal(batchPath('chemical', '2026-06-01', { emits_n_p: true, x: false }), '/checks/batch?category=chemical&as_of=2026-06-01&fact=emits_n_p%3Dtrue&fact=x%3Dfalse');
});

test('readBatchLines reads JSON Lines in index order and names bad lines', () => {
  const text = [
    '{"index":1,"reference":"B","problem":{"title":"Invalid geometry","detail":"ring 1 crosses itself"}}',
    '',
    '{"index":0,"reference":"A","check":{"verdict":"prohibited","check_id":"c1"}}',
    'not json',
    '{"reference":"C"}',
    '',
  ].join('\n');
  const { results, errors } = readBatchLines(text);
  assert.deepEqual(results.map((r) => r.reference), ['A', 'B']);
  assert.deepEqual(errors.map((e) => e.line), [4, 5]);
  assert.deepEqual(compactResult(results[0]), { verdict: 'prohibited', check: results[0].check });
  assert.deepEqual(compactResult(results[1]), { problem: 'ring 1 crosses itself' });
  assert.deepEqual(compactResult({ index: 2, problem: { title: 'T' } }), { problem: 'T' });
  assert.deepEqual(batchCounts(results), { prohibited: 1, problem: 1 });
  assert.deepEqual(readBatchLines(''), { results: [], errors: [] });
});

test('filePointsOf names boundary points and gives the file\'s X/Y by position, else J1… and computed X/Y', async () => {
  const { filePointsOf } = await import('./txtparcels.js');
  const { boundaryPoints, xyOf } = await import('./geom.js');
  const outer = [[119.9, 31.78], [119.902, 31.78], [119.902, 31.781], [119.9, 31.781], [119.9, 31.78]];
  const hole = [[119.9005, 31.7802], [119.9005, 31.7805], [119.901, 31.7805], [119.9005, 31.7802]];
  const g = { type: 'Polygon', coordinates: [outer, hole] };
  const metres = [
    [[3517400.123, 490400.456], [3517400, 490600], [3517500, 490600], [3517500, 490400]],
    [[3517420, 490450], [3517450, 490450], [3517450, 490500.5]],
  ];
  const f = { type: 'Feature', geometry: g, properties: { point_names: [['A1', 'A2', 'A3', 'A4'], ['B1', 'B2', 'B3']], points_4549: metres } };
  const file = filePointsOf(f);
  assert.ok(file && file.named && file.measured);
  const rows = boundaryPoints(g, false, file.pointOf);
  assert.deepEqual(rows.map((r) => `${r.ring}:${r.no}`), ['1:A1', '1:A2', '1:A3', '1:A4', '2:B1', '2:B2', '2:B3']);
  // X / Y are the file's, to the millimetre, not the lon/lat's.
  assert.deepEqual(rows[0], { no: 'A1', ring: 1, x: '3517400.123', y: '490400.456' });
  assert.deepEqual(rows[6], { no: 'B3', ring: 2, x: '3517450.000', y: '490500.500' });
  // The answer's echo starting at another vertex keeps each point's name and metres.
  const echoed = { type: 'Polygon', coordinates: [[outer[2], outer[3], outer[0], outer[1], outer[2]], hole] };
  const again = boundaryPoints(echoed, false, file.pointOf);
  assert.deepEqual(again.map((r) => r.no), ['A3', 'A4', 'A1', 'A2', 'B1', 'B2', 'B3']);
  assert.deepEqual(again[2], rows[0]);
  // Names without metres: the names, X / Y computed; metres without names: J1… at the file's X / Y.
  const namesOnly = filePointsOf({ ...f, properties: { point_names: f.properties.point_names } });
  assert.ok(namesOnly.named && !namesOnly.measured);
  assert.deepEqual(boundaryPoints(g, false, namesOnly.pointOf)[0], { no: 'A1', ring: 1, ...xyOf(outer[0][0], outer[0][1]) });
  const metresOnly = filePointsOf({ ...f, properties: { points_4549: metres } });
  assert.ok(!metresOnly.named && metresOnly.measured);
  assert.deepEqual(boundaryPoints(g, false, metresOnly.pointOf)[0], { no: 'J1', ring: 1, x: '3517400.123', y: '490400.456' });
  // Nothing, or nothing that fits ring for ring: J1… at computed X / Y.
  assert.equal(filePointsOf({ type: 'Feature', geometry: g, properties: {} }), null);
  assert.equal(filePointsOf({ ...f, properties: { point_names: [['A1', 'A2', 'A3']] } }), null);
  assert.equal(filePointsOf({ ...f, properties: { point_names: [['A1', 'A2', 'A3'], ['B1', 'B2', 'B3']] } }), null);
  assert.equal(filePointsOf({ ...f, properties: { points_4549: [metres[0], metres[1].slice(1)] } }), null);
  assert.equal(filePointsOf({ ...f, properties: { points_4549: [metres[0], [[1, 2], [3, 'x'], [5, 6]]] } }), null);
  assert.deepEqual(boundaryPoints(g).map((r) => r.no), ['J1', 'J2', 'J3', 'J4', 'J5', 'J6', 'J7']);
  // A vertex the file does not know is numbered, its X / Y computed.
  const other = { type: 'Polygon', coordinates: [[[119.8, 31.7], ...outer.slice(1, 4), [119.8, 31.7]]] };
  const mixed = boundaryPoints(other, false, file.pointOf);
  assert.deepEqual(mixed.map((r) => r.no), ['J1', 'A2', 'A3', 'A4']);
  assert.deepEqual(mixed[0], { no: 'J1', ring: 1, ...xyOf(119.8, 31.7) });
});

test('txtSlice cuts a file to one 地块 at the header lines, bytes as they are', async () => {
  const { txtSlice, checkPath } = await import('./txtparcels.js');
  const { readFileSync } = await import('node:fs');
  const bytes = new Uint8Array(readFileSync(new URL('../../data/demo/parcels-sample.txt', import.meta.url)));
  const dec = new TextDecoder('gbk');
  const text = dec.decode(bytes);
  const lines = text.split('\n');
  const headers = lines.map((l, i) => (l.trimEnd().endsWith('@') ? i + 1 : 0)).filter(Boolean);
  assert.equal(headers.length, 2);
  const one = dec.decode(txtSlice(bytes, headers, 1));
  const two = dec.decode(txtSlice(bytes, headers, 2));
  const pre = lines.slice(0, headers[0] - 1).join('\n') + '\n';
  assert.ok(pre.includes('[属性描述]') && pre.includes('[地块坐标]'));
  assert.equal(one, pre + lines.slice(headers[0] - 1, headers[1] - 1).join('\n') + '\n');
  assert.equal(two, pre + lines.slice(headers[1] - 1).join('\n'));
  assert.ok(one.includes('ZL-2026-001') && !one.includes('ZL-2026-002'));
  assert.ok(two.includes('ZL-2026-002') && !two.includes('ZL-2026-001'));
  assert.ok(one.includes('\r\n'), 'CRLF kept');
  // Header lines that do not fit the file: no slice.
  assert.equal(txtSlice(bytes, headers, 3), null);
  assert.equal(txtSlice(bytes, [headers[1], headers[0]], 1), null);
  assert.equal(txtSlice(bytes, [headers[0], 10000], 1), null);
  assert.equal(checkPath('chemical', '', { f: true }, 'ZL-1'), '/checks?category=chemical&fact=f%3Dtrue&reference=ZL-1');
});

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

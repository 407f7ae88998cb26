// node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepFacts, factsParam, parseFactsParam, citationStatus, citationRef, questionOutcomes, dataStatus, roundDistance, roundArea } from './answer.js';

const chemical = { id: 'chemical', facts: ['emits_n_p'] };

test('declared facts are kept per category', () => {
  assert.deepEqual(keepFacts({ emits_n_p: true, hazardous_goods: false }, chemical), { emits_n_p: true });
  assert.deepEqual(keepFacts({ emits_n_p: 'yes' }, chemical), {});
  assert.deepEqual(keepFacts({ emits_n_p: false }, { id: 'residential', facts: [] }), {});
  assert.deepEqual(keepFacts(null, undefined), {});
});

test('facts travel in the URL and back', () => {
  const f = { hazardous_goods: false, emits_n_p: true };
  assert.equal(factsParam(f), 'emits_n_p:1,hazardous_goods:0');
  assert.deepEqual(parseFactsParam(factsParam(f)), f);
  assert.deepEqual(parseFactsParam('emits_n_p:2,x y:1,,discharges_to_water:0'), { discharges_to_water: false });
  assert.equal(factsParam({}), '');
});

test('a citation has two statuses', () => {
  assert.deepEqual(citationStatus({ quote_status: 'read', application: 'settled' }), { quote: 'read', application: 'settled' });
  assert.deepEqual(citationStatus({ quote_status: 'to_verify', application: 'interpretation' }), { quote: 'to_verify', application: 'interpretation' });
  assert.deepEqual(citationStatus({}), { quote: 'to_verify', application: 'to_verify' });
  assert.equal(citationRef({ title: '《太湖流域管理条例》', article: '第三十条', item: '（五）' }), '《太湖流域管理条例》 第三十条（五）');
  assert.equal(citationRef({ document: 'district-plan', article: '', item: '' }), '《district-plan》');
});

test('a question says what each answer gives', () => {
  const q = { id: 'emits_n_p', if_true: { verdict: 'prohibited', rule_id: 'r1', citation: { title: '《甲》', article: '', item: '（一）' } }, if_false: { verdict: 'restricted', rule_id: 'r2' } };
  assert.deepEqual(questionOutcomes(q), { yes: { verdict: 'prohibited', rule: 'r1', ref: '《甲》 （一）' }, no: { verdict: 'restricted', rule: 'r2', ref: '' } });
});

test('data status and rounding', () => {
  assert.equal(dataStatus({ data_status: 'official' }), 'official');
  assert.equal(dataStatus({}), 'illustrative');
  assert.equal(roundDistance(157.32318828278125), 157.323);
  assert.equal(roundArea(1234.567891), 1234.5679);
});

test('an answer as GeoJSON: the site with its verdict, each hit, the conflicts', async () => {
  const { answerGeoJSON, exportName } = await import('./answer.js');
  const r = {
    check_id: 'c1', category: 'chemical', verdict: 'prohibited', decision_hash: 'sha256:x', as_of: '2026-06-01',
    site: { type: 'Point', coordinates: [119.76, 31.8] },
    hits: [{ layer: 'xinmeng-band', zone_id: 'z', effect: 'prohibited', rule_id: 'r', relation: 'within_distance', distance_m: 500 }],
    conflicts: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [119.76, 31.8] }, properties: { layer: 'xinmeng-band' } }] },
  };
  const fc = answerGeoJSON(r);
  assert.equal(fc.type, 'FeatureCollection');
  assert.deepEqual(fc.features.map((f) => f.properties.role), ['site', 'hit', 'conflict']);
  assert.equal(fc.features[0].properties.verdict, 'prohibited');
  assert.equal(fc.features[0].properties.decision_hash, 'sha256:x');
  assert.deepEqual(fc.features[0].geometry, r.site);
  assert.equal(fc.features[1].properties.distance_m, 500);
  assert.equal(exportName(r), 'ecospace-c1.geojson');
});

test('recent checks: newest first, once per check, at most 20', async () => {
  const { addRecent } = await import('./answer.js');
  let list = [];
  for (let i = 0; i < 25; i++) list = addRecent(list, { check_id: `c${i}`, verdict: 'allowed' });
  assert.equal(list.length, 20);
  assert.equal(list[0].check_id, 'c24');
  list = addRecent(list, { check_id: 'c10', verdict: 'prohibited' });
  assert.equal(list[0].check_id, 'c10');
  assert.equal(list.filter((x) => x.check_id === 'c10').length, 1);
  assert.equal(addRecent(list, { verdict: 'allowed' }), list, 'an answer without a check id is not kept');
});

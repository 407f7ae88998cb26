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

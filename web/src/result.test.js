// The result panel without a browser: a fake h() builds plain objects.
// node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultNodes } from './result.js';
import { t as translate } from './messages.js';

function h(tag, attrs, ...children) {
  return { tag, attrs: attrs || {}, children: children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false) };
}
const all = (nodes) => nodes.flatMap((n) => (n && typeof n === 'object' ? [n, ...all(n.children)] : []));
const text = (n) => (typeof n === 'string' ? n : (n.attrs.text || '') + n.children.map(text).join(''));
const find = (nodes, pred) => all(nodes).filter(pred);

function ctx(lang, calls) {
  const t = (k, p) => translate(lang, k, p);
  return {
    h, t, lang,
    text2: (v) => (typeof v === 'string' ? v : (v && (v[lang] || v.zh)) || ''),
    label: (p, v) => t(`${p}.${v}`),
    num: (v) => String(v),
    pct: (r) => `${r * 100}%`,
    distanceText: (d) => `${d} m`,
    dateTime: (s) => s,
    siteDescription: () => 'site',
    shareBlock: () => h('div', { class: 'share' }),
    categories: [{ id: 'chemical', name: { zh: '化工项目', en: 'Chemical' }, facts: ['emits_n_p'] }],
    factDefs: [{ id: 'emits_n_p', name: { zh: '排放含磷、氮等污染物', en: 'Emits N/P' } }],
    layerById: new Map(),
    onFocus: () => {},
    onAnswer: (id, v) => calls.push(['answer', id, v]),
    onForget: (id) => calls.push(['forget', id]),
  };
}

const cite = { document: 'js-taihu', title: '《江苏省太湖水污染防治条例》', article: '', item: '（一）', quote: '电镀', read_in: '', quote_status: 'to_verify', application: 'settled', note: { zh: '未读全文', en: 'Not read in full' } };
const answer = {
  check_id: 'c1', verdict: 'restricted', deciding_rule: 'taihu-tier.tier-3.chemical.if-not-emits_n_p@2023-01-01',
  data_status: 'illustrative', data_status_note: { zh: '示意数据说明', en: 'Illustrative note' },
  category: 'chemical', facts: { discharges_to_water: false },
  hits: [{ layer: 'taihu-tier', zone_id: 'z', zone_name: { zh: '三级', en: 'Tier 3' }, subzone: 'tier-3', relation: 'inside', distance_m: 0, overlap_m2: 0, overlap_ratio: 1,
    effect: 'restricted', rule_id: 'taihu-tier.tier-3.chemical.if-not-emits_n_p@2023-01-01', condition: { zh: '条件', en: 'Condition' },
    citations: [{ ...cite, document: 'district-plan', title: '《规划》', quote: '从严管理园外化工企业', application: 'interpretation' }, { ...cite, document: 'taihu-basin', title: '《太湖流域管理条例》', article: '第六条', item: '', quote_status: 'read', read_in: 'LawRefBook/Laws', note: undefined }],
    open_facts: ['emits_n_p'] }],
  questions: [{ id: 'emits_n_p', name: { zh: '排放含磷、氮等污染物', en: 'Emits N/P' }, question: { zh: '是否排放含磷、氮？', en: 'Does it emit N/P?' },
    if_true: { verdict: 'prohibited', rule_id: 'taihu-tier.chemical.if-emits_n_p', citation: cite }, if_false: { verdict: 'restricted', rule_id: 'r2' } }],
  absent: [{ id: 'eco-red-line', name: { zh: '生态保护红线', en: 'Ecological protection red line' }, citation: { ...cite, document: 'district-plan', quote: '钟楼区境内无生态红线' } }],
  layers: [{ id: 'taihu-tier', version: 1, valid_from: '2020-01-08', status: 'illustrative' }],
};

test('the data status stands beside the verdict, with its note', () => {
  const nodes = resultNodes(answer, ctx('zh', []));
  const row = find(nodes, (n) => n.attrs.class === 'verdict-row')[0];
  const tag = find([row], (n) => n.attrs.id === 'data-status')[0];
  assert.equal(tag.attrs.text, '示意数据');
  assert.equal(tag.attrs.dataset.status, 'illustrative');
  assert.equal(find(nodes, (n) => n.attrs.id === 'data-status-note')[0].attrs.text, '示意数据说明');
  const official = resultNodes({ ...answer, data_status: 'official', data_status_note: undefined }, ctx('en', []));
  assert.equal(find(official, (n) => n.attrs.id === 'data-status')[0].attrs.text, 'Official data');
  assert.equal(find(official, (n) => n.attrs.id === 'data-status-note').length, 0);
});

test('the questionnaire asks each open question and answers check again', () => {
  const calls = [];
  const nodes = resultNodes(answer, ctx('zh', calls));
  const qs = find(nodes, (n) => n.attrs['data-testid'] === 'question');
  assert.equal(qs.length, 1);
  assert.match(text(qs[0]), /是否排放含磷、氮？/);
  assert.match(text(qs[0]), /是 → 禁止.*taihu-tier\.chemical\.if-emits_n_p/);
  assert.match(text(qs[0]), /否 → 限制/);
  const [yes, no] = find([qs[0]], (n) => n.tag === 'button');
  yes.attrs.onclick();
  no.attrs.onclick();
  assert.deepEqual(calls, [['answer', 'emits_n_p', true], ['answer', 'emits_n_p', false]]);
  // the declared fact, with a way to take it back
  const facts = find(nodes, (n) => n.attrs['data-testid'] === 'facts')[0];
  assert.match(text(facts), /discharges_to_water：否/);
  find([facts], (n) => n.tag === 'button')[0].attrs.onclick();
  assert.deepEqual(calls.at(-1), ['forget', 'discharges_to_water']);
  // no questions, no questionnaire
  assert.equal(find(resultNodes({ ...answer, questions: [] }, ctx('zh', [])), (n) => n.attrs['data-testid'] === 'questions').length, 0);
});

test('every citation shows both statuses, its note and where it was read', () => {
  const nodes = resultNodes(answer, ctx('en', []));
  const cites = find(nodes, (n) => n.attrs.class === 'citation');
  // two on the hit, one for the absent red line
  assert.equal(cites.length, 3);
  assert.deepEqual(cites[0].attrs.dataset, { quoteStatus: 'to_verify', application: 'interpretation' });
  assert.match(text(cites[0]), /Quote to verify.*Application: interpretation/);
  assert.match(text(cites[0]), /Not read in full/);
  assert.match(text(cites[1]), /《太湖流域管理条例》 第六条.*Quote read.*Application settled.*Read in: LawRefBook\/Laws/);
  const hit = find(nodes, (n) => n.attrs['data-testid'] === 'hit')[0];
  assert.match(hit.attrs.class, /deciding/);
});

test("the layers known absent are listed with the plan's words", () => {
  const nodes = resultNodes(answer, ctx('zh', []));
  const absent = find(nodes, (n) => n.attrs['data-testid'] === 'absent')[0];
  assert.match(text(absent), /生态保护红线.*钟楼区境内无生态红线/);
  const meta = find(nodes, (n) => n.attrs.id === 'meta-data-status')[0];
  assert.equal(meta.attrs.text, '示意数据');
});

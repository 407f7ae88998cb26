// The message table: both languages have every label, and every error code
// the parsers can return has a message: node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MESSAGES, t } from './messages.js';

test('zh and en have the same keys', () => {
  const zh = Object.keys(MESSAGES.zh).sort();
  const en = Object.keys(MESSAGES.en).sort();
  assert.deepEqual(zh.filter((k) => !en.includes(k)), [], 'missing in en');
  assert.deepEqual(en.filter((k) => !zh.includes(k)), [], 'missing in zh');
});

test('every parser error code has a message', () => {
  const codes = (file, re) => [...readFileSync(new URL(file, import.meta.url), 'utf8').matchAll(re)].map((m) => m[1]);
  const coords = new Set(codes('./coords.js', /(?:err\(|error: |code: )'([a-z_]+)'/g));
  for (const c of ['number', 'count', 'unknown', 'swapped', 'range', 'mixed', 'expected_projected', 'expected_lonlat', 'axes', 'zone', 'empty', 'repeated', 'too_few']) coords.add(c);
  for (const c of coords) assert.ok(MESSAGES.zh[`coords.${c}`], `coords.${c}`);
  const upload = codes('./upload.js', /fail\('([a-z_]+)'/g);
  assert.ok(upload.length > 5);
  for (const c of [...upload, 'json', 'zone']) assert.ok(MESSAGES.zh[`upload.${c}`], `upload.${c}`);
});

test('every data-i18n key in index.html exists', () => {
  const html = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
  const keys = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]);
  for (const m of html.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of m[1].split(';')) keys.push(pair.split(':')[1]);
  assert.ok(keys.length > 20);
  for (const k of keys) assert.ok(MESSAGES.zh[k] && MESSAGES.en[k], k);
});

test('t fills placeholders and falls back', () => {
  assert.equal(t('zh', 'coords.number', { line: 3, token: 'abc' }), '第3行：“abc”不是数字。');
  assert.equal(t('en', 'coords.number', { line: 3, token: 'abc' }), 'Line 3: “abc” is not a number.');
  assert.equal(t('en', 'verdict.prohibited'), 'Prohibited');
  assert.equal(t('zh', 'verdict.outside_coverage'), '不在范围内');
  assert.equal(t('fr', 'verdict.allowed'), '允许');
  assert.equal(t('zh', 'no.such.key'), 'no.such.key');
});

test('plurals: English counts one and many, formatted counts too; Chinese has one form', async () => {
  const { pluralCategory } = await import('./messages.js');
  assert.equal(t('en', 'legend.features', { n: 1 }), '1 feature');
  assert.equal(t('en', 'legend.features', { n: '1,234' }), '1,234 features');
  assert.equal(t('en', 'legend.features', { n: 0 }), '0 features');
  assert.equal(t('zh', 'legend.features', { n: 1 }), '1 个要素');
  assert.equal(t('en', 'matrix.questions_n', { n: 2 }), '2 questions');
  assert.equal(t('en', 'consulted.rules_value', { n: 1, v: 'v1' }).startsWith('rules version v1: the 1 rule'), true);
  assert.equal(pluralCategory('en', '1'), 'one');
  assert.equal(pluralCategory('en', 'x'), 'other');
  // Every plural message has its 'other' form, in both tables.
  for (const lang of ['zh', 'en']) {
    for (const [k, v] of Object.entries(MESSAGES[lang])) if (typeof v === 'object') assert.ok(typeof v.other === 'string', `${lang} ${k}`);
  }
});

test('dates: one ISO-like form in both languages', async () => {
  const { isoDateTime } = await import('./format.js');
  const d = new Date(2026, 11, 6, 9, 5, 7);
  assert.equal(isoDateTime(d), '2026-12-06 09:05:07');
  assert.equal(isoDateTime(d.toISOString()), '2026-12-06 09:05:07');
  assert.equal(isoDateTime('not a date'), 'not a date');
});

// The basemap choices from /api/v1/config: node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basemapChoices, tiandituURL } from './basemaps.js';

test('the plain offline ground is always offered, first', () => {
  assert.deepEqual(basemapChoices(null), [{ id: 'plain' }]);
  assert.deepEqual(basemapChoices({ basemap: null }), [{ id: 'plain' }]);
});

test('the configured basemap, a list of sources, and Tianditu with a key', () => {
  const c = basemapChoices({
    basemap: { url: 'https://tile.example/{z}/{x}/{y}.png', attribution: 'x' },
    basemaps: [{ id: 'osm', name: { zh: '开放街图', en: 'OSM' }, url: 'https://osm/{z}/{x}/{y}.png' }, { id: 'broken' }],
    tianditu_key: 'k&1',
  });
  assert.deepEqual(c.map((x) => x.id), ['plain', 'osm', 'configured', 'tianditu-vec', 'tianditu-img']);
  assert.equal(c[1].label.en, 'OSM');
  assert.equal(c[2].url, 'https://tile.example/{z}/{x}/{y}.png');
  assert.equal(c[3].subdomains, '01234567');
  assert.ok(c[4].url.includes('LAYER=img') && c[4].url.endsWith('tk=k%261'));
});

test('Tianditu URLs are XYZ templates of its web-Mercator WMTS', () => {
  const u = tiandituURL('vec', 'KEY');
  for (const part of ['t{s}.tianditu.gov.cn/vec_w/wmts', 'TILEMATRIXSET=w', 'TILEMATRIX={z}', 'TILEROW={y}', 'TILECOL={x}', 'tk=KEY']) assert.ok(u.includes(part), part);
});

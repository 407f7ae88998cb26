// Shared state of the map page and the small helpers every module uses:
// the DOM builder h, the label function t and the number and date
// formats of the current language.

import { t as translate, LANGS } from './messages.js';
import { tilesThreshold } from './tiles.js';
import { parseFactsParam } from './answer.js';
import { isoDateTime } from './format.js';

export const API = '/api/v1';
export const DEFAULT_BBOX = [119.73, 31.74, 119.96, 31.85]; // Zhonglou District

export const params = new URLSearchParams(location.search);
export const state = {
  lang: LANGS.includes(params.get('lang')) ? params.get('lang') : 'zh',
  config: null,
  layers: [], // from /layers, in API order
  layerById: new Map(),
  overlays: new Map(), // id → {group, tiled, visible, bucket, status, error, features}
  tilesAbove: tilesThreshold(params), // layers with more features are drawn from vector tiles
  hidden: new Set((params.get('off') || '').split(',').filter(Boolean)),
  categories: [],
  factDefs: [], // the facts a check may declare, with their questions (GET /categories)
  facts: parseFactsParam(params.get('facts')), // declared facts about the project: id → true | false
  site: null, // {geometry, crs, display, source, fileName, parsed, reference}
  autoReference: '', // what the map put in #reference for the site (see setSite)
  result: null,
  error: null, // {field, items: [{key, params} | {text}]}
  tool: null,
  checking: null, // AbortController of the running check
  pendingCategory: params.get('cat') || '',
};

export const $ = (sel) => document.querySelector(sel);
export const t = (key, p) => translate(state.lang, key, p);

/** Builds an element: h('li', {class: 'x', dataset: {a: 1}}, 'text', child). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const locale = () => (state.lang === 'zh' ? 'zh-CN' : 'en-GB');
export function num(v, digits = 0) {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  return Number(v).toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
export function distanceText(d) {
  // to the millimetre, as the API rounds it
  if (d === undefined || d === null) return '–';
  return t('distance.value', { d: num(d, 3) });
}
export function pct(ratio) {
  if (ratio === undefined || ratio === null) return '–';
  return num(ratio * 100, ratio < 0.001 ? 3 : 1) + '%';
}
export function text2(v) {
  // A {zh, en} object (or a plain string) in the current language.
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return v[state.lang] || v.zh || v.en || '';
}
/** A time in the form of format.js's isoDateTime ('–' when there is none). */
export function dateTime(s) {
  return s ? isoDateTime(s) : '–';
}
export function label(prefix, value) {
  const key = `${prefix}.${value}`;
  const s = t(key);
  return s === key ? String(value) : s;
}


// Error messages, each shown next to the input that caused it.

import { $, h, t, state } from './state.js';
import { lineForPointer } from './coords.js';

export const FIELDS = {
  category: { box: '#category-field', input: '#category' },
  site: { box: '#tools-field', input: null },
  upload: { box: '#upload-field', input: '#upload-file' },
  paste: { box: '#paste-field', input: '#paste' },
  options: { box: '#options-field', input: '#as-of' },
  check: { box: '#result-panel', input: null },
};

export function showError(field, items) {
  state.error = { field, items };
  renderError();
}

export function clearError() {
  state.error = null;
  renderError();
}

export function renderError() {
  const el = $('#error');
  document.querySelectorAll('[aria-invalid="true"]').forEach((x) => x.removeAttribute('aria-invalid'));
  document.querySelectorAll('.field.has-error, .panel.has-error').forEach((x) => x.classList.remove('has-error'));
  if (!state.error) {
    el.hidden = true;
    el.replaceChildren();
    el.removeAttribute('data-field');
    return;
  }
  const { field, items } = state.error;
  const f = FIELDS[field] || FIELDS.site;
  const box = $(f.box);
  // The message sits next to the input that caused it.
  if (el.parentElement !== box) box.append(el);
  if (box.tagName === 'DETAILS') box.open = true;
  box.classList.add('has-error');
  el.dataset.field = field;
  el.replaceChildren(...items.map((it) => h('p', { text: it.text !== undefined ? it.text : t(it.key, it.params) })));
  el.hidden = false;
  if (f.input) {
    const input = $(f.input);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-errormessage', 'error');
  }
}

// Where a problem+json error belongs, and its text with paste line numbers.
export function showProblem(err, site) {
  const prob = err.problem || {};
  const siteField = site ? { point: 'site', draw: 'site', upload: 'upload', paste: 'paste', shared: 'check' }[site.source] || 'site' : 'site';
  const fieldFor = (pointer) => {
    if (!pointer) return siteField;
    // A JSON body's members, or the query of a text/plain (TXT) check.
    if (pointer.startsWith('/category') || pointer.startsWith('?category')) return 'category';
    if (/^(\/as_of|\/reference|\?as_of|\?reference|\?fact)/.test(pointer)) return 'options';
    return siteField;
  };
  const itemFor = (pointer, detail) => {
    const line = site && site.source === 'paste' ? lineForPointer(pointer, site.parsed) : 0;
    return line ? { key: 'error.line', params: { line, detail } } : { text: detail };
  };
  const items = [];
  const main = prob.detail || prob.title || err.message;
  let field = fieldFor(prob.pointer);
  if (Array.isArray(prob.errors) && prob.errors.length > 0) {
    if (!prob.pointer) field = fieldFor(prob.errors[0].pointer);
    if (main && !prob.errors.some((e) => e.detail === main)) items.push({ text: main });
    for (const e of prob.errors) items.push(itemFor(e.pointer, e.detail || ''));
  } else {
    items.push(itemFor(prob.pointer, main));
  }
  showError(field, items);
}


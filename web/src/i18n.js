// The language toggle: static labels from data-i18n attributes and a
// redraw of everything that speaks.

import { $, t, distanceText, state } from './state.js';
import { map, nearestLayer } from './mapview.js';
import { renderCategories, renderResult } from './check.js';
import { renderLayerList } from './legend.js';
import { renderError } from './errors.js';
import { writeURL } from './urlstate.js';
import { labelBasemaps, initSearch } from './tools.js';
import { renderMyChecks } from './mychecks.js';
import { renderTXTParcels } from './txtlist.js';

export function applyStaticLabels() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.doc_title');
  document.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  document.querySelectorAll('[data-i18n-attr]').forEach((el) => {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  });
  $('#lang-toggle').setAttribute('lang', state.lang === 'zh' ? 'en' : 'zh');
  $('#tool-hint').textContent = state.tool ? t(`tool.hint.${state.tool}`) : '';
  if (state.site && state.site.fileName) $('#upload-name').textContent = t('upload.file', { name: state.site.fileName });
}

export function setLang(lang) {
  state.lang = lang;
  applyStaticLabels();
  renderCategories();
  renderLayerList();
  renderResult();
  renderError();
  nearestLayer.eachLayer((l) => {
    const d = l.feature && l.feature.properties && l.feature.properties.distance_m;
    if (d !== undefined && l.getTooltip()) l.setTooltipContent(distanceText(d));
  });
  labelBasemaps();
  initSearch();
  renderTXTParcels();
  renderMyChecks();
  map.closePopup();
  map.pm.setLang(lang === 'zh' ? 'zh' : 'en');
  writeURL();
}

$('#lang-toggle').addEventListener('click', () => setLang(state.lang === 'zh' ? 'en' : 'zh'));


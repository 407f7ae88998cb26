// The layers panel (legend with toggles, sub-legends, load errors), the
// zones' popups and the illustrative-data banner.

import { $, h, t, num, distanceText, text2, label, dateTime, state } from './state.js';
import { layerRole, legendKey, SUBZONE_STYLES } from './layerstyle.js';
import { layerStyle, setLayerVisible, setLayerOpacity } from './layers.js';

export function popupContent(info, p) {
  const zh = p.name_zh || p.name; // some files name features with "name"
  const name = state.lang === 'en' ? p.name_en || zh : zh || p.name_en;
  // A feature's own kind (a code with a label, or free text such as 生态廊道)
  // wins over the layer's zone kind and layer kind.
  const has = (k) => t(k) !== k;
  let kind;
  if (p.kind && has(`kind.${p.kind}`)) kind = t(`kind.${p.kind}`);
  else if (p.kind && has(`zone_kind.${p.kind}`)) kind = t(`zone_kind.${p.kind}`);
  else if (p.kind) kind = String(p.kind);
  else if (info.zone_kind) kind = label('zone_kind', info.zone_kind);
  else kind = label('layer.kind', layerRole(info) === 'informational' ? 'informational' : info.kind);
  const rows = [
    [t('popup.layer'), text2(info.title)],
    [t('popup.kind'), kind],
    p.subzone ? [t('popup.subzone'), label('subzone', p.subzone)] : null,
    typeof p.green_line === 'boolean' ? [t('popup.green_line'), label('green_line', String(p.green_line))] : null,
    [t('popup.role'), label('role', layerRole(info))],
    p.distance_m !== undefined ? [t('popup.distance'), bandText(p)] : null,
    info.origin ? [t('popup.origin'), text2(info.origin.note)] : null,
    p.width_m ? [t('popup.width'), distanceText(p.width_m)] : null,
    [t('popup.basis'), p.basis || '–'],
    [t('popup.status'), label('status', p.status || info.status || 'unknown')],
    p.note ? [t('popup.note'), p.note] : null,
    p.id ? [t('popup.id'), p.id] : null,
  ].filter(Boolean);
  return h(
    'div',
    { class: 'popup', dataset: { layer: info.id } },
    h('h3', { text: name || p.id || text2(info.title) }),
    h('dl', null, rows.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
  );
}

export function sourceTitle(src) {
  const info = src && state.layerById.get(src);
  return info ? text2(info.title) : src || '';
}

export function bandText(p) {
  const source = sourceTitle(p.source);
  if (p.min_distance_m) return t('legend.between', { min: num(p.min_distance_m), d: num(p.distance_m), source });
  return t('legend.within', { d: num(p.distance_m), source });
}


export function swatch(style, geometryType) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '28');
  svg.setAttribute('height', '16');
  svg.setAttribute('viewBox', '0 0 28 16');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('swatch');
  const isLine = /Line/.test(geometryType || '') && !/Polygon/.test(geometryType || '');
  const el = document.createElementNS(ns, isLine ? 'line' : 'rect');
  if (isLine) {
    Object.entries({ x1: 2, y1: 12, x2: 26, y2: 4 }).forEach(([k, v]) => el.setAttribute(k, v));
    el.setAttribute('fill', 'none');
  } else {
    Object.entries({ x: 2, y: 2, width: 24, height: 12, rx: 1 }).forEach(([k, v]) => el.setAttribute(k, v));
    const fo = style.fillOpacity === 0 ? 0 : Math.max(style.fillOpacity ?? 0.3, 0.25);
    el.setAttribute('fill', style.fillColor || style.color);
    el.setAttribute('fill-opacity', String(fo));
  }
  el.setAttribute('stroke', style.color);
  el.setAttribute('stroke-width', String(Math.min(style.weight || 1.5, 3)));
  if (style.dashArray) el.setAttribute('stroke-dasharray', style.dashArray.split(' ').map((n) => Number(n) / 2).join(' '));
  svg.append(el);
  return svg;
}

export function renderLayerList() {
  const ul = $('#layer-list');
  ul.replaceChildren(...state.layers.map((info) => legendItem(info)));
  const asOf = $('#layers-as-of');
  asOf.textContent = state.asOf ? t('layers.as_of', { date: state.asOf }) : t('layers.today');
  asOf.dataset.asOf = state.asOf || '';
}

export function legendItem(info) {
  const ov = state.overlays.get(info.id);
  const inputId = `layer-${info.id}`;
  const sub = subLegend(info, ov);
  const meta = [t('legend.features', { n: num(info.feature_count) })];
  if (info.version !== undefined) meta.push(t('legend.version', { version: info.version, from: info.valid_from ? String(info.valid_from).slice(0, 10) : '–' }));
  if (info.recorded_at) meta.push(t('legend.recorded', { at: dateTime(info.recorded_at) }));
  if (ov.tiled) meta.push(t('legend.tiled'));
  if (info.origin) meta.push(text2(info.origin.note));
  const role = layerRole(info);
  return h(
    'li',
    {
      class: `layer-item role-${role}${ov.visible ? '' : ' off'}`,
      dataset: { layer: info.id, kind: info.kind, role, status: ov.status, source: ov.tiled ? 'tiles' : 'geojson' },
      'data-testid': `layer-${info.id}`,
    },
    h(
      'div',
      { class: 'layer-row' },
      h('input', {
        type: 'checkbox',
        id: inputId,
        checked: ov.visible,
        onchange: (e) => {
          setLayerVisible(info.id, e.target.checked);
          e.target.closest('li').classList.toggle('off', !e.target.checked);
        },
      }),
      swatch(layerStyle(info), info.geometry_type),
      h('label', { for: inputId, class: 'layer-title', text: text2(info.title) }),
      info.status ? h('span', { class: `tag status-${info.status}`, text: label('status', info.status) }) : null,
    ),
    h('div', { class: `layer-role role-${role}`, text: label('role', role) }),
    h('div', { class: 'layer-meta hint', dataset: { version: info.version ?? '', validFrom: info.valid_from ? String(info.valid_from).slice(0, 10) : '' }, text: meta.join(' · ') }),
    opacitySlider(info, ov),
    sub,
    ov.status === 'loading' ? h('div', { class: 'hint', text: t('legend.loading') }) : null,
    ov.status === 'error' ? h('div', { class: 'layer-error', role: 'alert', text: t('error.layer', { detail: ov.error }) }) : null,
  );
}

// The layer's opacity, 0–100 %.
function opacitySlider(info, ov) {
  const id = `opacity-${info.id}`;
  const value = Math.round((ov.opacity ?? 1) * 100);
  return h(
    'div',
    { class: 'layer-opacity no-print' },
    h('label', { for: id, class: 'inline hint', text: t('opacity.label') }),
    h('input', {
      type: 'range',
      id,
      min: '0',
      max: '100',
      step: '5',
      value: String(value),
      'aria-valuetext': `${value}%`,
      oninput: (e) => {
        setLayerOpacity(info.id, Number(e.target.value) / 100);
        e.target.setAttribute('aria-valuetext', `${e.target.value}%`);
      },
    }),
  );
}

// Sub-legend: the sub-zones and distance bands a layer's features carry.
export function subLegend(info, ov) {
  const seen = new Map();
  for (const f of ov.features) {
    const p = f.properties || {};
    const key = legendKey(p);
    if (key && !seen.has(key)) seen.set(key, p);
  }
  if (seen.size === 0 && info.id === 'canal-core') {
    for (const s of Object.keys(SUBZONE_STYLES)) seen.set(s, { subzone: s });
  }
  if (seen.size === 0) return null;
  return h(
    'ul',
    { class: 'sub-legend' },
    [...seen.values()].map((p) =>
      h(
        'li',
        { dataset: { subzone: p.subzone || '', ...(typeof p.green_line === 'boolean' ? { greenLine: String(p.green_line) } : {}) } },
        swatch(layerStyle(info, p), 'Polygon'),
        h('span', {
          text: [
            p.subzone ? label('subzone', p.subzone) : null,
            typeof p.green_line === 'boolean' ? label('green_line', String(p.green_line)) : null,
            p.distance_m !== undefined ? bandText(p) : null,
          ]
            .filter(Boolean)
            .join(state.lang === 'zh' ? '：' : ': '),
        }),
      ),
    ),
  );
}

export function updateLegendItem(id) {
  const old = document.querySelector(`#layer-list li[data-layer="${CSS.escape(id)}"]`);
  const info = state.layerById.get(id);
  if (!old || !info) return;
  // The item is redrawn in place, keeping its row (the checkbox and title)
  // and its opacity slider: a planner's click or drag on them is not lost
  // when the layer's tiles report loading or loaded meanwhile.
  const item = legendItem(info);
  old.className = item.className;
  Object.assign(old.dataset, item.dataset);
  const kept = (cls) => old.querySelector(`:scope > .${cls}`);
  old.replaceChildren(
    ...[...item.children].map((c) => (c.classList.contains('layer-row') && kept('layer-row')) || (c.classList.contains('layer-opacity') && kept('layer-opacity')) || c),
  );
}

export function renderBanner() {
  const illustrative = state.layers.some((l) => l.status === 'illustrative');
  $('#banner').hidden = !illustrative;
  document.querySelectorAll('.print-banner').forEach((el) => (el.hidden = !illustrative));
}


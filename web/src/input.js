// The ways to give a site: the drawing tools, point pick, upload and
// paste.

import { $, t, state } from './state.js';
import { map, round7 } from './mapview.js';
import { parseCoordinates } from './coords.js';
import { siteFromGeoJSON, siteFromGeoJSONText, siteFromTXT, uploadKind } from './upload.js';
import { geometryToLonLat } from './proj.js';
import { setSite, runCheck, clearResult, checkPoint, renderCategoryDesc } from './check.js';
import { showError, clearError } from './errors.js';
import { writeURL } from './urlstate.js';
import { addMeasurement, initSearch } from './tools.js';
import { reloadLayers } from './layers.js';
import { showTXTParcels, showTXTOutlines } from './txtlist.js';

export function setTool(tool) {
  if (state.tool === tool) tool = null;
  if (map.pm.globalDrawModeEnabled()) map.pm.disableDraw();
  state.tool = tool;
  document.querySelectorAll('.tool[data-tool]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.tool === tool)));
  map.getContainer().classList.toggle('picking', tool === 'point');
  $('#tool-hint').textContent = tool ? t(`tool.hint.${tool}`) : '';
  const shape = { polygon: 'Polygon', rectangle: 'Rectangle', line: 'Line', 'measure-line': 'Line', 'measure-area': 'Polygon' }[tool];
  if (shape) {
    const color = tool.startsWith('measure-') ? '#6a1b9a' : '#0d47a1';
    map.pm.enableDraw(shape, {
      snappable: false,
      allowSelfIntersection: false,
      continueDrawing: false,
      pathOptions: { color, weight: 3, fillOpacity: 0.1 },
      templineStyle: { color },
      hintlineStyle: { color, dashArray: '5 5' },
    });
  }
}

document.querySelectorAll('.tool[data-tool]').forEach((b) => b.addEventListener('click', () => setTool(b.dataset.tool)));

map.on('pm:create', (e) => {
  const gj = e.layer.toGeoJSON().geometry;
  map.removeLayer(e.layer);
  const measuring = state.tool && state.tool.startsWith('measure-');
  setTool(null);
  const geometry = round7(gj);
  if (measuring) {
    addMeasurement(geometry);
    return;
  }
  setSite({ geometry, crs: 'EPSG:4326', display: geometry, source: 'draw' });
  runCheck();
});

map.on('click', (e) => {
  if (state.tool !== 'point') return;
  checkPoint(e.latlng.lng, e.latlng.lat);
});

map.getContainer().addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && state.tool === 'point' && e.target === map.getContainer()) {
    const c = map.getCenter();
    checkPoint(c.lng, c.lat);
  }
});

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && state.tool) setTool(null);
});

$('#tool-clear').addEventListener('click', () => {
  setTool(null);
  setSite(null);
  clearError();
  clearResult();
  $('#upload-name').textContent = '';
  writeURL();
});

$('#category').addEventListener('change', () => {
  state.pendingCategory = $('#category').value;
  renderCategoryDesc();
  if (state.error && state.error.field === 'category') clearError();
  writeURL();
  if (state.site) runCheck();
});

// 依据日期: the layers drawn are those in force that day, and a site on the
// map is checked again as of it.
$('#as-of').addEventListener('change', async () => {
  const v = $('#as-of').value;
  state.asOf = /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : '';
  writeURL();
  try {
    await reloadLayers();
    initSearch();
  } catch (e) {
    showError('options', [{ key: 'error.layers', params: { detail: e.message } }]);
    document.body.dataset.ready = 'error';
  }
  if (state.site) runCheck();
});


export async function readUpload(file) {
  const kind = uploadKind(file.name);
  if (kind === null) return { errors: [{ key: 'error.upload_type', params: { name: file.name } }] };
  if (kind === 'shp') return { errors: [{ key: 'error.shp_loose' }] };
  if (kind === 'txt') {
    const r = await siteFromTXT(file); // a 用地报盘 TXT, read by the API (upload.js)
    return { ...r, errors: r.errors.map((e) => ({ key: `upload.${e.code}`, params: e.params })) };
  }
  if (kind === 'geojson') {
    let text;
    try {
      text = await file.text();
    } catch (e) {
      return { errors: [{ key: 'error.file_read', params: { detail: e.message } }] };
    }
    const r = siteFromGeoJSONText(text);
    return { ...r, errors: r.errors.map((e) => ({ key: `upload.${e.code}`, params: e.params })) };
  }
  let data;
  try {
    data = await window.shp(await file.arrayBuffer());
  } catch (e) {
    return { errors: [{ key: 'error.shp_read', params: { detail: e && e.message ? e.message : String(e) } }] };
  }
  const r = siteFromGeoJSON(data);
  return { ...r, errors: r.errors.map((e) => ({ key: `upload.${e.code}`, params: e.params })) };
}

export async function handleUpload(file) {
  setTool(null);
  clearError();
  $('#upload-name').textContent = t('upload.file', { name: file.name });
  const r = await readUpload(file);
  if (r.errors.length) {
    // As after a failed paste: the old outline, answer and 地块 list go.
    setSite(null);
    clearResult();
    showError('upload', r.errors);
    return null;
  }
  let display = null;
  try {
    display = geometryToLonLat(r.geometry, r.crs);
  } catch {
    display = null;
  }
  const feats = r.parsed && Array.isArray(r.parsed.features) ? r.parsed.features : [];
  if (feats.length > 1) {
    // A TXT of several 地块: all drawn, none checked until one (or all) is chosen from the list.
    let bytes = null;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch {
      bytes = null; // each 地块 then goes as the parse answer gave it
    }
    clearResult();
    showTXTOutlines(r.geometry, r.crs, display, file.name);
    showTXTParcels(r.parsed, file, bytes);
    return null;
  }
  // One 地块: its 地块编号 is the check's reference; a check sends the file itself.
  const txt = r.parsed ? { txtFeature: feats[0], txtBody: file } : {};
  setSite({ geometry: r.geometry, crs: r.crs, display, source: 'upload', fileName: file.name, reference: r.reference || undefined, ...txt });
  return runCheck();
}

$('#upload-file').addEventListener('change', async (e) => {
  const input = e.target;
  const file = input.files && input.files[0];
  if (!file) return;
  await handleUpload(file);
});


export function submitPaste() {
  setTool(null);
  clearError();
  const parsed = parseCoordinates($('#paste').value, { mode: $('#paste-crs').value });
  if (!parsed.ok) {
    setSite(null);
    clearResult();
    showError(
      'paste',
      parsed.errors.map((e) => ({ key: `coords.${e.code}`, params: { ...e.params, a: fmtCoord(e.params.a), b: fmtCoord(e.params.b) } })),
    );
    return Promise.resolve(null);
  }
  let display = null;
  try {
    display = geometryToLonLat(parsed.geometry, parsed.crs);
  } catch {
    display = null;
  }
  setSite({ geometry: parsed.geometry, crs: parsed.crs, display, source: 'paste', parsed });
  return runCheck();
}

export function fmtCoord(v) {
  return typeof v === 'number' ? String(v) : v;
}

$('#paste-submit').addEventListener('click', () => submitPaste());
$('#paste').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    submitPaste();
  }
});


// Printing: the map laid out at its A4 size around the result.

import { t, dateTime, state } from './state.js';
import { map } from './mapview.js';
import { fitToResult } from './check.js';

export function beforePrint() {
  document.getElementById('printed-at').textContent = t('print.printed_at', { time: dateTime(new Date().toISOString()) });
  document.body.classList.add('printing');
  map.invalidateSize({ animate: false });
  if (state.result) {
    fitToResult({ zoomIn: true });
    map.setZoom(map.getZoom() - 1, { animate: false }); // some surroundings for the file
  }
}
export function afterPrint() {
  document.body.classList.remove('printing');
  map.invalidateSize({ animate: false });
}
window.addEventListener('beforeprint', beforePrint);
window.addEventListener('afterprint', afterPrint);


// The arrow and words of a move answer: node --test web/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moveArrow, moveDirection, moveText } from './movegeom.js';
import { toEPSG4549, fromEPSG4549 } from './proj.js';
import { t } from './messages.js';

const site = { type: 'Point', coordinates: fromEPSG4549(478000, 3520000) };

test('the arrow runs from the site to the site moved by dx, dy', () => {
  const a = moveArrow(site, { found: true, dx_m: 300, dy_m: -400 });
  const [e0, n0] = toEPSG4549(...a.line[0]);
  const [e1, n1] = toEPSG4549(...a.line[1]);
  assert.ok(Math.abs(e0 - 478000) < 1e-6 && Math.abs(n0 - 3520000) < 1e-6);
  assert.ok(Math.abs(e1 - 478300) < 1e-6 && Math.abs(n1 - 3519600) < 1e-6);
  assert.ok(Math.abs(Math.hypot(e1 - e0, n1 - n0) - 500) < 1e-6);
  // The head's tip is the moved point, its wings behind it (toward the site).
  assert.deepEqual(a.head[0], a.line[1]);
  for (const w of a.head.slice(1)) {
    const [we, wn] = toEPSG4549(...w);
    assert.ok(Math.hypot(we - e0, wn - n0) < 500, 'a wing lies behind the tip');
    assert.ok(Math.abs(Math.hypot(we - e1, wn - n1) - 100) < 1e-6, 'wings a fifth of the shaft');
  }
  assert.equal(moveArrow(site, { found: false }), null);
  assert.equal(moveArrow(null, { found: true, dx_m: 1, dy_m: 1 }), null);
});

test('a parcel moves from its centroid', () => {
  const sq = [[478400, 3519380], [478700, 3519380], [478700, 3519680], [478400, 3519680], [478400, 3519380]].map(([x, y]) => fromEPSG4549(x, y));
  const a = moveArrow({ type: 'Polygon', coordinates: [sq] }, { found: true, dx_m: 0, dy_m: 1000 });
  assert.ok(Math.abs(a.from[0] - 478550) < 1e-6 && Math.abs(a.to[1] - 3520530) < 1e-6);
});

test('the direction: the API words, or the compass point of the bearing', () => {
  assert.equal(moveDirection({ direction_zh: '东北', direction_en: 'NE' }, 'zh'), '东北');
  assert.equal(moveDirection({ direction_zh: '东北', direction_en: 'NE' }, 'en'), 'NE');
  assert.equal(moveDirection({ dx_m: -5, dy_m: 0 }, 'zh'), '西');
  assert.equal(moveDirection({ bearing_deg: 180, dx_m: 0, dy_m: -1 }, 'en'), 'south');
});

test('the sentence of a move in both languages', () => {
  const a = { found: true, distance_m: 1000.004, dx_m: 1000, dy_m: 0, bearing_deg: 90, direction_zh: '东', direction_en: 'E', moved_verdict: 'allowed' };
  const num = (v, d) => Number(v).toFixed(d);
  const zh = moveText(a, 'zh', num, (v) => t('zh', `verdict.${v}`), (k, p) => t('zh', k, p));
  const en = moveText(a, 'en', num, (v) => t('en', `verdict.${v}`), (k, p) => t('en', k, p));
  assert.equal(zh, '向东移动 1000.0 米（方位角 90°）后，结论为“允许”。');
  assert.equal(en, 'Moved 1000.0 m E (bearing 90°), the answer becomes “Allowed”.');
  assert.equal(moveText(a, 'zh', num, (v) => v, (k, p) => t('zh', k, p), 'move.label'), '向东 1000.0 米');
});

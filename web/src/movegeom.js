// The geometry and words of a move answer (POST /api/v1/checks/move):
// the arrow from the site to the moved site and the sentence that says how
// far and which way. Pure functions, no DOM.

import { centroid4549, bearingDeg, compass } from './geom.js';
import { fromEPSG4549 } from './proj.js';

/**
 * The arrow of a move a (dx_m east, dy_m north) of a lon/lat site: its
 * shaft from the site's representative point to the same point moved, and
 * a triangular head at the moved end, all in lon/lat. null when there is
 * no move to draw.
 */
export function moveArrow(site, a) {
  if (!site || !a || !a.found) return null;
  const dx = Number(a.dx_m);
  const dy = Number(a.dy_m);
  if (!Number.isFinite(dx) || !Number.isFinite(dy)) return null;
  const from = centroid4549(site);
  if (!from) return null;
  const to = [from[0] + dx, from[1] + dy];
  const len = Math.hypot(dx, dy);
  // The head: a fifth of the shaft, between 5 and 120 m, opening 50°.
  const size = Math.min(Math.max(len / 5, 5), 120);
  const back = Math.atan2(-dy, -dx);
  const wing = (s) => [to[0] + size * Math.cos(back + s), to[1] + size * Math.sin(back + s)];
  const ll = (p) => fromEPSG4549(p[0], p[1]);
  return { line: [ll(from), ll(to)], head: [ll(to), ll(wing(0.44)), ll(wing(-0.44))], from, to };
}

/** The direction of a move in lang: the API's words, or the compass point of its bearing. */
export function moveDirection(a, lang) {
  const own = lang === 'en' ? a.direction_en : a.direction_zh;
  if (own) return own;
  const b = Number.isFinite(a.bearing_deg) ? a.bearing_deg : bearingDeg(a.dx_m, a.dy_m);
  return compass(b, lang);
}

/**
 * The sentence of a found move (key 'move.found') or its short map label
 * ('move.label'). num(v, digits) formats numbers, verdict(v) names a
 * verdict, t(key, params) is the message function.
 */
export function moveText(a, lang, num, verdict, t, key = 'move.found') {
  const b = Number.isFinite(a.bearing_deg) ? a.bearing_deg : bearingDeg(a.dx_m, a.dy_m);
  return t(key, { d: num(a.distance_m, 1), dir: moveDirection(a, lang), b: num(b, 0), verdict: verdict(a.moved_verdict || a.target || 'allowed') });
}

// Randomized (fuzz-style) test of the coordinate-paste parser: whatever a
// planner pastes, parseCoordinates never throws, and every problem it
// reports names a line that exists (0: the input as a whole). Seeded, so a failure reproduces; set
// COORDS_FUZZ_RUNS for a longer run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCoordinates, MODES } from './coords.js';

// mulberry32: a small seeded generator.
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '119.8', '31.78', '3518000.123', '475612.5', '40475612.5', ',', ' ', '\t', '，', '、', ';', '\n', '\r\n',
  '°', '′', '″', "'", '"', 'N', 'E', '-', '+', 'NaN', 'Infinity', '1e309', '0x1F', '１１９．８', 'J1', '界址点',
  'X', 'Y', '点号', '#', '(', ')', '[', ']', '""', '\u0000', '\u200b', '🙂', '9'.repeat(40), '.', '..', 'e',
];

test('parseCoordinates never throws and reports real line numbers', () => {
  const next = rng(20261129);
  const runs = Number(process.env.COORDS_FUZZ_RUNS || 3000);
  for (let i = 0; i < runs; i++) {
    let text = '';
    const n = Math.floor(next() * 40);
    for (let j = 0; j < n; j++) {
      text += next() < 0.8 ? PIECES[Math.floor(next() * PIECES.length)] : String.fromCharCode(Math.floor(next() * 0x3000));
    }
    const mode = MODES[Math.floor(next() * MODES.length)];
    let r;
    assert.doesNotThrow(() => { r = parseCoordinates(text, { mode }); }, `input ${JSON.stringify(text)} mode ${mode}`);
    assert.equal(typeof r.ok, 'boolean');
    const lines = text.split(/\r\n|\r|\n/).length;
    for (const e of r.errors || []) {
      if (e.line != null) {
        assert.ok(e.line >= 0 && e.line <= lines, `error on line ${e.line} of ${lines}: ${JSON.stringify(text)}`);
      }
    }
    if (r.ok) {
      assert.ok(r.geometry && r.geometry.type, `ok without a geometry: ${JSON.stringify(text)}`);
    }
  }
});

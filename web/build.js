#!/usr/bin/env node
// Copies the third-party browser code (Leaflet, Leaflet-Geoman,
// Leaflet.VectorGrid, shpjs) from web/node_modules into web/dist/vendor,
// which the Go binary embeds (web/web.go). The app's own files (web/src) are
// embedded as they are; there is nothing to compile. Run `npm ci` in web/
// first (make build does both).
//
//   node web/build.js
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, 'node_modules');
const out = join(here, 'dist', 'vendor');

// package → files to copy (from the package root) into dist/vendor/<dir>.
const VENDOR = [
  {
    pkg: 'leaflet',
    dir: 'leaflet',
    files: ['dist/leaflet.js', 'dist/leaflet.css', 'dist/images', 'LICENSE'],
  },
  {
    pkg: '@geoman-io/leaflet-geoman-free',
    dir: 'geoman',
    files: ['dist/leaflet-geoman.min.js', 'dist/leaflet-geoman.css', 'LICENSE'],
  },
  {
    // The bundled build carries pbf and @mapbox/vector-tile, which the map
    // needs to read .mvt tiles. The package has no LICENSE file: its
    // Beerware notice is in the README, which goes along.
    pkg: 'leaflet.vectorgrid',
    dir: 'vectorgrid',
    files: ['dist/Leaflet.VectorGrid.bundled.min.js', 'README.md'],
  },
  {
    pkg: 'shpjs',
    dir: 'shpjs',
    files: ['dist/shp.min.js', 'LICENSE.md'],
  },
];

function fail(msg) {
  console.error(`web/build.js: ${msg}`);
  process.exit(1);
}

if (!existsSync(modules)) fail('web/node_modules is missing: run `npm ci` in web/ (or `make build`).');

const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const versions = {};
for (const v of VENDOR) {
  const root = join(modules, v.pkg);
  if (!existsSync(root)) fail(`${v.pkg} is not installed: run \`npm ci\` in web/.`);
  const pj = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const locked = lock.packages && lock.packages[`node_modules/${v.pkg}`];
  if (locked && locked.version !== pj.version) {
    fail(`${v.pkg} ${pj.version} is installed but the lockfile says ${locked.version}: run \`npm ci\` in web/.`);
  }
  versions[v.pkg] = pj.version;
  const dest = join(out, v.dir);
  mkdirSync(dest, { recursive: true });
  for (const f of v.files) {
    const src = join(root, f);
    if (!existsSync(src)) fail(`${v.pkg} has no ${f}`);
    const target = join(dest, f.replace(/^dist\//, ''));
    if (/\.(js|css)$/.test(f)) {
      // Drop source-map comments: the maps are not shipped.
      const text = readFileSync(src, 'utf8').replace(/\n?\/[/*]# sourceMappingURL=[^\n]*\s*$/, '\n');
      writeFileSync(target, text);
    } else {
      cpSync(src, target, { recursive: true });
    }
  }
}
writeFileSync(join(out, 'versions.json'), JSON.stringify(versions, null, 2) + '\n');

const count = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? count(join(dir, e.name)) : 1), 0);
console.log(`web/build.js: ${count(out)} files in web/dist/vendor (${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')})`);

// Build the web map: copy the ES modules in src/ and MapLibre GL JS (from npm) into the
// Python package's static folder. No bundler, no CDN: everything is served by `onemap serve`.
import { cpSync, mkdirSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, "../src/onemap/api/static/dist");
const maplibre = path.resolve(here, "node_modules/maplibre-gl/dist");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(path.join(here, "src"), out, { recursive: true });
for (const name of ["maplibre-gl.js", "maplibre-gl.css"]) {
  cpSync(path.join(maplibre, name), path.join(out, name));
}
writeFileSync(path.join(out, ".built"), new Date().toISOString() + "\n");
console.log(`built ${readdirSync(out).length} files into ${out}`);

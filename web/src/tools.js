// Measure distance/area, draw a site, and send it (or an uploaded file) to /reviews.
import { t, currentLang, fmt, label } from "./i18n.js";
import { request } from "./api.js";

const R = 6378137;
const rad = (d) => (d * Math.PI) / 180;

export function lineLength(coords) {
  let sum = 0;
  for (let i = 1; i < coords.length; i++) {
    const [a, b] = [coords[i - 1], coords[i]];
    const dphi = rad(b[1] - a[1]), dl = rad(b[0] - a[0]);
    const h = Math.sin(dphi / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dl / 2) ** 2;
    sum += 2 * R * Math.asin(Math.sqrt(h));
  }
  return sum;
}

export function ringArea(coords) {
  // spherical polygon area (m²); accurate enough for a measuring tool
  let s = 0;
  const n = coords.length;
  for (let i = 0; i < n; i++) {
    const [p1, p2] = [coords[i], coords[(i + 1) % n]];
    s += rad(p2[0] - p1[0]) * (2 + Math.sin(rad(p1[1])) + Math.sin(rad(p2[1])));
  }
  return Math.abs((s * R * R) / 2);
}

const fmtArea = (m2) => `${fmt(m2, 1)} m² · ${fmt(m2 / 10000, 4)} ${t("ha")} · ${fmt(m2 / 666.6667, 3)} ${t("mu")}`;

export class Sketch {
  constructor(map, id, color) {
    this.map = map; this.id = id; this.points = []; this.mode = null;
    map.addSource(id, { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    map.addLayer({ id: `${id}-fill`, type: "fill", source: id, filter: ["==", "$type", "Polygon"],
      paint: { "fill-color": color, "fill-opacity": 0.25 } });
    map.addLayer({ id: `${id}-line`, type: "line", source: id, paint: { "line-color": color, "line-width": 2 } });
    map.addLayer({ id: `${id}-pt`, type: "circle", source: id, filter: ["==", "$type", "Point"],
      paint: { "circle-radius": 3, "circle-color": color } });
  }
  start(mode) { this.mode = mode; this.points = []; this.done = false; this.render(); }
  // Double-click: its two clicks added the last vertex twice; keep one and stop adding.
  finish() {
    const n = this.points.length;
    if (n > 1 && this.points[n - 1][0] === this.points[n - 2][0] && this.points[n - 1][1] === this.points[n - 2][1]) this.points.pop();
    this.done = true;
    this.render();
  }
  stop() { this.mode = null; }
  add(lngLat) { if (this.done) return; this.points.push([lngLat.lng, lngLat.lat]); this.render(); }
  clear() { this.points = []; this.mode = null; this.render(); }
  geometry() {
    if (this.points.length < 3) return null;
    return { type: "Polygon", coordinates: [[...this.points, this.points[0]]] };
  }
  render() {
    const feats = this.points.map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: p } }));
    if (this.mode === "line" && this.points.length > 1)
      feats.push({ type: "Feature", geometry: { type: "LineString", coordinates: this.points } });
    if (this.mode !== "line" && this.points.length > 2)
      feats.push({ type: "Feature", geometry: this.geometry() });
    this.map.getSource(this.id).setData({ type: "FeatureCollection", features: feats });
  }
  summary() {
    if (this.mode === "line") return `${t("distance")}: ${fmt(lineLength(this.points) / 1000, 3)} km`;
    if (this.points.length > 2) return `${t("area")}: ${fmtArea(ringArea(this.points))}`;
    return "";
  }
}

function verdictClass(v) {
  const s = String(v);
  if (s.includes("不通过") || s === "fail" || s === "rejected") return "fail";
  if (s.includes("有条件") || s.includes("conditional")) return "conditional";
  return "pass";
}

export function renderReview(el, r) {
  const verdict = r.verdict ?? "";
  const en = currentLang() === "en";
  const shown = en ? r.verdict_en || verdict : `${verdict} ${r.verdict_en ? `(${r.verdict_en})` : ""}`;
  const q = en ? "?lang=en" : "";
  const rules = (r.rules || []).map((x) => `<li>${(en && x.text_en) || x.text}${x.reference ? ` <small>(${x.reference})</small>` : ""}</li>`).join("");
  const land = Object.entries(r.landuse || {}).sort((a, b) => b[1] - a[1])
    .map(([code, m2]) => `<tr><td>${code} ${label("land_class", code)}</td><td>${fmt(m2 / 10000, 4)}</td><td>${fmt(m2 / 666.6667, 2)}</td></tr>`).join("");
  const links = r.links || {};
  el.innerHTML = `
    <div class="verdict ${verdictClass(verdict)}" id="review-verdict">${t("verdict")}: ${shown}</div>
    ${links.pdf ? `<p><a id="review-pdf" href="${links.pdf}${q}" target="_blank">${t("pdf")}</a>` : ""}
    ${links.html ? ` · <a id="review-html" href="${links.html}${q}" target="_blank">${t("html")}</a></p>` : ""}
    <div><b>${t("rules")}</b><ul>${rules || `<li>${t("none")}</li>`}</ul></div>
    <table class="data"><tr><th>${t("landuse")}</th><th>${t("ha")}</th><th>${t("mu")}</th></tr>${land}</table>`;
}

export async function reviewGeometry(geometry, project) {
  const q = project ? `?project=${encodeURIComponent(project)}` : "";
  return request("POST", `/reviews${q}`, { type: "Feature", properties: {}, geometry },
    { "Content-Type": "application/geo+json" });
}

export async function reviewFiles(files, project) {
  const form = new FormData();
  for (const f of files) form.append("file", f, f.name);
  const q = project ? `?project=${encodeURIComponent(project)}` : "";
  return request("POST", `/reviews${q}`, form);
}

// onemap web map: MapLibre GL JS over our own OGC vector tiles, offline (no basemap service).
import { t, setLang, currentLang, applyText, nameOf } from "./i18n.js";
import { getJSON, postJSON, request, hasRoute, ApiError } from "./api.js";
import { PANELS } from "./capabilities.js";
import { state, buildTree, showLayer, defaultLayers, fillLayerIds, buildLegend } from "./layers.js";
import { Sketch, renderReview, reviewGeometry, reviewFiles } from "./tools.js";
import { loadStats, loadCases, loadIndicators } from "./panels.js";

const $ = (id) => document.getElementById(id);
const status = (msg) => ($("status").textContent = msg);
const esc = (v) => String(v ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

const map = new maplibregl.Map({
  container: "map",
  style: { version: 8, sources: {}, layers: [{ id: "background", type: "background", paint: { "background-color": "#eef1f4" } }] },
  center: [115.9, 27.6],
  zoom: 6,
  attributionControl: false,
  preserveDrawingBuffer: true,
});
map.addControl(new maplibregl.NavigationControl(), "top-right");
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
window.onemap = { map, state };

let me = null;
let mode = null; // "measure" | "draw"
let measure, site;

async function refreshUser() {
  me = await getJSON("/auth/me");
  $("who").textContent = me.authenticated ? `${me.username} · ${nameOf("role", me.role)} · ${me.regions.join(",")}` : t("anonymous");
  $("login-form").hidden = me.authenticated;
  $("logout-btn").hidden = !me.authenticated;
}

async function loadLayers(fit) {
  for (const id of [...state.on]) {
    for (const s of ["-fill", "-line", "-circle"]) if (map.getLayer(id + s)) map.removeLayer(id + s);
    if (map.getSource(id)) map.removeSource(id);
    state.on.delete(id);
  }
  const layers = await getJSON("/layers");
  for (const l of defaultLayers(layers)) showLayer(map, l);
  buildTree(map, layers, $("layer-tree"));
  const regions = await getJSON("/regions");
  const sel = $("county-select");
  sel.length = 1;
  for (const r of regions) sel.add(new Option(`${r.name} ${r.code}`, r.bbox.join(",")));
  const bbox = layers.filter((l) => l.bbox).map((l) => l.bbox);
  if (fit && bbox.length) {
    const b = [Math.min(...bbox.map((x) => x[0])), Math.min(...bbox.map((x) => x[1])),
      Math.max(...bbox.map((x) => x[2])), Math.max(...bbox.map((x) => x[3]))];
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 20, duration: 0 });
  }
  status(`${layers.length} ${currentLang() === "zh" ? "个图层" : "layers"}`);
}

async function identify(e) {
  const hits = map.queryRenderedFeatures(e.point, { layers: fillLayerIds(map) });
  if (!hits.length || e.originalEvent?.onemapHandled) return;  // a capability panel answered
  // thematic layers before administrative outlines
  const isAdmin = (h) => (state.meta.get(h.source) || { kind: "" }).kind.startsWith("admin_");
  const hit = hits.find((h) => !isAdmin(h)) || hits[0];
  const cid = hit.source;
  const fid = hit.properties.fid;
  const meta = state.meta.get(cid);
  let props = hit.properties;
  if (fid) try {
    const feat = await getJSON(`/collections/${cid}/items/${encodeURIComponent(fid)}`);
    props = feat.properties;
  } catch (err) { /* keep the tile's attributes */ }
  const titles = new Map((meta ? meta.fields : []).map((f) => [f.name, f.title_zh]));
  titles.set("county", "县级行政区划代码");
  const rows = Object.entries(props).filter(([k]) => k !== "fid")
    .map(([k, v]) => `<tr><th>${esc(currentLang() === "zh" ? titles.get(k) || k : k)}</th><td>${esc(v)}</td></tr>`).join("");
  const title = meta ? (currentLang() === "zh" ? meta.title_zh : meta.title_en) : cid;
  if (e.originalEvent?.onemapHandled) return;
  new maplibregl.Popup({ maxWidth: "360px" }).setLngLat(e.lngLat)
    .setHTML(`<div class="identify"><h3>${esc(title)} ${meta && meta.vintage ? meta.vintage : ""}</h3><table>${rows}</table></div>`)
    .addTo(map);
}

// The tabs of the capability panels whose routes the server offers (capabilities.js).
async function addCapabilityTabs() {
  for (const panel of PANELS) {
    if (!(await hasRoute(panel.route))) continue;
    const btn = document.createElement("button");
    btn.dataset.tab = panel.tab;
    btn.dataset.capability = "1";
    btn.textContent = panel.label[currentLang()] || panel.label.zh;
    $("tabs").appendChild(btn);
    const section = document.createElement("section");
    section.id = `panel-${panel.tab}`;
    section.className = "panel";
    section.hidden = true;
    $("sidebar").appendChild(section);
  }
}

function renderCapability(tab) {
  const panel = PANELS.find((p) => p.tab === tab);
  if (!panel) return;
  const el = $(`panel-${tab}`);
  el.innerHTML = t("loading");
  panel.render(el, { map, lang: currentLang(), t, getJSON, request })
    .catch((err) => { el.innerHTML = `<p class="error">${esc(err.message)}</p>`; });
}

function setupTabs() {
  for (const btn of document.querySelectorAll("#tabs button")) {
    btn.addEventListener("click", () => {
      for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b === btn);
      for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== `panel-${btn.dataset.tab}`;
      if (btn.dataset.tab === "cases") loadCases($("cases-body"), map);
      if (btn.dataset.tab === "indicators") loadIndicators($("indicators-body"), currentLang());
      if (btn.dataset.capability) renderCapability(btn.dataset.tab);
    });
  }
}

function setupTools() {
  measure = new Sketch(map, "measure", "#0050b3");
  site = new Sketch(map, "site", "#d4380d");
  $("measure-line").onclick = () => { mode = "measure"; measure.start("line"); $("measure-result").textContent = ""; };
  $("measure-area").onclick = () => { mode = "measure"; measure.start("area"); $("measure-result").textContent = ""; };
  $("measure-clear").onclick = () => { mode = null; measure.clear(); $("measure-result").textContent = ""; };
  $("draw-start").onclick = () => { mode = "draw"; site.start("area"); $("draw-finish").disabled = false; $("review-result").textContent = t("drawing"); };
  $("draw-finish").onclick = async () => {
    const geom = site.geometry();
    mode = null; site.stop(); $("draw-finish").disabled = true;
    if (!geom) return;
    await runReview(() => reviewGeometry(geom, $("project-name").value));
  };
  $("upload-btn").onclick = async () => {
    const files = [...$("upload-file").files];
    if (files.length) await runReview(() => reviewFiles(files, $("project-name").value));
  };
  $("stats-load").onclick = () => loadStats($("stats-body"), $("stats-level").value);
}

async function runReview(call) {
  const el = $("review-result");
  el.textContent = t("reviewing");
  try {
    const result = await call();
    renderReview(el, result);
  } catch (err) {
    el.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

map.on("click", (e) => {
  if (mode === "measure") { measure.add(e.lngLat); $("measure-result").textContent = measure.summary(); return; }
  if (mode === "draw") { site.add(e.lngLat); return; }
  identify(e);
});

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    await postJSON("/auth/login", { username: $("login-user").value, password: $("login-pass").value });
    $("login-pass").value = "";
    await refreshUser();
    await loadLayers(true);
  } catch (err) {
    status(`${t("login_failed")}: ${err instanceof ApiError ? err.message : err}`);
  }
});
$("logout-btn").onclick = async () => { await postJSON("/auth/logout"); await refreshUser(); await loadLayers(false); };
// Legend classes, with the standard's English names (onemap.standards.landuse name_en).
const LEGEND = [["0101", { zh: "水田", en: "Paddy field" }], ["0102", { zh: "水浇地", en: "Irrigated dry land" }],
  ["0103", { zh: "旱地", en: "Rain-fed dry land" }], ["0201", { zh: "果园", en: "Orchard" }],
  ["0301", { zh: "乔木林地", en: "Arbor forest land" }], ["0404", { zh: "其他草地", en: "Other grassland" }],
  ["0702", { zh: "农村宅基地", en: "Rural homestead" }], ["1001", { zh: "铁路用地", en: "Railway" }],
  ["1101", { zh: "河流水面", en: "River surface" }]];

$("lang-btn").onclick = async () => {
  setLang(currentLang() === "zh" ? "en" : "zh");
  if (state.colors) buildLegend($("legend"), state.colors, LEGEND);
  await refreshUser();
  await loadLayers(false);
  // re-render the open panel in the new language
  const tab = document.querySelector("#tabs button.active");
  for (const b of document.querySelectorAll("#tabs button[data-capability]")) {
    const panel = PANELS.find((p) => p.tab === b.dataset.tab);
    if (panel) b.textContent = panel.label[currentLang()] || panel.label.zh;
  }
  if (tab && (["cases", "indicators"].includes(tab.dataset.tab) || tab.dataset.capability)) tab.click();
  if (tab && tab.dataset.tab === "stats" && $("stats-body").innerHTML) $("stats-load").click();
};
$("county-select").onchange = (ev) => {
  if (!ev.target.value) return;
  const b = ev.target.value.split(",").map(Number);
  map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 20 });
};

map.on("load", async () => {
  applyText();
  await addCapabilityTabs();
  setupTabs();
  setupTools();
  state.colors = await getJSON("/styles/landuse.json");
  buildLegend($("legend"), state.colors, LEGEND);
  await refreshUser();
  await loadLayers(true);
  document.body.dataset.ready = "1";
});
map.on("idle", () => { document.body.dataset.idle = String(Date.now()); });

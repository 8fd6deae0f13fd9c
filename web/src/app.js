// onemap web map: MapLibre GL JS over our own OGC vector tiles, offline (no basemap service).
import { t, setLang, currentLang, applyText, nameOf, loadLabels, label, hasLabel, fmtArea, fmt } from "./i18n.js";
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
  const rows = Object.entries(props).filter(([k]) => k !== "fid" && k !== "generalised")
    .map(([k, v]) => `<tr><th>${esc(currentLang() === "zh" ? titles.get(k) || k : k)}</th><td>${esc(shown(k, v, titles.get(k)))}</td></tr>`).join("");
  const title = meta ? (currentLang() === "zh" ? meta.title_zh : meta.title_en) : cid;
  if (e.originalEvent?.onemapHandled) return;
  new maplibregl.Popup({ maxWidth: "380px", className: "identify-popup" }).setLngLat(e.lngLat)
    .setHTML(`<div class="identify"><h3>${esc(title)} ${meta && meta.vintage ? meta.vintage : ""}</h3><table>${rows}</table></div>`)
    .addTo(map);
}

// A popup value as a reader wants it: coded fields with their names (权属性质 30 → 集体土地所有权),
// land-class codes with the class, areas (…MJ, 面积) in m² with 公顷/亩 and thousands separators.
function shown(key, value, title) {
  if (value == null || value === "") return "";
  if (hasLabel(`field_${key}`, value)) return `${value} ${label(`field_${key}`, value)}`;
  if (/DLBM$/.test(key) && hasLabel("land_class", value)) return `${value} ${label("land_class", value)}`;
  const num = Number(value);
  if (typeof value !== "boolean" && value !== "" && !Number.isNaN(num)
      && (/MJ$/.test(key) || /面积/.test(title || ""))) return fmtArea(num);
  if (typeof value === "number" && !Number.isInteger(value)) return fmt(value, 4);
  return String(value);
}

// The legend lists the land classes of the DLTB patches drawn in the current view.
let legendKey = "";
function updateLegend(force) {
  const ids = [...state.on].filter((id) => (state.meta.get(id) || { kind: "" }).kind === "dltb")
    .map((id) => `${id}-fill`).filter((l) => map.getLayer(l));
  const codes = ids.length ? [...new Set(map.queryRenderedFeatures({ layers: ids })
    .map((f) => f.properties.DLBM).filter(Boolean))].sort() : [];
  const key = currentLang() + codes.join(",");
  if (key === legendKey && !force) return;
  legendKey = key;
  buildLegend($("legend"), state.colors || {}, codes.map((c) => [c, label("land_class", c)]));
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
      if (btn.dataset.tab === "indicators") loadIndicators($("indicators-body"), currentLang(), me && me.regions ? me.regions[0] : "");
      if (btn.dataset.capability) renderCapability(btn.dataset.tab);
    });
  }
}

// While measuring or drawing, a double-click ends the sketch instead of zooming.
function setMode(next) {
  mode = next;
  if (next) map.doubleClickZoom.disable();
  else setTimeout(() => { if (!mode) map.doubleClickZoom.enable(); }, 400);
}

function setupTools() {
  measure = new Sketch(map, "measure", "#0050b3");
  site = new Sketch(map, "site", "#d4380d");
  $("measure-line").onclick = () => { setMode("measure"); measure.start("line"); $("measure-result").textContent = ""; };
  $("measure-area").onclick = () => { setMode("measure"); measure.start("area"); $("measure-result").textContent = ""; };
  $("measure-clear").onclick = () => { setMode(null); measure.clear(); $("measure-result").textContent = ""; };
  $("draw-start").onclick = () => { setMode("draw"); site.start("area"); $("draw-finish").disabled = false; $("review-result").textContent = t("drawing"); };
  $("draw-finish").onclick = async () => {
    const geom = site.geometry();
    setMode(null); site.stop(); $("draw-finish").disabled = true;
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

// Double-click ends a measurement or a drawing; it never zooms while one is under way.
map.on("dblclick", (e) => {
  if (!mode) return;
  e.preventDefault();
  if (mode === "measure") {
    measure.finish();
    $("measure-result").textContent = measure.summary();
    setMode(null);
  }
});

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

$("lang-btn").onclick = async () => {
  setLang(currentLang() === "zh" ? "en" : "zh");
  await loadLabels(getJSON);
  updateLegend(true);
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
  await loadLabels(getJSON);
  updateLegend(true);
  await refreshUser();
  await loadLayers(true);
  document.body.dataset.ready = "1";
});
map.on("idle", () => { updateLegend(false); document.body.dataset.idle = String(Date.now()); });

// Layer tree (by category and vintage) and MapLibre styles of the OGC vector tiles.
import { t, currentLang, nameOf } from "./i18n.js";

const KIND_COLORS = {
  pbf: "#f0c000", eco_redline: "#d7301f", udb: "#7a0177", nature_reserve: "#1a9850",
  hsf: "#fee08b", approval: "#e34a33", land_supply: "#fc8d59", facility_agri: "#91cf60",
  mining_right: "#8c510a", hazard_zone: "#f46d43", monitoring_patch: "#e7298a", generic: "#3288bd",
  admin_province: "#333333", admin_city: "#555555", admin_county: "#444444", admin_township: "#888888",
};
const OUTLINE_ONLY = new Set(["admin_province", "admin_city", "admin_county", "admin_township",
  "udb", "eco_redline"]);

export const state = { meta: new Map(), on: new Set(), colors: {} };

function tileUrl(id) {
  return `${location.origin}/collections/${id}/tiles/WebMercatorQuad/{z}/{y}/{x}`;
}

export function fillLayerIds(map) {
  return [...state.on].flatMap((id) => [`${id}-fill`, `${id}-circle`]).filter((l) => map.getLayer(l));
}

function dltbColor(colors) {
  const expr = ["match", ["get", "DLBM"]];
  for (const [code, hex] of Object.entries(colors)) if (code.length >= 4) expr.push(code, hex);
  expr.push("#cccccc");
  return expr;
}

export function showLayer(map, meta) {
  const id = meta.id;
  if (map.getSource(id)) return;
  map.addSource(id, { type: "vector", tiles: [tileUrl(id)], minzoom: 0, maxzoom: 16,
    bounds: meta.bbox || undefined });
  const color = KIND_COLORS[meta.kind] || "#3288bd";
  if (meta.geometry === "point") {
    map.addLayer({ id: `${id}-circle`, type: "circle", source: id, "source-layer": id,
      paint: { "circle-radius": 5, "circle-color": color, "circle-stroke-color": "#fff",
        "circle-stroke-width": 1 } });
  } else {
    const outline = OUTLINE_ONLY.has(meta.kind);
    map.addLayer({ id: `${id}-fill`, type: "fill", source: id, "source-layer": id,
      paint: { "fill-color": meta.kind === "dltb" ? dltbColor(state.colors) : color,
        "fill-opacity": outline ? 0.01 : meta.kind === "dltb" ? 0.85 : 0.4 } });
    map.addLayer({ id: `${id}-line`, type: "line", source: id, "source-layer": id,
      filter: ["!", ["has", "generalised"]], // no outlines on the low-zoom mosaic
      paint: { "line-color": meta.kind === "dltb" ? "#777" : color,
        "line-width": outline ? 1.6 : 0.4, "line-opacity": 0.8 } });
  }
  state.on.add(id);
}

export function hideLayer(map, id) {
  for (const suffix of ["-fill", "-line", "-circle"]) if (map.getLayer(id + suffix)) map.removeLayer(id + suffix);
  if (map.getSource(id)) map.removeSource(id);
  state.on.delete(id);
}

export function buildTree(map, layers, container) {
  container.innerHTML = "";
  const byCat = new Map();
  for (const l of layers) {
    state.meta.set(l.id, l);
    if (!byCat.has(l.category)) byCat.set(l.category, []);
    byCat.get(l.category).push(l);
  }
  for (const [cat, items] of byCat) {
    const head = document.createElement("div");
    head.className = "tree-cat";
    head.textContent = nameOf("category", cat);
    container.appendChild(head);
    for (const l of items) {
      const row = document.createElement("label");
      row.className = "tree-item";
      row.style.display = "block";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.dataset.layer = l.id;
      box.checked = state.on.has(l.id);
      box.addEventListener("change", () => (box.checked ? showLayer(map, l) : hideLayer(map, l.id)));
      const title = currentLang() === "zh" ? l.title_zh : l.title_en;
      const year = l.vintage ? ` ${l.vintage}` : "";
      row.append(box, ` ${title}${year} `);
      const count = document.createElement("small");
      const unit = currentLang() === "en" && l.features === 1 ? t("feature") : t("features");
      count.textContent = `(${l.features.toLocaleString()} ${unit})`;
      row.append(count);
      container.appendChild(row);
    }
  }
}

export function defaultLayers(layers) {
  const latest = new Map();
  for (const l of layers) {
    const prev = latest.get(l.kind);
    if (!prev || prev.vintage < l.vintage) latest.set(l.kind, l);
  }
  return ["dltb", "admin_county"].map((k) => latest.get(k)).filter(Boolean);
}

export function buildLegend(container, colors, names) {
  container.innerHTML = `<div class="tree-cat">${t("legend")}</div>`;
  if (!names.length) container.innerHTML += `<div class="muted">${t("legend_empty")}</div>`;
  for (const [code, name] of names) {
    const row = document.createElement("div");
    row.className = "legend-row";
    row.dataset.code = code;
    const label = typeof name === "string" ? name : name[currentLang()] || name.zh;
    const sw = document.createElement("span");
    sw.className = "sw";
    sw.style.background = colors[code] || "#ccc";
    row.append(sw, `${code} ${label}`);
    container.appendChild(row);
  }
}

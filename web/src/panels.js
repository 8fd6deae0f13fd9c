// Side panels built against whatever capability routes exist (checked in the OpenAPI document).
import { t } from "./i18n.js";
import { getJSON, request, routes } from "./api.js";

const esc = (v) => String(v ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

export function table(rows, columns) {
  if (!rows.length) return `<p>${t("none")}</p>`;
  const cols = columns || Object.keys(rows[0]).filter((k) => typeof rows[0][k] !== "object");
  const head = cols.map((c) => `<th>${esc(c)}</th>`).join("");
  const body = rows.map((r) => `<tr>${cols.map((c) => `<td>${esc(r[c])}</td>`).join("")}</tr>`).join("");
  return `<table class="data"><tr>${head}</tr>${body}</table>`;
}

export async function loadStats(el, level) {
  el.innerHTML = t("loading");
  try {
    const rows = await getJSON(`/stats?level=${level}`);
    const top = rows.filter((r) => r.class_level <= 1);
    el.innerHTML = `<p><b>${t("stats_rows")}</b></p>` + table(top.map((r) => ({
      [t("admin")]: `${r.admin_name || ""} ${r.admin_code}`,
      [t("class")]: `${r.class_code === "total" ? "合计" : r.class_code} ${r.class_name || ""}`,
      [t("ha")]: r.area_ha, [t("mu")]: r.area_mu })));
  } catch (err) {
    el.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

function caseGeometry(c) {
  return c.geometry || (c.feature && c.feature.geometry) || null;
}

function bboxOf(geom) {
  const pts = [];
  const walk = (a) => (typeof a[0] === "number" ? pts.push(a) : a.forEach(walk));
  walk(geom.coordinates);
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  return [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]];
}

export async function loadCases(el, map) {
  const paths = await routes();
  if (!paths["/cases"]) { el.innerHTML = `<p>${t("not_available")}</p>`; return; }
  el.innerHTML = t("loading");
  try {
    const body = await getJSON("/cases");
    const cases = Array.isArray(body) ? body : body.cases || body.items || [];
    el.innerHTML = "";
    const list = document.createElement("div");
    for (const c of cases) {
      const id = c.id ?? c.case_id;
      const row = document.createElement("div");
      row.className = "case-row";
      row.innerHTML = `<b>${esc(c.title || c.name || c.code || id)}</b> · ${esc(c.status || c.state || "")} · ${esc(c.county || "")}`;
      const geom = caseGeometry(c);
      if (geom) {
        const zoom = document.createElement("button");
        zoom.textContent = "⌖";
        zoom.onclick = () => { showCaseOnMap(map, geom); map.fitBounds(bboxOf(geom), { padding: 60, maxZoom: 16 }); };
        row.append(" ", zoom);
      }
      const actions = c.allowed_actions || c.actions || c.transitions || c.next || [];
      for (const a of actions) {
        const name = typeof a === "string" ? a : a.action || a.name;
        const label = typeof a === "string" ? a : a.label_zh || a.label || name;
        const btn = document.createElement("button");
        btn.textContent = label;
        btn.onclick = async () => {
          try { await request("POST", `/cases/${id}/transitions`, { action: name }); await loadCases(el, map); }
          catch (err) { alert(err.message); }
        };
        row.append(" ", btn);
      }
      list.appendChild(row);
    }
    el.appendChild(list);
    if (!cases.length) el.innerHTML = `<p>${t("none")}</p>`;
  } catch (err) {
    el.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

function showCaseOnMap(map, geom) {
  const data = { type: "Feature", geometry: geom, properties: {} };
  if (map.getSource("case")) { map.getSource("case").setData(data); return; }
  map.addSource("case", { type: "geojson", data });
  map.addLayer({ id: "case-line", type: "line", source: "case", paint: { "line-color": "#ff00ff", "line-width": 3 } });
}

const WARN = { green: "#2e7d32", yellow: "#f9a825", red: "#c62828", none: "#9e9e9e" };

export async function loadIndicators(el, lang) {
  const paths = await routes();
  if (!paths["/indicators/evaluations"]) { el.innerHTML = `<p>${t("not_available")}</p>`; return; }
  const year = Number(el.dataset.year || new Date().getFullYear() - 1);
  el.innerHTML = `<label>${t("year")} <input id="ind-year" type="number" value="${year}" style="width:6em"></label>
    <a id="ind-pdf" href="/indicators/report.pdf?year=${year}&lang=${lang}" target="_blank">${t("pdf_report")}</a>
    <div id="ind-body">${t("loading")}</div>`;
  el.querySelector("#ind-year").onchange = (ev) => { el.dataset.year = ev.target.value; loadIndicators(el, lang); };
  const body = el.querySelector("#ind-body");
  try {
    const rows = await getJSON(`/indicators/evaluations?year=${year}&lang=${lang}`);
    body.innerHTML = rows.length ? `<table class="data"><tr><th>${t("indicator")}</th><th>${t("admin")}</th>
      <th>${t("value")}</th><th>${t("target")}</th><th>${t("progress")}</th><th>${t("warning")}</th></tr>` +
      rows.map((r) => `<tr><td>${esc(r.name)}</td><td>${esc(r.region_name || r.region)}</td>
        <td>${r.value == null ? "-" : Number(r.value).toFixed(2)} ${esc(r.unit)}</td>
        <td>${r.target == null ? "-" : Number(r.target).toFixed(2)}</td>
        <td>${r.progress == null ? "-" : (100 * r.progress).toFixed(0) + "%"}</td>
        <td title="${esc(r.rule)}"><span class="sw" style="background:${WARN[r.warning] || "#999"}"></span>${esc(r.warning)}</td></tr>`).join("") +
      "</table>" : `<p>${t("none")}</p>`;
  } catch (err) {
    body.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

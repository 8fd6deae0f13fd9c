// Side panels built against whatever capability routes exist (checked in the OpenAPI document).
import { t, nameOf, label, fmt } from "./i18n.js";
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
      [t("class")]: r.class_code === "total" ? t("total")
        : `${r.class_code} ${nameOf("level1", r.class_code, r.class_name || "")}`,
      [t("ha")]: fmt(r.area_ha, 4), [t("mu")]: fmt(r.area_mu, 2) })));
  } catch (err) {
    el.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

function bboxOf(geom) {
  const pts = [];
  const walk = (a) => (typeof a[0] === "number" ? pts.push(a) : a.forEach(walk));
  walk(geom.coordinates);
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  return [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]];
}

// The case workflow (下发→核查举证→审核→立案→整改→销号): the server lists in the case
// detail's `allowed_actions` what the *current user* may do now (role, region level, status,
// verdict), from the same rules its transition check applies; only those become buttons.
const VERDICTS = ["合法", "违法", "未变化", "其他"];

async function transition(id, action, version) {
  const body = { action, expected_version: version };
  if (action === "verify") {
    const v = prompt(`核查结论 verdict: ${VERDICTS.join(" / ")}`, "违法");
    if (!v) return false;
    body.verdict = v;
  }
  if (action === "reject" || action === "verify") {
    const code = prompt("原因代码 reason code (可空 optional)", "");
    if (code) body.reason_code = code;
  }
  const comment = prompt("说明 comment", "");
  if (comment) body.comment = comment;
  await request("POST", `/cases/${id}/transitions`, body);
  return true;
}

async function showCase(el, map, id, reload) {
  const body = await getJSON(`/cases/${id}`);
  const c = body.case || body;
  const events = body.events || [];
  if (c.geometry) {
    showCaseOnMap(map, c.geometry);
    map.fitBounds(bboxOf(c.geometry), { padding: 80, maxZoom: 16 });
  }
  const actions = body.allowed_actions || [];
  el.innerHTML = `<h4 id="case-detail-title">${esc(c.case_no)} · ${esc(label("case_status", c.status))}</h4>
    <p>${esc(label("legality", c.pre_judgement || ""))} · ${esc(c.from_code || "")} ${esc(label("land_class", c.from_code))}
    → ${esc(c.to_code || "")} ${esc(label("land_class", c.to_code))} · ${fmt(c.area_m2, 2)} m²
    ${c.due_date ? ` · ${t("due")} ${esc(c.due_date)}` : ""}</p>
    <p>${(c.classes || []).map((k) => esc(label("change_class", k))).join("；")}</p><div class="case-actions"></div>` +
    table(events.map((e) => ({ [t("seq")]: e.seq, [t("time")]: String(e.at).slice(0, 16),
      [t("action")]: label("case_action", e.action), [t("person")]: e.actor,
      [t("status")]: label("case_status", e.to_status), [t("comment")]: e.comment || "" })));
  const bar = el.querySelector(".case-actions");
  for (const a of actions) {
    const name = typeof a === "string" ? a : a.action || a.name;
    if (["attach", "set_due", "comment"].includes(name)) continue;
    const btn = document.createElement("button");
    btn.textContent = label("case_action", name);
    btn.dataset.action = name;
    btn.onclick = async () => {
      try { if (await transition(c.id, name, c.version)) { await reload(); await showCase(el, map, c.id, reload); } }
      catch (err) { alert(err.message); }
    };
    bar.appendChild(btn);
  }
}

const PAGE_SIZE = 20;

// The case list: filtered by status, county and case number, paged, with a detail panel.
export async function loadCases(el, map) {
  const paths = await routes();
  if (!paths["/cases"]) { el.innerHTML = `<p>${t("not_available")}</p>`; return; }
  el.innerHTML = `<div id="case-filters">
      <select id="case-status"><option value="">${t("status")}: ${t("all")}</option></select>
      <select id="case-county"><option value="">${t("county_col")}: ${t("all")}</option></select>
      <input id="case-search" placeholder="${t("search_case")}" size="14"></div>
    <div id="case-list">${t("loading")}</div>
    <div id="case-pager"></div>
    <div id="case-detail" class="detail"><p class="muted">${t("case_detail")}</p></div>`;
  const list = el.querySelector("#case-list");
  const pager = el.querySelector("#case-pager");
  const detail = el.querySelector("#case-detail");
  const view = { cases: [], page: 0 };
  const filtered = () => {
    const st = el.querySelector("#case-status").value, co = el.querySelector("#case-county").value;
    const q = el.querySelector("#case-search").value.trim().toLowerCase();
    return view.cases.filter((c) => (!st || c.status === st) && (!co || c.county === co)
      && (!q || String(c.case_no || c.id).toLowerCase().includes(q)));
  };
  const render = () => {
    const rows = filtered();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    view.page = Math.min(view.page, pages - 1);
    const shown = rows.slice(view.page * PAGE_SIZE, (view.page + 1) * PAGE_SIZE);
    list.innerHTML = rows.length ? `<table class="data"><tr><th>${t("case_no")}</th><th>${t("status")}</th><th>${t("county_col")}</th>
      <th>${t("pre_judgement")}</th></tr>${shown.map((c) =>
      `<tr class="case-row" data-id="${esc(c.id)}"><td>${esc(c.case_no || c.id)}</td>
       <td>${esc(label("case_status", c.status))}</td><td>${esc(c.county_name || c.county)}</td>
       <td>${esc(label("legality", c.pre_judgement || ""))}</td></tr>`).join("")}</table>` : `<p>${t("none")}</p>`;
    pager.innerHTML = `<button id="case-prev" ${view.page ? "" : "disabled"}>${t("prev")}</button>
      <span id="case-page">${view.page + 1} / ${pages} ${t("page")} · ${t("of_total")} ${rows.length.toLocaleString()} ${t("rows")}</span>
      <button id="case-next" ${view.page + 1 < pages ? "" : "disabled"}>${t("next")}</button>`;
    pager.querySelector("#case-prev").onclick = () => { view.page -= 1; render(); };
    pager.querySelector("#case-next").onclick = () => { view.page += 1; render(); };
    for (const row of list.querySelectorAll(".case-row"))
      row.onclick = () => {
        for (const r of list.querySelectorAll(".case-row")) r.classList.toggle("selected", r === row);
        showCase(detail, map, row.dataset.id, reload).catch((err) => { detail.innerHTML = `<p class="error">${esc(err.message)}</p>`; });
      };
  };
  const reload = async () => {
    const body = await getJSON("/cases");
    view.cases = Array.isArray(body) ? body : body.cases || body.items || [];
    const fill = (id, values, name) => {
      const sel = el.querySelector(id);
      const keep = sel.value;
      sel.length = 1;
      for (const v of values) sel.add(new Option(name(v), v));
      sel.value = keep;
    };
    fill("#case-status", [...new Set(view.cases.map((c) => c.status))], (v) => label("case_status", v));
    fill("#case-county", [...new Set(view.cases.map((c) => c.county))].sort(), (v) => v);
    render();
  };
  for (const id of ["#case-status", "#case-county"]) el.querySelector(id).onchange = () => { view.page = 0; render(); };
  el.querySelector("#case-search").oninput = () => { view.page = 0; render(); };
  try { await reload(); } catch (err) { list.innerHTML = `<p class="error">${esc(err.message)}</p>`; }
}

function showCaseOnMap(map, geom) {
  const data = { type: "Feature", geometry: geom, properties: {} };
  if (map.getSource("case")) { map.getSource("case").setData(data); return; }
  map.addSource("case", { type: "geojson", data });
  map.addLayer({ id: "case-line", type: "line", source: "case", paint: { "line-color": "#ff00ff", "line-width": 3 } });
}

const WARN = { green: "#2e7d32", yellow: "#f9a825", red: "#c62828", none: "#9e9e9e" };

// The year whose data exists last (values recorded for the root region), not the calendar's.
async function latestDataYear(region) {
  const q = region ? `?region=${encodeURIComponent(region)}` : "";
  const values = await getJSON(`/indicators/values${q}`);
  const now = new Date().getFullYear();
  const years = values.map((v) => v.year).filter((y) => y <= now);
  return years.length ? Math.max(...years) : now - 1;
}

export async function loadIndicators(el, lang, region) {
  const paths = await routes();
  if (!paths["/indicators/evaluations"]) { el.innerHTML = `<p>${t("not_available")}</p>`; return; }
  if (!el.dataset.year) el.dataset.year = String(await latestDataYear(region));
  const year = Number(el.dataset.year);
  el.innerHTML = `<label>${t("year")} <input id="ind-year" type="number" value="${year}" style="width:6em"></label>
    <a id="ind-dashboard" href="/indicators/dashboard?year=${year}&lang=${lang}" target="_blank">${t("dashboard")}</a>
    <a id="ind-pdf" href="/indicators/report.pdf?year=${year}&lang=${lang}" target="_blank">${t("pdf_report")}</a>
    <div id="ind-body">${t("loading")}</div>`;
  el.querySelector("#ind-year").onchange = (ev) => { el.dataset.year = ev.target.value; loadIndicators(el, lang, region); };
  const body = el.querySelector("#ind-body");
  try {
    const rows = await getJSON(`/indicators/evaluations?year=${year}&lang=${lang}`);
    body.innerHTML = rows.length ? `<table class="data"><tr><th>${t("indicator")}</th><th>${t("admin")}</th>
      <th>${t("value")}</th><th>${t("target")}</th><th>${t("progress")}</th><th>${t("warning")}</th></tr>` +
      rows.map((r) => `<tr><td>${esc(r.name)}</td><td>${esc(r.region_name || r.region)}</td>
        <td class="num">${fmt(r.value)} ${esc(nameOf("unit", r.unit))}</td>
        <td class="num">${fmt(r.target)}</td>
        <td class="num progress">${r.progress == null ? "-" : fmt(100 * r.progress, 0) + "%"}</td>
        <td class="warn" title="${esc(r.rule)}"><span class="sw" style="background:${WARN[r.warning] || "#999"}"></span>${esc(label("warning", r.warning))}</td></tr>`).join("") +
      "</table>" : `<p>${t("none")}</p>`;
  } catch (err) {
    body.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

// Side panels built against whatever capability routes exist (checked in the OpenAPI document).
import { t, nameOf } from "./i18n.js";
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
      [t("ha")]: r.area_ha, [t("mu")]: r.area_mu })));
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
const ACTION_ZH = { create: "下发", verify: "核查举证", approve: "审核通过", reject: "审核退回",
  file: "立案", rectify: "整改", close: "销号", comment: "备注", attach: "上传附件", set_due: "调整期限" };
const STATUS_ZH = { issued: "已下发待核查", submitted: "已举证待审核", confirmed: "审核通过",
  filed: "已立案", rectifying: "整改中", closed: "已销号" };
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
  el.innerHTML = `<h4>${esc(c.case_no)} · ${esc(nameOf("status", c.status, c.status_zh))}</h4>
    <p>${esc(nameOf("judgement", c.pre_judgement || ""))} ${esc(c.from_code || "")} → ${esc(c.to_code || "")}
    ${c.due_date ? ` · ${t("due")} ${esc(c.due_date)}` : ""}</p><div class="case-actions"></div>` +
    table(events.map((e) => ({ [t("seq")]: e.seq, [t("time")]: String(e.at).slice(0, 16),
      [t("action")]: nameOf("action", e.action, ACTION_ZH[e.action]), [t("person")]: e.actor,
      [t("status")]: nameOf("status", e.to_status, STATUS_ZH[e.to_status]), [t("comment")]: e.comment || "" })));
  const bar = el.querySelector(".case-actions");
  for (const a of actions) {
    const name = typeof a === "string" ? a : a.action || a.name;
    if (["attach", "set_due", "comment"].includes(name)) continue;
    const btn = document.createElement("button");
    btn.textContent = nameOf("action", name, ACTION_ZH[name]);
    btn.dataset.action = name;
    btn.onclick = async () => {
      try { if (await transition(c.id, name, c.version)) { await reload(); await showCase(el, map, c.id, reload); } }
      catch (err) { alert(err.message); }
    };
    bar.appendChild(btn);
  }
}

export async function loadCases(el, map) {
  const paths = await routes();
  if (!paths["/cases"]) { el.innerHTML = `<p>${t("not_available")}</p>`; return; }
  el.innerHTML = `<div id="case-list">${t("loading")}</div><div id="case-detail"></div>`;
  const list = el.querySelector("#case-list");
  const detail = el.querySelector("#case-detail");
  const reload = async () => {
    const body = await getJSON("/cases");
    const cases = Array.isArray(body) ? body : body.cases || body.items || [];
    if (!cases.length) { list.innerHTML = `<p>${t("none")}</p>`; return; }
    list.innerHTML = `<table class="data"><tr><th>${t("case_no")}</th><th>${t("status")}</th><th>${t("county_col")}</th>
      <th>${t("pre_judgement")}</th></tr>${cases.map((c) =>
      `<tr class="case-row" data-id="${esc(c.id)}" style="cursor:pointer"><td>${esc(c.case_no || c.id)}</td>
       <td>${esc(nameOf("status", c.status, c.status_zh))}</td><td>${esc(c.county)}</td>
       <td>${esc(nameOf("judgement", c.pre_judgement || ""))}</td></tr>`).join("")}</table>`;
    for (const row of list.querySelectorAll(".case-row"))
      row.onclick = () => showCase(detail, map, row.dataset.id, reload).catch((err) => { detail.innerHTML = `<p class="error">${esc(err.message)}</p>`; });
  };
  try { await reload(); } catch (err) { list.innerHTML = `<p class="error">${esc(err.message)}</p>`; }
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
    <a id="ind-dashboard" href="/indicators/dashboard?year=${year}&lang=${lang}" target="_blank">${t("dashboard")}</a>
    <a id="ind-pdf" href="/indicators/report.pdf?year=${year}&lang=${lang}" target="_blank">${t("pdf_report")}</a>
    <div id="ind-body">${t("loading")}</div>`;
  el.querySelector("#ind-year").onchange = (ev) => { el.dataset.year = ev.target.value; loadIndicators(el, lang); };
  const body = el.querySelector("#ind-body");
  try {
    const rows = await getJSON(`/indicators/evaluations?year=${year}&lang=${lang}`);
    body.innerHTML = rows.length ? `<table class="data"><tr><th>${t("indicator")}</th><th>${t("admin")}</th>
      <th>${t("value")}</th><th>${t("target")}</th><th>${t("progress")}</th><th>${t("warning")}</th></tr>` +
      rows.map((r) => `<tr><td>${esc(r.name)}</td><td>${esc(r.region_name || r.region)}</td>
        <td>${r.value == null ? "-" : Number(r.value).toFixed(2)} ${esc(nameOf("unit", r.unit))}</td>
        <td>${r.target == null ? "-" : Number(r.target).toFixed(2)}</td>
        <td>${r.progress == null ? "-" : (100 * r.progress).toFixed(0) + "%"}</td>
        <td title="${esc(r.rule)}"><span class="sw" style="background:${WARN[r.warning] || "#999"}"></span>${esc(r.warning)}</td></tr>`).join("") +
      "</table>" : `<p>${t("none")}</p>`;
  } catch (err) {
    body.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

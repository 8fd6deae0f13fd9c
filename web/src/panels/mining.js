// 矿产资源监管 mining supervision panel: rights coloured by status, conflicts and suspected
// illegal mining highlighted on the map, quota gauges per mineral, restoration progress.
const esc = (v) => String(v ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

const STATUS = {
  active: { zh: "有效", en: "active", color: "#2e7d32" },
  expired: { zh: "过期仍有效", en: "expired but active", color: "#f39c12" },
  application: { zh: "申请", en: "application", color: "#1f78b4" },
  suspended: { zh: "停产", en: "suspended", color: "#7f7f7f" },
  closed: { zh: "注销", en: "closed", color: "#bbbbbb" },
};
const L = {
  zh: { rights: "矿业权", conflicts: "管控区冲突", suspected: "疑似无证/越界开采", quota: "开采总量控制",
    restoration: "废弃露天矿山治理", exploration: "探矿权", none: "无", restored: "已治理（座）",
    unlicensed: "无证开采", beyond: "越界开采", used: "已用", year: "年度", report: "年度报告 PDF" },
  en: { rights: "Rights", conflicts: "Conflicts with controls", suspected: "Suspected illegal mining",
    quota: "Extraction quotas", restoration: "Abandoned open-pit mines restored", exploration: "exploration",
    none: "none", restored: "restored (mines)", unlicensed: "unlicensed", beyond: "beyond licence",
    used: "used", year: "Year", report: "Annual report PDF" },
};
const SOURCES = ["mining-rights", "mining-flags"];

function clear(map) {
  for (const id of SOURCES) {
    for (const s of ["-fill", "-line"]) if (map.getLayer(id + s)) map.removeLayer(id + s);
    if (map.getSource(id)) map.removeSource(id);
  }
}

function statusOf(right, expired) {
  return expired.has(right.right_no) ? "expired" : right.status;
}

export function draw(map, rights, report) {
  clear(map);
  const expired = new Set(report.issues.filter((i) => i.kind === "expired_active").map((i) => i.right_no));
  const conflicted = new Set(report.conflicts.map((c) => c.right_no));
  const features = rights.map((r) => ({
    type: "Feature", geometry: r.geometry,
    properties: { right_no: r.right_no, status: statusOf(r, expired), conflict: conflicted.has(r.right_no) ? 1 : 0,
      exploration: r.right_type === "exploration" ? 1 : 0 },
  }));
  const color = ["match", ["get", "status"], ...Object.entries(STATUS).flatMap(([k, v]) => [k, v.color]), "#999"];
  map.addSource("mining-rights", { type: "geojson", data: { type: "FeatureCollection", features } });
  map.addLayer({ id: "mining-rights-fill", type: "fill", source: "mining-rights",
    paint: { "fill-color": color, "fill-opacity": ["case", ["==", ["get", "exploration"], 1], 0.15, 0.45] } });
  map.addLayer({ id: "mining-rights-line", type: "line", source: "mining-rights",
    paint: { "line-color": ["case", ["==", ["get", "conflict"], 1], "#d7191c", color],
      "line-width": ["case", ["==", ["get", "conflict"], 1], 3, 1.2],
      "line-dasharray": ["case", ["==", ["get", "exploration"], 1], ["literal", [2, 2]], ["literal", [1, 0]]] } });
  const flags = report.suspected.filter((p) => p.geometry).map((p) => ({ type: "Feature", geometry: p.geometry,
    properties: { bsm: p.bsm, kind: p.kind } }));
  map.addSource("mining-flags", { type: "geojson", data: { type: "FeatureCollection", features: flags } });
  map.addLayer({ id: "mining-flags-fill", type: "fill", source: "mining-flags",
    paint: { "fill-color": "#ff00ff", "fill-opacity": 0.35 } });
  map.addLayer({ id: "mining-flags-line", type: "line", source: "mining-flags",
    paint: { "line-color": "#ff00ff", "line-width": 2.5 } });
  return features.length;
}

function gauges(rows, l, lang) {
  const top = rows.filter((r) => r.level !== "mine");
  if (!top.length) return `<p>${l.none}</p>`;
  return top.map((r) => {
    const pct = Math.min(100, Math.round(r.used_share * 1000) / 10);
    const cls = r.over ? "#c0392b" : pct >= 90 ? "#f39c12" : "#2e7d32";
    return `<div class="mining-gauge" data-mineral="${esc(r.mineral)}" data-level="${esc(r.level)}">
      <div>${esc(r.mineral)} · ${esc(r.holder)} · ${l.used} ${pct}%</div>
      <div style="background:#eee;height:10px;border-radius:3px"><div style="width:${pct}%;background:${cls};height:10px;border-radius:3px"></div></div>
      <div class="muted">${r.produced.toLocaleString(lang)} / ${r.quota.toLocaleString(lang)} ${esc(r.unit)}</div></div>`;
  }).join("");
}

export const panel = {
  tab: "mining",
  label: { zh: "矿产监管", en: "Mining" },
  route: "/mining/rights",
  render: async (el, ctx) => {
    const l = L[ctx.lang] || L.zh;
    const [rights, report, entries, restoration] = await Promise.all([
      ctx.getJSON("/mining/rights"), ctx.getJSON("/mining/check"),
      ctx.getJSON("/mining/reports"), ctx.getJSON("/mining/restoration")]);
    // the newest year with production reports (quotas are annual)
    const year = entries.reduce((y, e) => Math.max(y, e.year), 0) || new Date().getFullYear();
    const balance = await ctx.getJSON(`/mining/quotas/balance?year=${year}`);
    draw(ctx.map, rights, report);
    const legend = Object.values(STATUS).map((s) =>
      `<span style="display:inline-block;width:10px;height:10px;background:${s.color}"></span> ${s[ctx.lang] || s.zh}`).join(" ");
    const conflicts = report.conflicts.map((c) => `<tr class="mining-conflict"><td>${esc(c.right_no)}</td>
      <td>${esc(c.title)}</td><td>${c.overlap_ha.toFixed(4)}</td><td>${(c.share * 100).toFixed(1)}%</td><td>${esc(c.action_zh)}</td></tr>`).join("");
    const suspected = report.suspected.map((p) => `<tr class="mining-suspect"><td>${esc(p.bsm)}</td>
      <td>${p.kind === "beyond_licence" ? l.beyond : l.unlicensed}</td><td>${p.area_ha.toFixed(4)}</td></tr>`).join("");
    const restored = restoration.progress.reduce((n, p) => n + p.restored, 0);
    el.innerHTML = `
      <h3>${l.rights} <span id="mining-count">${rights.length}</span></h3><p>${legend}</p>
      <h3>${l.conflicts} (${report.conflicts.length})</h3>
      ${conflicts ? `<table class="data">${conflicts}</table>` : `<p>${l.none}</p>`}
      <h3>${l.suspected} (${report.suspected.length})</h3>
      ${suspected ? `<table class="data">${suspected}</table>` : `<p>${l.none}</p>`}
      <h3>${l.quota} ${year}</h3>${gauges(balance.rows, l, ctx.lang)}
      <h3>${l.restoration}</h3><p>${l.restored}: <b id="mining-restored">${restored}</b> / 1840</p>
      <p><a href="/mining/annual.pdf?year=${year}" target="_blank">${l.report}</a></p>`;
  },
};

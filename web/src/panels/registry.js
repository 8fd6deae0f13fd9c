// 自然资源确权登记 panel: unit outlines coloured by stage, a unit's register as a table,
// the 登记簿 PDF, and coverage (登记全覆盖) of the caller's region.
const STAGES = ["预划", "地籍调查", "审核", "公告", "登簿"];
const STAGE_EN = { 预划: "Delineated", 地籍调查: "Cadastral survey", 审核: "Review", 公告: "Public notice", 登簿: "Registered" };
const STAGE_COLOURS = { 预划: "#9e9e9e", 地籍调查: "#42a5f5", 审核: "#ffb300", 公告: "#ab47bc", 登簿: "#2e7d32" };
const TEXT = {
  zh: { units: "登记单元", number: "登记单元号", name: "名称", type: "类型", stage: "阶段", area: "面积（公顷）",
        resource: "资源类型", ha: "公顷", mu: "亩", control: "公共管制", mining: "采矿权", none: "无",
        natural: "自然状况", pdf: "登记簿 PDF", xlsx: "全部登记簿 XLSX", coverage: "登记覆盖（登簿）",
        region: "行政区", share: "占比", legend: "阶段图例", vintage: "地类图斑年度", total: "合计" },
  en: { units: "Registration units", number: "Unit no.", name: "Name", type: "Type", stage: "Stage", area: "Area (ha)",
        resource: "Resource", ha: "ha", mu: "mu", control: "Public controls", mining: "Mining rights", none: "none",
        natural: "Natural status", pdf: "Register PDF", xlsx: "All registers XLSX", coverage: "Coverage (registered)",
        region: "Region", share: "Share", legend: "Stages", vintage: "DLTB vintage", total: "Total" },
};
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const num = (v, d = 2) => Number(v).toLocaleString(undefined, { minimumFractionDigits: d, maximumFractionDigits: d });

function stageName(stage, lang) { return lang === "en" ? STAGE_EN[stage] || stage : stage; }

function showUnits(map, data) {
  const colour = ["match", ["get", "stage"], ...STAGES.flatMap((s) => [s, STAGE_COLOURS[s]]), "#555"];
  if (map.getSource("registry-units")) { map.getSource("registry-units").setData(data); return; }
  map.addSource("registry-units", { type: "geojson", data });
  map.addLayer({ id: "registry-units-fill", type: "fill", source: "registry-units",
                 paint: { "fill-color": colour, "fill-opacity": 0.25 } });
  map.addLayer({ id: "registry-units-line", type: "line", source: "registry-units",
                 paint: { "line-color": colour, "line-width": 2 } });
  map.addLayer({ id: "registry-selected", type: "line", source: "registry-units",
                 filter: ["==", ["get", "number"], ""], paint: { "line-color": "#d7301f", "line-width": 4 } });
}

function zoomTo(map, feature) {
  let x0 = 180, y0 = 90, x1 = -180, y1 = -90;
  const walk = (c) => { if (typeof c[0] === "number") { x0 = Math.min(x0, c[0]); x1 = Math.max(x1, c[0]); y0 = Math.min(y0, c[1]); y1 = Math.max(y1, c[1]); } else c.forEach(walk); };
  walk(feature.geometry.coordinates);
  map.fitBounds([[x0, y0], [x1, y1]], { padding: 40, duration: 0 });
}

async function showRegister(el, ctx, feature, T) {
  const n = feature.properties.number;
  ctx.map.setFilter("registry-selected", ["==", ["get", "number"], n]);
  zoomTo(ctx.map, feature);
  el.innerHTML = ctx.t("loading");
  const r = await ctx.getJSON(`/registry/units/${encodeURIComponent(n)}/register`);
  const rows = r.natural_status.map((s) => `<tr><td>${esc(s.resource)}</td><td class="num">${num(s.area_ha, 4)}</td>
      <td class="num">${num(s.area_mu)}</td></tr>`).join("");
  const controls = r.controls.length ? r.controls.map((c) => `<tr><td>${esc(c.control_zh)}</td>
      <td class="num">${num(c.area_ha, 4)}</td><td class="num">${num(100 * c.share)}%</td></tr>`).join("")
    : `<tr><td colspan="3">${T.none}</td></tr>`;
  const mines = r.mining_rights.map((m) => esc(m.licence)).join(", ") || T.none;
  el.innerHTML = `<h3 id="registry-register-title">${esc(r.unit.name)} <small>${esc(n)}</small></h3>
    <p>${T.type}: ${esc(r.unit.type_name)} · ${T.stage}: <b style="color:${STAGE_COLOURS[r.unit.stage]}">${esc(stageName(r.unit.stage, ctx.lang))}</b>
      · ${T.vintage}: ${r.vintage}</p>
    <table class="data" id="registry-natural"><tr><th>${T.resource}</th><th>${T.ha}</th><th>${T.mu}</th></tr>${rows}
      <tr><td>${T.total}</td><td class="num">${num(r.total_m2 / 10000, 4)}</td><td class="num">${num(r.total_m2 / (10000 / 15))}</td></tr></table>
    <h4>${T.control}</h4><table class="data" id="registry-controls"><tr><th>${T.control}</th><th>${T.ha}</th><th>${T.share}</th></tr>${controls}</table>
    <p>${T.mining}: ${mines}</p>
    <a id="registry-pdf" href="/registry/units/${encodeURIComponent(n)}/register.pdf?lang=${ctx.lang}" target="_blank">${T.pdf}</a>`;
}

async function render(el, ctx) {
  const T = TEXT[ctx.lang] || TEXT.zh;
  const data = await ctx.getJSON("/registry/units.geojson");
  showUnits(ctx.map, data);
  const feats = data.features;
  const legend = STAGES.map((s) => `<span class="registry-stage" style="border-left:12px solid ${STAGE_COLOURS[s]};padding-left:4px;margin-right:6px">${esc(stageName(s, ctx.lang))}</span>`).join("");
  el.innerHTML = `<p>${T.legend}: ${legend}</p>
    <a id="registry-xlsx" href="/registry/registers.xlsx" target="_blank">${T.xlsx}</a>
    <div id="registry-coverage"></div>
    <table class="data" id="registry-units"><tr><th>${T.number}</th><th>${T.name}</th><th>${T.stage}</th><th>${T.area}</th></tr>
    ${feats.map((f, i) => `<tr class="registry-row" data-i="${i}" style="cursor:pointer"><td>${esc(f.properties.number)}</td>
      <td>${esc(f.properties.name)}</td><td>${esc(stageName(f.properties.stage, ctx.lang))}</td>
      <td class="num">${num(f.properties.area_ha, 2)}</td></tr>`).join("")}</table>
    <div id="registry-register"></div>`;
  const detail = el.querySelector("#registry-register");
  const open = (f) => showRegister(detail, ctx, f, T).catch((err) => { detail.innerHTML = `<p class="error">${esc(err.message)}</p>`; });
  for (const row of el.querySelectorAll(".registry-row")) row.onclick = () => open(feats[Number(row.dataset.i)]);
  ctx.map.on("click", "registry-units-fill", (ev) => {
    const hit = ev.features && ev.features[0];
    const f = hit && feats.find((x) => x.properties.number === hit.properties.number);
    if (f) open(f);
  });
  try {
    const cov = await ctx.getJSON("/registry/coverage");
    const totals = cov.rows.filter((r) => r.resource === "合计" && r.region.length === 6);
    el.querySelector("#registry-coverage").innerHTML = `<h4>${T.coverage}</h4><table class="data"><tr><th>${T.region}</th>
      <th>${stageName("预划", ctx.lang)}</th><th>${stageName("登簿", ctx.lang)}</th></tr>${totals.slice(0, 12).map((r) =>
      `<tr><td>${esc(r.region)}</td><td class="num">${num(100 * r.covered_share["预划"])}%</td>
       <td class="num">${num(100 * r.covered_share["登簿"])}%</td></tr>`).join("")}</table>`;
  } catch (err) { el.querySelector("#registry-coverage").innerHTML = `<p class="error">${esc(err.message)}</p>`; }
}

export const registryPanel = {
  tab: "registry",
  label: { zh: "确权登记", en: "Registration" },
  route: "/registry/units",
  render,
};

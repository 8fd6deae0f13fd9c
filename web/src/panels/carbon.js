// Carbon accounts panel (碳储量核算): county choropleth of t C/ha or of the change between two
// DLTB vintages, stock and change tables, and the ranked restoration project library.
const esc = (v) => String(v ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const SRC = "carbon-choropleth";
const TEXT = {
  zh: { measure: "专题", density: "碳密度（吨碳/公顷）", change: "碳储量变化（吨碳/公顷）", show: "显示",
    stock: "碳储量", county: "县", total: "合计（万吨碳）", per_ha: "吨碳/公顷", net: "净变化（吨碳）",
    gains: "增加", losses: "减少", residual: "未归因", built: "建设占用占减少", table: "碳密度表",
    projects: "生态保护修复项目储备库", rank: "#", type: "类型", budget: "投资（万元）", gain: "预期碳增量（吨碳）",
    status: "状态", none: "无", need_batch: "尚无变化检测批次：变化统计在检测后显示。", vintage: "年度" },
  en: { measure: "Theme", density: "Carbon density (t C/ha)", change: "Stock change (t C/ha)", show: "Show",
    stock: "Carbon stock", county: "County", total: "Total (10k t C)", per_ha: "t C/ha", net: "Net change (t C)",
    gains: "Gains", losses: "Losses", residual: "Unattributed", built: "Share of losses to construction",
    table: "Density table", projects: "Restoration project library", rank: "#", type: "Type",
    budget: "Budget (10k CNY)", gain: "Expected gain (t C)", status: "Status", none: "none",
    need_batch: "No change-detection batch yet: the change table appears after detection.", vintage: "Vintage" },
};
const fmt = (v, d = 2) => (v === null || v === undefined ? "-" : Number(v).toLocaleString(undefined, { maximumFractionDigits: d, minimumFractionDigits: d }));

function ramp(values, diverging) {
  const finite = values.filter((v) => v !== null && Number.isFinite(v));
  if (!finite.length) return ["#cccccc"];
  if (diverging) {
    const m = Math.max(...finite.map(Math.abs)) || 1;
    return ["interpolate", ["linear"], ["coalesce", ["get", "value"], 0], -m, "#b2182b", 0, "#f7f7f7", m, "#1a9850"];
  }
  const lo = Math.min(...finite), hi = Math.max(...finite);
  return ["interpolate", ["linear"], ["coalesce", ["get", "value"], lo], lo, "#edf8e9", (lo + hi) / 2, "#74c476", hi === lo ? lo + 1 : hi, "#005a32"];
}

function draw(map, fc, key) {
  const features = fc.features.filter((f) => f.geometry).map((f) => ({ ...f, properties: { ...f.properties, value: f.properties[key] } }));
  const data = { type: "FeatureCollection", features };
  if (map.getSource(SRC)) map.getSource(SRC).setData(data);
  else {
    map.addSource(SRC, { type: "geojson", data });
    map.addLayer({ id: `${SRC}-fill`, type: "fill", source: SRC, paint: { "fill-opacity": 0.75 } });
    map.addLayer({ id: `${SRC}-line`, type: "line", source: SRC, paint: { "line-color": "#333", "line-width": 0.6 } });
  }
  map.setPaintProperty(`${SRC}-fill`, "fill-color", ramp(features.map((f) => f.properties.value), key === "change_tc_per_ha"));
}

export const carbonPanel = {
  tab: "carbon",
  label: { zh: "碳储量", en: "Carbon" },
  route: "/carbon/map",
  render: async (el, ctx) => {
    const L = TEXT[ctx.lang] || TEXT.zh;
    const layers = await ctx.getJSON("/layers");
    const years = [...new Set(layers.filter((l) => l.kind === "dltb").map((l) => l.vintage))].sort();
    if (!years.length) { el.innerHTML = `<p>${L.none}</p>`; return; }
    const to = years[years.length - 1], from = years.length > 1 ? years[years.length - 2] : null;
    el.innerHTML = `<p><label>${L.measure} <select id="carbon-measure">
        <option value="density_tc_per_ha">${L.density} ${to}</option>
        ${from ? `<option value="change_tc_per_ha">${L.change} ${from}→${to}</option>` : ""}
      </select></label></p><div id="carbon-legend" class="muted"></div>
      <div id="carbon-stock"></div><div id="carbon-change"></div><div id="carbon-projects"></div>`;
    const fc = await ctx.getJSON(`/carbon/map?vintage=${to}${from ? `&from_year=${from}` : ""}`);
    const select = el.querySelector("#carbon-measure");
    const paint = () => {
      draw(ctx.map, fc, select.value);
      el.querySelector("#carbon-legend").textContent = `${L.table} ${fc.table.name} ${fc.table.version}`;
    };
    select.onchange = paint;
    paint();
    const rows = fc.features.map((f) => f.properties);
    el.querySelector("#carbon-stock").innerHTML = `<h3>${L.stock} ${to}</h3><table class="data">
      <tr><th>${L.county}</th><th>${L.total}</th><th>${L.per_ha}</th><th>${L.change}</th></tr>
      ${rows.map((r) => `<tr><td>${esc(r.name)} ${esc(r.county)}</td><td>${fmt(r.total_tc / 1e4)}</td>
        <td>${fmt(r.density_tc_per_ha)}</td><td>${fmt(r.change_tc_per_ha, 4)}</td></tr>`).join("")}</table>`;
    if (from) {
      try {
        const ch = await ctx.getJSON(`/carbon/change?from_year=${from}&to_year=${to}`);
        const t = ch.total;
        el.querySelector("#carbon-change").innerHTML = `<h3>${from}→${to}</h3>
          <p>${L.net} <b>${fmt(t.net_tc, 1)}</b> · ${L.gains} ${fmt(t.gains_tc, 1)} · ${L.losses} ${fmt(t.losses_tc, 1)}
          · ${L.residual} ${fmt(t.residual_tc, 3)} · ${L.built} ${fmt(ch.construction_loss_share * 100, 1)}%</p>
          <table class="data">${ch.by_group.map((g) => `<tr><td>${esc(g.from_group)}→${esc(g.to_group)}</td>
            <td>${fmt(g.area_ha)} ha</td><td>${fmt(g.change_tc, 1)}</td></tr>`).join("")}</table>`;
      } catch (err) {
        el.querySelector("#carbon-change").innerHTML = `<p class="muted">${esc(L.need_batch)}</p>`;
      }
    }
    const lib = await ctx.getJSON("/carbon/projects");
    el.querySelector("#carbon-projects").innerHTML = `<h3>${L.projects}</h3>` + (lib.projects.length ? `<table class="data">
      <tr><th>${L.rank}</th><th>${L.type}</th><th>${L.budget}</th><th>${L.gain}</th><th>${L.status}</th></tr>
      ${lib.projects.map((p) => `<tr><td>${p.rank}</td><td>${esc(p.name)}<br><span class="muted">${esc(p.type)} ${esc(p.id)}</span></td>
        <td>${fmt(p.budget_wan, 0)}</td><td>${fmt(p.expected_gain_tc, 1)}</td><td>${esc(p.status)}</td></tr>`).join("")}</table>` : `<p>${L.none}</p>`);
  },
};

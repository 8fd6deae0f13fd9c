// 地质灾害气象风险预警 panel: the day's warning zones coloured by level (with the legend),
// warned points, and on click the figures that made the level and the response status.
const esc = (v) => String(v ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const LEVELS = [
  [4, "#e31a1c", { zh: "红色(I级)", en: "red (I)" }],
  [3, "#ff7f00", { zh: "橙色(II级)", en: "orange (II)" }],
  [2, "#ffd92f", { zh: "黄色(III级)", en: "yellow (III)" }],
  [1, "#1f78b4", { zh: "蓝色(IV级)", en: "blue (IV)" }],
];
const RESP = { notified: "已通知", patrolled: "已巡查", evacuated: "已撤离", reported: "险情上报" };
const L = {
  zh: { day: "预警日期", load: "查看", zones: "预警风险区", points: "预警隐患点", none: "当日无预警",
        pe: "有效降雨量 Pe", r0: "当日雨量 R0", ante: "前期雨量", thr: "临界值", rule: "判定规则",
        resp: "响应", noresp: "未反馈", notissued: "未发布", legend: "预警等级", bulletin: "预警单 PDF",
        susc: "易发程度", source: "R0 来源", grid: "网格预报", obs: "雨量站实况", area: "面积" },
  en: { day: "Day", load: "Show", zones: "warned zones", points: "warned points", none: "no warning",
        pe: "Effective rainfall Pe", r0: "Day's rain R0", ante: "Antecedent", thr: "Threshold",
        rule: "Rule", resp: "Response", noresp: "no feedback", notissued: "not issued",
        legend: "Warning level", bulletin: "Bulletin PDF", susc: "Susceptibility",
        source: "R0 from", grid: "forecast grid", obs: "gauges", area: "Area" },
};

function features(sites, status) {
  return {
    type: "FeatureCollection",
    features: sites.filter((w) => w.level > 0 && w.geometry).map((w) => {
      const { geometry, ...props } = w;
      return { type: "Feature", geometry, properties: { ...props, response: status.get(w.id) ?? null } };
    }),
  };
}

async function responseStatus(getJSON, day) {
  const status = new Map();
  const batches = await getJSON(`/hazards/batches?on=${day}`);
  for (const b of batches) {
    const detail = await getJSON(`/hazards/batches/${b.id}`);
    for (const n of detail.notices) status.set(n.point_id, { batch: b.batch_no, closed: b.status === "closed", kinds: n.responses, moved: n.people_moved });
    for (const w of detail.warnings) if (!status.has(w.id)) status.set(w.id, { batch: b.batch_no, closed: b.status === "closed", kinds: [], moved: 0 });
  }
  return status;
}

function responseText(r, l) {
  if (!r) return l.notissued;
  const kinds = r.kinds.length ? r.kinds.map((k) => RESP[k] || k).join("、") : l.noresp;
  return `${esc(r.batch)}：${kinds}${r.moved ? `（撤离 ${r.moved} 人）` : ""}`;
}

function popupHtml(p, lang) {
  const l = L[lang] || L.zh;
  const r = typeof p.response === "string" ? JSON.parse(p.response) : p.response;
  const thr = p.threshold_mm == null || p.threshold_mm === "null" ? "—" : `${p.threshold_mm} mm`;
  return `<div class="identify hazard-popup"><h3>${esc(p.id)} <span style="color:${esc(p.colour)}">■</span> ${esc(p.level_zh)}</h3><table>
    <tr><th>${l.susc}</th><td>${esc(p.susceptibility)}</td></tr>
    <tr><th>${l.pe}</th><td>${Number(p.pe_mm).toFixed(1)} mm</td></tr>
    <tr><th>${l.r0}</th><td>${Number(p.forecast_mm).toFixed(1)} mm</td></tr>
    <tr><th>${l.ante}</th><td>${Number(p.antecedent_mm).toFixed(1)} mm</td></tr>
    <tr><th>${l.thr}</th><td>${thr}</td></tr>
    ${p.area_m2 && p.area_m2 !== "null" ? `<tr><th>${l.area}</th><td>${(p.area_m2 / 10000).toFixed(2)} 公顷 / ${(p.area_m2 / (10000 / 15)).toFixed(2)} 亩</td></tr>` : ""}
    <tr><th>${l.rule}</th><td>${esc(p.rule)}</td></tr>
    <tr><th>${l.resp}</th><td class="hazard-response">${responseText(r, l)}</td></tr></table></div>`;
}

function draw(map, zones, points, lang) {
  for (const id of ["hazard-points", "hazard-zones-line", "hazard-zones"]) if (map.getLayer(id)) map.removeLayer(id);
  for (const id of ["hazard-points", "hazard-zones"]) if (map.getSource(id)) map.removeSource(id);
  map.addSource("hazard-zones", { type: "geojson", data: zones });
  map.addSource("hazard-points", { type: "geojson", data: points });
  map.addLayer({ id: "hazard-zones", type: "fill", source: "hazard-zones", paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.6 } });
  map.addLayer({ id: "hazard-zones-line", type: "line", source: "hazard-zones", paint: { "line-color": "#333", "line-width": 0.8 } });
  map.addLayer({ id: "hazard-points", type: "circle", source: "hazard-points", paint: {
    "circle-color": ["get", "colour"], "circle-radius": 6, "circle-stroke-color": "#222", "circle-stroke-width": 1 } });
  if (!map.__hazardClick) {
    map.__hazardClick = true;
    for (const layer of ["hazard-points", "hazard-zones"]) {
      map.on("click", layer, (e) => {
        const f = e.features && e.features[0];
        if (!f) return;
        new maplibregl.Popup({ maxWidth: "380px" }).setLngLat(e.lngLat).setHTML(popupHtml(f.properties, lang)).addTo(map);
      });
    }
  }
}

function firstCoordinate(g) {
  let c = g.coordinates;
  while (Array.isArray(c[0])) c = c[0];
  return c;
}

async function show(el, ctx, day) {
  const l = L[ctx.lang] || L.zh;
  const out = el.querySelector("#hazard-result");
  out.innerHTML = ctx.t("loading");
  const run = await ctx.getJSON(`/hazards/warnings?on=${day}`);
  const status = await responseStatus(ctx.getJSON, day);
  const zones = features(run.zones, status);
  const points = features(run.points, status);
  draw(ctx.map, zones, points, ctx.lang);
  const all = [...points.features, ...zones.features];
  const warned = all.map((f) => f.properties).sort((a, b) => b.level - a.level || a.id.localeCompare(b.id));
  const legend = LEVELS.map(([lv, colour, name]) => `<div class="legend-row"><span class="swatch" style="display:inline-block;width:12px;height:12px;background:${colour};border:1px solid #333"></span> ${esc(name[ctx.lang] || name.zh)}：${warned.filter((w) => w.level === lv).length}</div>`).join("");
  const rows = warned.slice(0, 300).map((w) => `<tr data-id="${esc(w.id)}"><td>${w.site === "point" ? "点" : "区"}</td><td>${esc(w.id)}</td><td style="background:${esc(w.colour)}">${esc(w.level_zh)}</td><td>${Number(w.pe_mm).toFixed(1)}</td><td>${responseText(w.response, l)}</td></tr>`).join("");
  out.innerHTML = `<div class="hazard-legend"><b>${l.legend}</b>${legend}</div>
    <p>${l.source}：${run.forecast ? l.grid : l.obs} · ${l.points} ${points.features.length} · ${l.zones} ${zones.features.length}</p>
    <p><a href="/hazards/bulletin.pdf?on=${day}" target="_blank">${l.bulletin}</a></p>
    ${warned.length ? `<table class="data hazard-table"><tr><th></th><th>编号</th><th>等级</th><th>Pe</th><th>${l.resp}</th></tr>${rows}</table>` : `<p>${l.none}</p>`}`;
  if (all.length) {
    const c = firstCoordinate(all[0].geometry);
    ctx.map.flyTo({ center: c, zoom: 9 });
  }
  for (const tr of out.querySelectorAll("tr[data-id]")) {
    tr.onclick = () => {
      const f = all.find((x) => x.properties.id === tr.dataset.id);
      if (!f) return;
      const c = firstCoordinate(f.geometry);
      ctx.map.flyTo({ center: c, zoom: 12 });
      new maplibregl.Popup({ maxWidth: "380px" }).setLngLat(c).setHTML(popupHtml(f.properties, ctx.lang)).addTo(ctx.map);
    };
  }
}

export const hazardsPanel = {
  tab: "hazards",
  label: { zh: "地灾预警", en: "Geohazard warning" },
  route: "/hazards/warnings",
  render: async (el, ctx) => {
    const l = L[ctx.lang] || L.zh;
    let day = new Date().toISOString().slice(0, 10);
    try {
      const batches = await ctx.getJSON("/hazards/batches");
      if (batches.length) day = batches[0].on;
    } catch (err) { /* no batch yet: today */ }
    el.innerHTML = `<label>${l.day} <input type="date" id="hazard-day" value="${day}"></label>
      <button id="hazard-load">${l.load}</button><div id="hazard-result"></div>`;
    el.querySelector("#hazard-load").onclick = () => show(el, ctx, el.querySelector("#hazard-day").value)
      .catch((err) => { el.querySelector("#hazard-result").innerHTML = `<p class="error">${esc(err.message)}</p>`; });
    await show(el, ctx, day);
  },
};

// 占补平衡 / 批供用 panel: remaining farmland quota per county as a choropleth, 批而未供 and
// idle land (闲置土地) of a year as a table and a map layer; click a county or a parcel for
// its details, open a case (立案) for an idle parcel. MapLibre is the page's global maplibregl.

const esc = (v) => String(v ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const fmt = (v, d = 2) => (v === null || v === undefined ? "-" : Number(v).toLocaleString("zh-CN", { maximumFractionDigits: d, minimumFractionDigits: d }));
const TEXT = {
  zh: { title: "占补平衡指标余额", county: "行政区", qty: "耕地 (公顷)", mu: "耕地 (亩)", paddy: "水田 (亩)",
    cap: "产能 (吨/年)", supply: "批供用", year: "年度", load: "查询", unsup: "批而未供 (公顷)",
    idle: "闲置 (公顷)", susp: "疑似闲置 (公顷)", earned: "增存挂钩指标 (公顷)", fee: "闲置费基数 (万元)",
    gdbh: "供地编号", status: "状态", agreed: "约定动工", area: "面积 (公顷)", share: "建设占比",
    open: "立案", opened: "已立案", idle_zh: "闲置", suspected_idle_zh: "疑似闲置", none: "无" },
  en: { title: "Remaining farmland quota", county: "County", qty: "Farmland (ha)", mu: "Farmland (mu)",
    paddy: "Paddy (mu)", cap: "Capacity (t/yr)", supply: "Land supply", year: "Year", load: "Load",
    unsup: "Approved, not supplied (ha)", idle: "Idle (ha)", susp: "Suspected idle (ha)",
    earned: "Quota earned (ha)", fee: "Idle fee basis (10k CNY)", gdbh: "Parcel", status: "Status",
    agreed: "Agreed start", area: "Area (ha)", share: "Built share", open: "Open case", opened: "Case opened",
    idle_zh: "idle", suspected_idle_zh: "suspected idle", none: "none" },
};
const RAMP = ["#f7fcf5", "#c7e9c0", "#74c476", "#31a354", "#006d2c"];

// Open this panel's popup in place of the others; the click is marked handled so the base
// layers' identify popup (app.js) does not open over it.
function front(map, e, make, then) {
  if (e.originalEvent) e.originalEvent.onemapHandled = true;  // the identify popup stays shut
  setTimeout(() => {
    for (const el of document.querySelectorAll(".maplibregl-popup")) el.remove();
    const pop = make().addTo(map);
    if (then) then(pop);
  }, 0);
}

function drop(map, ids) {
  for (const id of ids) {
    for (const layer of [`${id}-fill`, `${id}-line`]) if (map.getLayer(layer)) map.removeLayer(layer);
    if (map.getSource(id)) map.removeSource(id);
  }
}

async function counties(getJSON) {
  try {
    return await getJSON("/collections/admin_county/items?limit=1000");
  } catch {
    return { type: "FeatureCollection", features: [] };
  }
}

function choropleth(map, geo, rows, x) {
  const by = new Map(rows.map((r) => [r.county, r]));
  const max = Math.max(1, ...rows.map((r) => r.quantity_ha));
  const features = geo.features.filter((f) => by.has(String(f.properties.XZQDM).slice(0, 6))).map((f) => {
    const r = by.get(String(f.properties.XZQDM).slice(0, 6));
    return { ...f, properties: { ...f.properties, county: r.county, quantity_ha: r.quantity_ha,
      quantity_mu: r.quantity_mu, paddy_mu: r.paddy_mu, capacity_t: r.capacity_kg / 1000 } };
  });
  drop(map, ["quota-balance"]);
  map.addSource("quota-balance", { type: "geojson", data: { type: "FeatureCollection", features } });
  const stops = RAMP.flatMap((c, i) => [(max * i) / (RAMP.length - 1), c]);
  map.addLayer({ id: "quota-balance-fill", type: "fill", source: "quota-balance",
    paint: { "fill-color": ["interpolate", ["linear"], ["get", "quantity_ha"], ...stops], "fill-opacity": 0.6 } });
  map.addLayer({ id: "quota-balance-line", type: "line", source: "quota-balance", paint: { "line-color": "#006d2c", "line-width": 1.5 } });
  map.on("click", "quota-balance-fill", (e) => {
    if (map.getLayer("quota-idle-fill") && map.queryRenderedFeatures(e.point, { layers: ["quota-idle-fill"] }).length) return;
    const p = e.features[0].properties;
    front(map, e, () => new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(e.lngLat).setHTML(
      `<b>${esc(p.XZQMC || "")} ${esc(p.county)}</b><br>${x.qty}: ${fmt(p.quantity_ha, 4)}<br>` +
      `${x.mu}: ${fmt(p.quantity_mu)}<br>${x.paddy}: ${fmt(p.paddy_mu)}<br>${x.cap}: ${fmt(p.capacity_t, 1)}`));
  });
}

function idleLayer(map, geo, x, request, year) {
  drop(map, ["quota-idle"]);
  map.addSource("quota-idle", { type: "geojson", data: geo });
  const color = ["match", ["get", "status"], "idle", "#d7301f", "#fc8d59"];
  map.addLayer({ id: "quota-idle-fill", type: "fill", source: "quota-idle", paint: { "fill-color": color, "fill-opacity": 0.7 } });
  map.addLayer({ id: "quota-idle-line", type: "line", source: "quota-idle", paint: { "line-color": "#7f0000", "line-width": 2 } });
  map.on("click", "quota-idle-fill", (e) => {
    const p = e.features[0].properties;
    const area = JSON.parse(p.area || "{}");
    const html = `<b>${x.gdbh} ${esc(p.gdbh)}</b><br>${x.status}: ${esc(x[`${p.status}_zh`])}<br>` +
      `${x.agreed}: ${esc(p.agreed_start)}<br>${x.area}: ${fmt(area.ha, 4)}<br>${x.share}: ${fmt(p.built_share * 100, 1)} %<br>` +
      `${x.fee}: ${fmt(p.idle_fee_basis_wan)}<br><button class="quota-case">${x.open}</button>`;
    front(map, e, () => new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(e.lngLat).setHTML(html),
      (pop) => pop.getElement().querySelector(".quota-case").addEventListener("click", async (ev) => {
      try {
        const c = await request("POST", "/supply/cases", { year, gdbh: p.gdbh });
        ev.target.replaceWith(`${x.opened} ${c.case_no}`);
      } catch (err) {
        ev.target.replaceWith(err.message);
      }
    }));
  });
}

async function loadSupply(el, ctx, x, year) {
  const out = el.querySelector(".quota-supply");
  out.textContent = ctx.t("loading");
  const [st, idle] = await Promise.all([ctx.getJSON(`/supply/status?year=${year}`), ctx.getJSON(`/supply/idle?year=${year}`)]);
  const rows = [...st.counties, st.province].map((r) => `<tr><td>${esc(r.name)} ${esc(r.county)}</td>` +
    `<td>${fmt(r.unsupplied.ha)}</td><td>${fmt(r.suspected_idle.ha)}</td><td>${fmt(r.idle.ha)}</td>` +
    `<td>${fmt(r.idle_fee_basis_wan)}</td><td>${fmt(r.earned_quota.ha)}</td></tr>`).join("");
  out.innerHTML = `<table class="data quota-supply-table"><tr><th>${x.county}</th><th>${x.unsup}</th><th>${x.susp}</th>` +
    `<th>${x.idle}</th><th>${x.fee}</th><th>${x.earned}</th></tr>${rows}</table>` +
    `<p class="quota-idle-count">${x.idle}/${x.susp}: ${idle.features.length}</p>`;
  idleLayer(ctx.map, idle, x, ctx.request, year);
}

export const quotaPanel = {
  tab: "quota",
  label: { zh: "占补平衡", en: "Farmland quota" },
  route: "/quota/balance",
  render: async (el, ctx) => {
    const x = TEXT[ctx.lang] || TEXT.zh;
    const [bal, geo] = await Promise.all([ctx.getJSON("/quota/balance"), counties(ctx.getJSON)]);
    const rows = [...bal.rows, bal.total].map((r) => `<tr><td>${esc(r.name)} ${esc(r.county)}</td>` +
      `<td>${fmt(r.quantity_ha, 4)}</td><td>${fmt(r.quantity_mu)}</td><td>${fmt(r.paddy_mu)}</td>` +
      `<td>${fmt(r.capacity_kg / 1000, 1)}</td></tr>`).join("");
    el.innerHTML = `<h3>${x.title}</h3><table class="data quota-balance-table"><tr><th>${x.county}</th><th>${x.qty}</th>` +
      `<th>${x.mu}</th><th>${x.paddy}</th><th>${x.cap}</th></tr>${rows}</table>` +
      `<h3>${x.supply}</h3><label>${x.year} <input class="quota-year" type="number" value="2020" min="1990" max="2100"></label> ` +
      `<button class="quota-load">${x.load}</button><div class="quota-supply"></div>`;
    choropleth(ctx.map, geo, bal.rows, x);
    const load = () => loadSupply(el, ctx, x, Number(el.querySelector(".quota-year").value))
      .catch((err) => { el.querySelector(".quota-supply").innerHTML = `<p class="error">${esc(err.message)}</p>`; });
    el.querySelector(".quota-load").addEventListener("click", load);
    await load();
  },
};

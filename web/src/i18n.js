// Chinese by default, English on request (persisted in localStorage).
const TEXT = {
  zh: {
    title: "国土空间一张图", username: "用户名", password: "密码", login: "登录", logout: "退出",
    tab_layers: "图层", tab_tools: "工具", tab_review: "审查", tab_cases: "案件",
    tab_stats: "统计", tab_indicators: "指标", zoom_county: "定位到县", choose: "请选择",
    measure_line: "测距离", measure_area: "测面积", clear: "清除",
    review_help: "在地图上绘制地块（单击添加顶点），或上传坐标文件/Shapefile/GeoJSON，查看合规审查结论。",
    project_name: "项目名称", draw_site: "绘制地块", finish_review: "完成并审查",
    upload_review: "上传并审查", level: "级别", county: "县级", city: "市级", province: "省级",
    load: "查询", anonymous: "访客（公开数据）", legend: "图例（地类）", distance: "距离",
    area: "面积", verdict: "审查结论", pdf: "下载审查报告 (PDF)", html: "查看报告", rules: "触发规则",
    landuse: "占用地类", none: "无", loading: "加载中…", not_available: "该功能尚未开放",
    drawing: "单击地图添加顶点，完成后点击“完成并审查”", cases: "案件", feature: "要素",
    login_failed: "登录失败", reviewing: "正在审查…", stats_rows: "土地利用现状统计（公顷/亩）",
    admin: "行政区", class: "地类", ha: "公顷", mu: "亩", features: "个要素",
    year: "年度", dashboard: "指标看板", pdf_report: "体检报告 (PDF)", indicator: "指标", value: "现状值", target: "目标值",
    progress: "进度", warning: "预警", total: "合计", case_no: "编号", status: "状态",
    county_col: "县", pre_judgement: "预判", due: "期限", seq: "#", time: "时间", action: "操作",
    person: "人员", comment: "说明", all: "全部", search_case: "搜索编号", page: "页",
    prev: "上一页", next: "下一页", of_total: "共", rows: "条", case_detail: "点击案件查看详情",
    legend_empty: "视图内无地类图斑",
  },
  en: {
    title: "One Map of Territorial Space", username: "user", password: "password", login: "Log in",
    logout: "Log out", tab_layers: "Layers", tab_tools: "Tools", tab_review: "Review",
    tab_cases: "Cases", tab_stats: "Statistics", tab_indicators: "Indicators",
    zoom_county: "Zoom to county", choose: "choose…", measure_line: "Measure distance",
    measure_area: "Measure area", clear: "Clear",
    review_help: "Draw a site on the map (click to add vertices) or upload a coordinate file / Shapefile / GeoJSON to see its compliance review.",
    project_name: "Project", draw_site: "Draw site", finish_review: "Finish & review",
    upload_review: "Upload & review", level: "Level", county: "County", city: "City",
    province: "Province", load: "Load", anonymous: "guest (public data)", legend: "Legend (land use)",
    distance: "Distance", area: "Area", verdict: "Verdict", pdf: "Download report (PDF)",
    html: "View report", rules: "Rules triggered", landuse: "Land use occupied", none: "none",
    loading: "loading…", not_available: "not available yet",
    drawing: "Click the map to add vertices, then 'Finish & review'", cases: "Cases",
    feature: "feature", login_failed: "Login failed", reviewing: "Reviewing…",
    stats_rows: "Land-use statistics (ha / mu)", admin: "Region", class: "Class", ha: "ha",
    mu: "mu", features: "features", year: "Year", dashboard: "Indicator dashboard", pdf_report: "Health-check report (PDF)",
    indicator: "Indicator", value: "Value", target: "Target", progress: "Progress", warning: "Warning",
    total: "Total", case_no: "Case", status: "Status", county_col: "County",
    pre_judgement: "Pre-judgement", due: "due", seq: "#", time: "Time", action: "Action",
    person: "User", comment: "Comment", all: "all", search_case: "search case no.", page: "page",
    prev: "Previous", next: "Next", of_total: "of", rows: "rows", case_detail: "Click a case for its details",
    legend_empty: "No land-use patch in view",
  },
};

// English names of values the server sends in Chinese (the Chinese stays the default).
const NAMES_EN = {
  status: { issued: "Issued, to verify", submitted: "Verified, to review", confirmed: "Review passed",
    filed: "Case filed", rectifying: "Rectifying", closed: "Closed" },
  action: { create: "Issue", verify: "Verify", approve: "Approve", reject: "Return",
    file: "File case", rectify: "Rectify", close: "Close", comment: "Comment", attach: "Attach",
    set_due: "Set due date" },
  judgement: { 合法: "legal", 疑似违法: "suspected violation", 待核查: "to be verified",
    违法: "violation", 未变化: "unchanged", 其他: "other" },
  category: { 三区三线: "Three zones & three lines", 国土调查: "Land survey", 地质灾害: "Geological hazards",
    执法监管: "Enforcement", 用地审批: "Land approval", 矿产资源: "Mineral resources",
    耕地保护: "Farmland protection", 自定义: "Custom", 自然保护地: "Nature reserves", 行政区划: "Administrative divisions" },
  level1: { "00": "Wetland", "01": "Cultivated land", "02": "Plantation land", "03": "Forest land",
    "04": "Grassland", "05": "Commercial & service land", "06": "Industrial & mining land",
    "07": "Residential land", "08": "Public administration & service land", "09": "Special-use land",
    "10": "Transport land", "11": "Water & water-conservancy land", "12": "Other land" },
  unit: { 万亩: "10k mu", 亩: "mu", 公顷: "ha", 平方千米: "km²" },
  role: { provincial_admin: "provincial admin", analyst: "analyst", inspector: "inspector",
    readonly: "read-only", public: "public" },
};
const NAMES_ZH = {
  role: { provincial_admin: "省级管理员", analyst: "市县分析员", inspector: "执法核查员",
    readonly: "只读", public: "公众" },
};

/** English name of a server value (`group`: status, action, judgement, category, level1, unit)
 * in English mode, else `zh` (the server's Chinese) or the key itself. */
export function nameOf(group, key, zh) {
  if (lang === "en") return (NAMES_EN[group] && NAMES_EN[group][key]) || zh || key;
  return zh || (NAMES_ZH[group] && NAMES_ZH[group][key]) || key;
}

let lang = localStorage.getItem("onemap.lang") || "zh";

// The server's label catalogue (GET /labels): names of every enumerated value, by domain.
const LABELS = {};

export async function loadLabels(getJSON) {
  if (!LABELS[lang]) LABELS[lang] = await getJSON(`/labels?lang=${lang}`);
}

/** Name of `value` in `domain` (warning, change_class, land_class, field_QSXZ ...), else the value. */
export function label(domain, value) {
  const d = (LABELS[lang] || {})[domain];
  const key = String(value ?? "");
  return d && d[key] ? d[key] : key;
}

export function hasLabel(domain, value) {
  const d = (LABELS[lang] || {})[domain];
  return Boolean(d && d[String(value ?? "")]);
}

/** A number with thousands separators and `digits` decimals. */
export function fmt(n, digits = 2) {
  if (n == null || Number.isNaN(Number(n))) return "-";
  return Number(n).toLocaleString(lang === "zh" ? "zh-CN" : "en-US",
    { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** An area in m² with 公顷 and 亩. */
export function fmtArea(m2) {
  return `${fmt(m2)} m²（${fmt(m2 / 10000, 4)} ${t("ha")}，${fmt(m2 / 666.6667, 2)} ${t("mu")}）`;
}

export function t(key) {
  return (TEXT[lang] && TEXT[lang][key]) || TEXT.zh[key] || key;
}

export function currentLang() {
  return lang;
}

export function setLang(next) {
  lang = next;
  localStorage.setItem("onemap.lang", next);
  applyText();
}

export function applyText(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-ph]")) el.placeholder = t(el.dataset.i18nPh);
  const btn = document.getElementById("lang-btn");
  if (btn) btn.textContent = lang === "zh" ? "English" : "中文";
  document.title = t("title") + " · onemap";
}

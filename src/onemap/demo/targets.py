"""Land-class shares the demo province is calibrated to (percent of province area).

Published (江西省第三次全国国土调查主要数据公报, 2021-12-29; see
``shared/reference/jiangxi-figures.md``): 耕地 272.16 万公顷 = 16.3 % (水田 227.05,
水浇地 0.41, 旱地 44.70), 园地 57.24 = 3.4 % (果园 36.28, 茶园 3.25, 其他园地 17.71),
林地 1041.37 = 62.4 % (乔木林地 803.41), province 16.69 万 km².

ESTIMATED (the retrieved bulletin excerpt stops inside 林地), chosen so the total is
100 % and the proportions resemble Jiangxi and its neighbours:

============================  =======  =============================================
group                         share %  basis of the estimate
============================  =======  =============================================
湿地 (00)                      2.00    Poyang Lake's seasonal flats dominate
草地 (04)                      0.45    hilly south-east China has little grassland
城镇村及工矿用地 (05–09)        6.20    national 5.30 亿亩 ≈ 3.7 %, denser in Jiangxi
交通运输用地 (10)               1.90    national 1.43 亿亩 ≈ 1.0 %, ×1.9 for the east
水域及水利设施用地 (11)         6.50    Poyang Lake, Gan river, reservoirs, ponds
其他土地 (12)                   0.85    of which 田坎 ≈ 0.60 (KCMJ of sloped farmland)
============================  =======  =============================================

Second-level splits inside the estimated groups are estimates too. 田坎 (1203) is not
drawn: it comes from the farmland deduction (KCMJ), so farmland is drawn gross at
``FARMLAND_GROSS`` and nets to 16.3 % after deduction.
"""

from __future__ import annotations

# code → percent of province area (net, as the bulletin counts it)
TARGET_SHARES: dict[str, float] = {
    # 00 湿地 (estimated)
    "1106": 1.55, "0402": 0.25, "1108": 0.10, "0304": 0.05, "0306": 0.05,
    # 01 耕地 (published)
    "0101": 13.60, "0102": 0.02, "0103": 2.68,
    # 02 园地 (published)
    "0201": 2.17, "0202": 0.19, "0204": 1.04,
    # 03 林地 (published total and 乔木林地; other splits estimated)
    "0301": 48.14, "0302": 6.20, "0305": 4.00, "0307": 4.06,
    # 04 草地 (estimated)
    "0404": 0.42, "0403": 0.03,
    # 05-09 城镇村及工矿用地 (estimated)
    "0701": 1.55, "0702": 2.70, "0601": 0.75, "0602": 0.30, "05H1": 0.25, "0508": 0.05,
    "08H1": 0.08, "08H2": 0.20, "0809": 0.07, "0810": 0.15, "09": 0.10,
    # 10 交通运输用地 (estimated)
    "1003": 0.75, "1006": 0.80, "1004": 0.20, "1001": 0.08, "1005": 0.04, "1007": 0.01,
    "1008": 0.02,
    # 11 水域及水利设施用地 (estimated)
    "1102": 1.30, "1101": 1.70, "1103": 1.30, "1104": 1.00, "1104A": 0.30, "1107": 0.80,
    "1109": 0.10,
    # 12 其他土地 (estimated; 1203 田坎 from deduction)
    "1203": 0.60, "1202": 0.12, "1201": 0.04, "1206": 0.04, "1207": 0.05,
}

# Published first-level shares, for tests and reports (percent).
PUBLISHED_GROUP_SHARES = {"01": 16.3, "02": 3.4, "03": 62.4}
PADDY_SHARE_OF_FARMLAND = 227.05 / 272.16  # 水田 / 耕地 = 83.4 %
# Farmland slope bands (GDPDJB 1..5), share of farmland area, from the bulletin.
SLOPE_GRADE_SHARES = [171.46, 62.39, 32.30, 4.63, 1.38]

# Deduction coefficients KCXS (田坎系数) by (GDLX, GDPDJB): illustrative provincial table.
KCXS_TABLE: dict[tuple[str, str], float] = {
    ("", "1"): 0.02,
    ("T", "2"): 0.05, ("P", "2"): 0.04,
    ("T", "3"): 0.09, ("P", "3"): 0.07,
    ("T", "4"): 0.14, ("P", "4"): 0.11,
    ("T", "5"): 0.19, ("P", "5"): 0.15,
}
MEAN_KCXS = 0.0356  # area-weighted over the slope shares above (checked in tests)
FARMLAND_CODES = ("0101", "0102", "0103")
FARMLAND_GROSS = sum(TARGET_SHARES[c] for c in FARMLAND_CODES) / (1 - MEAN_KCXS)

# Statistics groups of the bulletin (first-level classes, 05-09 merged).
BULLETIN_GROUPS = {
    "00": "湿地", "01": "耕地", "02": "园地", "03": "林地", "04": "草地",
    "05": "城镇村及工矿用地", "06": "城镇村及工矿用地", "07": "城镇村及工矿用地",
    "08": "城镇村及工矿用地", "09": "城镇村及工矿用地", "10": "交通运输用地",
    "11": "水域及水利设施用地", "12": "其他土地",
}

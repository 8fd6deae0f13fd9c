"""A hand-computed DLTB attribute fixture for the statistics tests (values in m²)."""

from __future__ import annotations

import pandas as pd

# BSM, ZLDWDM, DLBM, TBMJ, KCXS, KCMJ, TBDLMJ (None = missing → TBMJ − KCMJ)
RECORDS = [
    ("1", "360111001001", "0101", 1000.00, 0.10, 100.00, 900.00),
    ("2", "360111001002", "0103", 2000.55, 0.075, 150.05, 1850.50),
    ("3", "360111002001", "0301", 5000.00, 0.0, 0.0, 5000.00),
    ("4", "360111002001", "0702", 333.33, 0.0, 0.0, None),
    ("5", "360121100003", "1106", 1234.56, 0.0, 0.0, 1234.56),
    ("6", "360121100003", "0201", 800.00, 0.025, 20.00, 780.00),  # KCMJ outside farmland
    ("7", "360202001001", "1101", 10000.00, 0.0, 0.0, 10000.00),
]

# Hand-computed results: (level, admin code, class code) → m²
EXPECTED_M2 = {
    ("county", "360111", "0101"): 900.00,
    ("county", "360111", "0103"): 1850.50,
    ("county", "360111", "0301"): 5000.00,
    ("county", "360111", "0702"): 333.33,
    ("county", "360111", "1203"): 250.05,  # 100.00 + 150.05
    ("county", "360111", "01"): 2750.50,
    ("county", "360111", "12"): 250.05,
    ("county", "360111", "total"): 8333.88,
    ("county", "360121", "00"): 1234.56,  # 1106 内陆滩涂 is reported under 00 湿地
    ("county", "360121", "0201"): 780.00,
    ("county", "360121", "1203"): 20.00,
    ("county", "360121", "total"): 2034.56,
    ("county", "360202", "total"): 10000.00,
    ("city", "360100", "total"): 10368.44,
    ("city", "360100", "1203"): 270.05,
    ("city", "360200", "11"): 10000.00,
    ("province", "360000", "total"): 20368.44,
    ("province", "360000", "01"): 2750.50,
    ("township", "360111001", "total"): 3000.55,
    ("township", "360111002", "0702"): 333.33,
}
# 公顷 / 亩 for county 360111, rounded half-up then reconciled by largest remainder:
# total 0.833388 ha → 0.83; level 1 [0.27505, 0.5, 0.033333, 0.025005] → floors 82,
# one unit to the largest remainder (01: .505) → 0.28 / 0.50 / 0.03 / 0.02;
# inside 01: [0.09, 0.18505] → 0.09 / 0.19.  亩: 8333.88 m² × 0.0015 = 12.50082 → 12.50.
EXPECTED_HA_360111 = {"total": 0.83, "01": 0.28, "03": 0.50, "07": 0.03, "12": 0.02,
                      "0101": 0.09, "0103": 0.19, "1203": 0.02}
EXPECTED_MU_360111_TOTAL = 12.50


def attributes() -> pd.DataFrame:
    """Return the fixture as a DataFrame with the DLTB field names."""
    return pd.DataFrame.from_records(
        RECORDS, columns=["BSM", "ZLDWDM", "DLBM", "TBMJ", "KCXS", "KCMJ", "TBDLMJ"])


def dltb_layer():  # type: ignore[no-untyped-def]
    """Return the fixture as a DLTB GeoDataFrame: one small square per record (EPSG:4490)."""
    import geopandas as gpd
    import shapely

    df = attributes()
    geoms = [shapely.box(115.80 + i * 0.002, 28.60, 115.801 + i * 0.002, 28.601)
             for i in range(len(df))]
    return gpd.GeoDataFrame(df, geometry=geoms, crs=4490)


ADMIN_NAMES = {"360000": "江西省", "360100": "南昌市", "360200": "景德镇市",
               "360111": "青山湖区", "360121": "南昌县", "360202": "昌江区"}


def admin_layers():  # type: ignore[no-untyped-def]
    """Return (kind, GeoDataFrame) pairs naming the fixture's admin units (XZQDM / XZQMC)."""
    import geopandas as gpd
    import shapely

    def layer(codes: list[str]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame({"XZQDM": codes, "XZQMC": [ADMIN_NAMES[c] for c in codes]},
                                geometry=[shapely.box(115.7, 28.5, 115.9, 28.7)] * len(codes),
                                crs=4490)

    return [("admin_province", layer(["360000"])), ("admin_city", layer(["360100", "360200"])),
            ("admin_county", layer(["360111", "360121", "360202"]))]

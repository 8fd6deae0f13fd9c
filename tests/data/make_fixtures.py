"""Generate the small import/export fixtures in tests/data.

Run ``python tests/data/make_fixtures.py`` to regenerate them.

Every file is made here from code so it can be reviewed; tests/data/README.md lists
each file and what it exercises. Tests call :func:`build` into a temporary folder, and
``test_formats.py`` checks the committed text fixtures still match this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

HERE = Path(__file__).resolve().parent
ZONE39 = 4527  # CGCS2000 3-degree Gauss–Krüger zone 39 with zone prefix (CM 117°E)
E0, N0 = 39_392_000.0, 3_166_000.0  # near Nanchang (115.9°E, 28.6°N), county 360111

DLTB_ROWS = [
    # BSM, DLBM, DLMC, ZLDWDM, QSXZ
    ("3601112019000001", "0101", "水田", "360111001001", "30"),
    ("3601112019000002", "0103", "旱地", "360111001002", "30"),
    ("3601112019000003", "0301", "乔木林地", "360111002001", "20"),
    ("3601212019000004", "0702", "农村宅基地", "360121001001", "30"),
    ("3601212019000005", "1101", "河流水面", "360121002001", "10"),
]


def dltb_frame(rows: list[tuple[str, str, str, str, str]] = DLTB_ROWS) -> gpd.GeoDataFrame:
    """Five 100 m squares in zone 39 (EPSG:4527) with DLTB attributes, Chinese names."""
    geoms = [shapely.box(E0 + i * 150, N0, E0 + i * 150 + 100, N0 + 100)
             for i in range(len(rows))]
    frame = gpd.GeoDataFrame(
        {"BSM": [r[0] for r in rows], "DLBM": [r[1] for r in rows],
         "DLMC": [r[2] for r in rows], "ZLDWDM": [r[3] for r in rows],
         "QSXZ": [r[4] for r in rows], "TBMJ": [10_000.0] * len(rows),
         "ZLDWMC": ["青山湖区", "青山湖区", "青山湖区", "南昌县", "南昌县"][: len(rows)]},
        geometry=geoms, crs=ZONE39)
    return frame


def write_gbk_shapefile_without_cpg(path: Path, frame: gpd.GeoDataFrame | None = None) -> Path:
    """Write a GBK-encoded Shapefile and remove its .cpg (what legacy tools leave)."""
    pyogrio.write_dataframe(dltb_frame() if frame is None else frame, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    return path


def write_mixed_encoding_shapefile(path: Path) -> Path:
    """GBK Shapefile whose last DLMC value is UTF-8 bytes (a DBF edited by two tools)."""
    frame = dltb_frame()
    frame.loc[4, "DLMC"] = "XXXXXXXXXXXX"  # placeholder of 12 ASCII bytes
    write_gbk_shapefile_without_cpg(path, frame)
    dbf = path.with_suffix(".dbf")
    data = dbf.read_bytes()
    utf8 = "河流水面".encode()  # 12 bytes of UTF-8
    assert len(utf8) == 12 and data.count(b"XXXXXXXXXXXX") == 1
    dbf.write_bytes(data.replace(b"XXXXXXXXXXXX", utf8))
    return path


# -- coordinate TXT ------------------------------------------------------------------------
TXT_HEAD = """[属性描述]
格式版本号=1.01版本
数据产生单位=江西省自然资源厅
数据产生日期=2024-5-6
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号={zone}
精度=0.001
转换参数=0,0,0,0,0,0,0
[地块坐标]
"""


def _ring(points: list[tuple[float, float]], ring: int, start: int) -> list[str]:
    """Lines for one ring given (northing, easting) without the closing point."""
    lines = [f"J{start + i},{ring},{x:.3f},{y:.3f}" for i, (x, y) in enumerate(points)]
    x, y = points[0]
    return [*lines, f"J{start},{ring},{x:.3f},{y:.3f}"]


def _square(n: float, e: float, size: float) -> list[tuple[float, float]]:
    return [(n, e), (n, e + size), (n + size, e + size), (n + size, e)]


def two_parcels_txt(zone: str = "39") -> str:
    """Two parcels: DK01 a 100 m square; DK02 a 200 m square with a 50 m hole."""
    p1 = _ring(_square(N0, E0, 100), 1, 1)
    p2 = _ring(_square(N0 + 500, E0, 200), 1, 1) + _ring(_square(N0 + 575, E0 + 75, 50), 2, 5)
    return (TXT_HEAD.format(zone=zone)
            + f"{len(p1)},1.0000,DK01,南昌县地块一,面,H50G002051,工业用地,0601,@\n"
            + "\n".join(p1) + "\n"
            + f"{len(p2)},3.7500,DK02,带洞地块,面,H50G002051,农用地,0101,@\n"
            + "\n".join(p2) + "\n")


def bad_txts() -> dict[str, str]:
    """One broken coordinate TXT per error kind: name → text."""
    good = two_parcels_txt()
    lines = good.splitlines()
    # line numbers (1-based): 13 = DK01 header, 14–18 DK01 points, 19 = DK02 header
    out: dict[str, str] = {}
    out["bad_count.txt"] = good.replace("5,1.0000,DK01", "7,1.0000,DK01")
    unclosed = [ln for i, ln in enumerate(lines, 1) if i != 18]
    out["bad_unclosed.txt"] = "\n".join(unclosed).replace("5,1.0000,DK01", "4,1.0000,DK01") + "\n"
    bow = [(N0, E0), (N0 + 100, E0 + 100), (N0, E0 + 100), (N0 + 100, E0)]  # a bow-tie
    body = _ring(bow, 1, 1)
    out["bad_selfintersect.txt"] = (TXT_HEAD.format(zone="39") + "5,1.0,DK09,自相交,面,,,0601,@\n"
                                    + "\n".join(body) + "\n")
    out["bad_mixed_zones.txt"] = good.replace(f"{E0 + 100:.3f}", f"{E0 - 1_000_000 + 100:.3f}", 1)
    swapped = [(y, x) for x, y in _square(N0, E0, 100)]
    out["bad_swapped_xy.txt"] = (TXT_HEAD.format(zone="39") + "5,1.0,DK08,XY颠倒,面,,,0601,@\n"
                                 + "\n".join(_ring(swapped, 1, 1)) + "\n")
    overlap = _ring(_square(N0, E0, 100), 1, 1) + _ring(_square(N0 + 50, E0 + 50, 100), 2, 5)
    out["bad_overlapping_rings.txt"] = (TXT_HEAD.format(zone="39")
                                        + "10,1.0,DK07,环相交,面,,,0601,@\n"
                                        + "\n".join(overlap) + "\n")
    out["bad_number.txt"] = good.replace(f"{N0 + 100:.3f}", "31661O0.000", 1)
    out["bad_unknown_code.txt"] = good.replace(",0601,@", ",9999,@")
    return out


def build(target: Path) -> dict[str, Path]:
    """Write every fixture into ``target``; return name → path."""
    target.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    made["dltb_gbk_nocpg.shp"] = write_gbk_shapefile_without_cpg(target / "dltb_gbk_nocpg.shp")
    made["dltb_mixed_encoding.shp"] = write_mixed_encoding_shapefile(
        target / "dltb_mixed_encoding.shp")
    txt = target / "parcels_two_with_hole.txt"
    txt.write_bytes(two_parcels_txt().replace("\n", "\r\n").encode("gbk"))
    made[txt.name] = txt
    utf = target / "parcels_two_with_hole_utf8bom.txt"
    fullwidth = two_parcels_txt().replace("[地块坐标]", "【地块坐标】")
    fullwidth = fullwidth.replace("[属性描述]", "［属性描述］")
    utf.write_bytes(fullwidth.encode("utf-8-sig"))
    made[utf.name] = utf
    for name, text in bad_txts().items():
        p = target / name
        p.write_bytes(text.encode("gbk"))
        made[name] = p
    return made


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for name in build(out):
        print(name)

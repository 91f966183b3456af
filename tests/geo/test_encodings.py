"""CSV layers in UTF-8 (with or without BOM) and GBK/GB18030, detected or set by `encoding`
(#14.8): what Chinese-locale Excel saves reads without a UnicodeDecodeError."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.errors import DataError
from siting.geo.layers import LayerSpec, read_layer, text_encoding

ROWS = "编号,小区名称,人口,x,y\n1,东湖花园社区,1200,100,200\n2,南湖街道社区,800,300,400\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_csv_in_every_common_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"blocks-{encoding}.csv"
    path.write_bytes(ROWS.encode(encoding))
    notes: list[str] = []
    gdf = read_layer(LayerSpec(path, crs="EPSG:32650", role="demand"), notes)
    assert list(gdf.columns[:3]) == ["编号", "小区名称", "人口"]
    assert gdf["小区名称"].tolist() == ["东湖花园社区", "南湖街道社区"]
    assert any("not UTF-8" in n for n in notes) == encoding.startswith("gb")


def test_encoding_key_is_used_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(ROWS.encode("gbk"))
    assert text_encoding(path, "gbk") == "gbk"
    gdf = read_layer(LayerSpec(path, crs="EPSG:32650", encoding="gbk"), [])
    assert gdf["人口"].tolist() == ["1200", "800"]
    with pytest.raises(DataError, match="unknown encoding 'klingon'"):
        read_layer(LayerSpec(path, crs="EPSG:32650", encoding="klingon"), [])
    with pytest.raises(DataError, match=r"cannot read as utf-8 text .*set encoding"):
        read_layer(LayerSpec(path, crs="EPSG:32650", encoding="utf-8"), [])


def test_scenario_layers_accept_encoding(tmp_path: Path) -> None:
    from siting.scenario import validate_scenario

    sc = validate_scenario({"demand": {"path": "d.csv", "encoding": "gbk"},
                            "sites": {"path": "s.csv"},
                            "problem": {"kind": "p-median", "p": 1}}, check_files=False)
    assert sc.demand.encoding == "gbk" and sc.sites.encoding is None


def test_utf16_with_bom_and_binary_data(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes(ROWS.encode("utf-16"))
    gdf = read_layer(LayerSpec(path, crs="EPSG:32650"), [])
    assert gdf["小区名称"].tolist() == ["东湖花园社区", "南湖街道社区"]
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"id,x\x00\x01\x02")
    with pytest.raises(DataError, match="cannot read as CSV: binary data"):
        read_layer(LayerSpec(bad), [])

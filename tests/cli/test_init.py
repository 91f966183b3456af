"""`siting init` writes a commented starter scenario from the planner's own layers that
`siting validate` accepts as written: on the demo data and on a copy with renamed (Chinese)
column headers in a GBK-encoded CSV (#14, "What to build")."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from siting.cli import main
from siting.starter import match_columns, DEMAND_ROLES, SITE_ROLES


def test_chinese_and_english_names_are_matched() -> None:
    cols = ["编号", "社区名称", "常住人口", "老年人", "婴幼儿", "学龄儿童", "户数", "residents_note"]
    got = match_columns(cols, DEMAND_ROLES)
    assert got == {"id": "编号", "community": "社区名称", "total": "常住人口", "elderly": "老年人",
                   "infant": "婴幼儿", "school": "学龄儿童", "households": "户数"}
    got = match_columns(["Site ID", "Pop 60+", "pop_total", "District"], DEMAND_ROLES)
    assert got["elderly"] == "Pop 60+" and got["total"] == "pop_total"
    assert got["community"] == "District"
    sites = match_columns(["点位编号", "可用面积", "改造费用", "可设服务"], SITE_ROLES)
    assert sites == {"id": "点位编号", "area": "可用面积", "cost": "改造费用", "services": "可设服务"}


def test_init_on_the_demo_layers_validates(district_dir: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "starter.toml"
    gpkg = district_dir / "d.gpkg"
    assert main(["init", "--demand", str(gpkg), "--sites", str(gpkg), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "社区" in text and "community" in text  # Chinese and English comments
    assert 'layer = "blocks"' in text and 'layer = "sites"' in text
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0
    assert ": ok:" in capsys.readouterr().out
    assert main(["init", "--demand", str(gpkg), "--sites", str(gpkg), "--out", str(out)]) == 2


def test_init_on_renamed_chinese_columns_in_gbk_csv(district_dir: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    blocks = gpd.read_file(district_dir / "d.gpkg", layer="blocks")
    sites = gpd.read_file(district_dir / "d.gpkg", layer="sites")
    b = blocks.assign(x=blocks.geometry.x, y=blocks.geometry.y).drop(columns="geometry")
    b = b.rename(columns={"id": "编号", "district": "社区", "total": "人口", "elderly": "老年人",
                          "infant": "婴幼儿", "school": "学龄儿童", "households": "户数"})
    s = sites.assign(x=sites.geometry.x, y=sites.geometry.y).drop(columns="geometry")
    s = s.rename(columns={"id": "点位编号", "area": "面积", "cost": "造价", "services": "可设服务",
                          "district": "所属社区", "name": "名称"})
    data = tmp_path / "data"
    data.mkdir()
    b.to_csv(data / "街坊.csv", index=False, encoding="gbk")
    s.to_csv(data / "点位.csv", index=False, encoding="utf-8-sig")
    out = tmp_path / "plan" / "scenario.toml"
    code = main(["init", "--demand", str(data / "街坊.csv"), "--sites", str(data / "点位.csv"),
                 "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    text = out.read_text(encoding="utf-8")
    for expect in ('community = "社区"', 'elderly = "老年人"', 'total = "人口"', 'area = "面积"',
                   'cost = "造价"', 'services = "可设服务"', 'households = "户数"',
                   'id = "点位编号"', 'site_community = "所属社区"', 'path = "../data/街坊.csv"'):
        assert expect in text, expect
    assert main(["validate", str(out)]) == 0


def test_init_names_what_it_cannot_find(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "b.csv").write_text("id,x,y,pop\n1,0,0,10\n", encoding="utf-8")
    (tmp_path / "s.csv").write_text("id,x,y,area,cost\n1,0,0,500,1\n", encoding="utf-8")
    assert main(["init", "--demand", str(tmp_path / "b.csv"), "--sites", str(tmp_path / "s.csv"),
                 "--out", str(tmp_path / "o.toml")]) == 2
    err = capsys.readouterr().err
    assert "no community (社区) column found among id, pop" in err
    assert not (tmp_path / "o.toml").exists()

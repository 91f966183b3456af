"""`siting report RUN_DIR`: re-renders in the other language from report.json; a folder that is
not a run is one line on stderr and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siting.cli import main


def test_rerender_switches_language(run_en: Path, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(run_en, run)
    assert main(["report", str(run), "--lang", "zh"]) == 0
    page = (run / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "社区嵌入式服务设施规划" in page
    assert "报告" in capsys.readouterr().out
    assert main(["report", str(run)]) == 0  # default: the run's own language
    assert '<html lang="en">' in (run / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["missing", "empty", "bad-json", "old-version"])
def test_not_a_run_folder_is_one_line(case: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "run"
    if case != "missing":
        folder.mkdir()
    if case == "bad-json":
        (folder / "report.json").write_text("{not json", encoding="utf-8")
    if case == "old-version":
        (folder / "report.json").write_text(json.dumps({"version": 0}), encoding="utf-8")
    assert main(["report", str(folder), "--pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("siting: error: ") and str(folder) in err
    assert not (folder / "report.pdf").exists()


def test_basemap_tiles_cover_the_map(run_zh: Path, tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    """--tiles draws XYZ tiles under the map, covering it, and the page allows that host."""
    import re
    import shutil

    from siting.outputs.pdf import open_page

    run = tmp_path / "copy"
    shutil.copytree(run_zh, run)
    tiles = tmp_path / "tiles"
    url = tiles.as_uri() + "/{z}/{x}/{y}.png"
    assert main(["report", str(run), "--tiles", url, "--quiet"]) == 0
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "img-src data: file:" in page
    found = re.findall(r'<image class="tile" href="([^"]+)" x="([-\d.]+)" y="([-\d.]+)" '
                       r'width="([\d.]+)" height="([\d.]+)"', page)
    assert 0 < len(found) <= 120
    zs = {re.search(r"/(\d+)/\d+/\d+\.png$", f[0]).group(1) for f in found}  # type: ignore[union-attr]
    assert len(zs) == 1
    x0 = min(float(f[1]) for f in found)
    y0 = min(float(f[2]) for f in found)
    x1 = max(float(f[1]) + float(f[3]) for f in found)
    y1 = max(float(f[2]) + float(f[4]) for f in found)
    pts = re.findall(r'<circle class="block" cx="([\d.]+)" cy="([\d.]+)"', page)
    assert pts and all(x0 <= float(x) <= x1 and y0 <= float(y) <= y1 for x, y in pts)
    # tiles on disk, as a local tile folder would serve them
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360f8cf000000030101009a3c5f2c"
                        "0000000049454e44ae426082")
    for href, *_ in found:
        path = Path(href.replace("file://", ""))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
    pg = open_page(browser, run / "report.html", width=1280)
    try:
        assert pg.locator("image.tile").count() == len(found)
        assert "底图" in pg.inner_text(".legend")
    finally:
        pg.close()
    assert main(["report", str(run), "--tiles", "https://x.org/tile.png"]) == 2

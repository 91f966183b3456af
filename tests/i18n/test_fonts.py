"""Figures find a CJK font through matplotlib's font manager, and say so when none exists."""

from __future__ import annotations

import pytest

from siting.i18n import use_language
from siting.outputs import figures
from tests.conftest import cjk_font_family


def test_cjk_font_is_put_first_when_installed() -> None:
    import matplotlib

    family = cjk_font_family()
    with use_language("zh"):
        assert figures.use_fonts() is None
    assert matplotlib.rcParams["font.sans-serif"][0] == family


def test_no_cjk_font_is_a_warning_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(figures, "cjk_font", lambda: None)
    with use_language("zh"), pytest.warns(figures.FontWarning, match="fonts-noto-cjk"):
        note = figures.use_fonts()
    assert note is not None and "matplotlib" in note
    with use_language("en"):
        assert figures.use_fonts() is None  # English needs no CJK font


def test_chinese_figure_renders_with_the_cjk_font(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cjk_font_family()
    figures.use_fonts()
    fig, ax = plt.subplots()
    ax.set_title("社区嵌入式服务设施规划")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'Glyph ... missing from font' would be a warning
        fig.savefig(tmp_path / "t.png")
    plt.close(fig)


def test_a_font_missing_from_a_stale_cache_is_found_by_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """matplotlib's cached font list predates an apt install: the CJK file is added by path."""
    from matplotlib import font_manager

    family = cjk_font_family()
    manager = font_manager.fontManager
    kept = [f for f in manager.ttflist if f.name not in figures.CJK_FAMILIES]
    monkeypatch.setattr(manager, "ttflist", kept)
    figures.cjk_font.cache_clear()
    try:
        assert figures.cjk_font() == family
    finally:
        figures.cjk_font.cache_clear()

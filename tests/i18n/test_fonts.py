"""Figures find a CJK font through matplotlib's font manager, and say so when none exists."""

from __future__ import annotations

import pytest

from siting.i18n import use_language
from siting.outputs import figures


def test_cjk_font_is_put_first_when_installed() -> None:
    import matplotlib

    family = figures.cjk_font()
    if family is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
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

    if figures.cjk_font() is None:
        pytest.skip("no CJK font installed")
    figures.use_fonts()
    fig, ax = plt.subplots()
    ax.set_title("社区嵌入式服务设施规划")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'Glyph ... missing from font' would be a warning
        fig.savefig(tmp_path / "t.png")
    plt.close(fig)

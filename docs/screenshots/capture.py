"""Screenshots of the demo report in both languages and the PDF check (docs/screenshots/).

    siting solve instances/demo_district/scenario.toml --out out/demo
    python docs/screenshots/capture.py out/demo

Re-renders the run in zh and en (siting report), takes 1,280 px screenshots of the top of
each page, prints both to PDF and records pdffonts and the column check in pdf-check.txt.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import sys
from pathlib import Path

from siting.community.report import rerender
from siting.outputs.pdf import browser, html_to_pdf, open_page

HERE = Path(__file__).resolve().parent


def main(run: Path) -> None:
    data = json.loads((run / "report.json").read_text(encoding="utf-8"))
    cols = (set(data["sites"]["columns"]) | set(data["coverage"]["columns"])) - {"service",
                                                                                 "segment"}
    lines = []
    for lang in ("zh", "en"):
        html, _ = rerender(run, lang)
        with browser() as b:
            page = open_page(b, html, width=1280, height=900)
            page.wait_for_selector("body[data-map-ready='1']")
            height = page.evaluate("document.querySelector('#sec-map').getBoundingClientRect()"
                                   ".bottom + window.scrollY")
            page.screenshot(path=str(HERE / f"report-{lang}.png"),
                            clip={"x": 0, "y": 0, "width": 1280, "height": height + 20})
            sites = page.locator("#sec-sites")
            sites.screenshot(path=str(HERE / f"report-{lang}-sites.png"))
        pdf = Path(tempfile.mkdtemp()) / f"report-{lang}.pdf"  # the run folder stays a run
        html_to_pdf(html, pdf)
        text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        flat = re.sub(r"\s+", "", text)
        missing = sorted(c for c in cols if c not in flat)
        comm = [d for d in data["map"]["districts"] if d not in flat]
        pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                               check=True).stdout
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout
        n_pages = re.search(r"Pages:\s+(\d+)", pages).group(1)  # type: ignore[union-attr]
        lines += [f"== report-{lang}.pdf: {n_pages} A4 pages",
                  f"column headers checked: {len(cols)}; missing: {missing or 'none'}",
                  f"communities checked: {len(data['map']['districts'])}; missing: "
                  f"{comm or 'none'}; total_cost present: {'total_cost' in flat}",
                  *_font_summary(fonts), ""]
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", "1", "-l", "1",
                        str(pdf), str(HERE / f"report-{lang}-pdf-page1")], check=True)
    (HERE / "pdf-check.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    rerender(run, data.get("language"))


def _font_summary(pdffonts: str) -> list[str]:
    """pdffonts in a few lines: fonts by type and whether every one is embedded."""
    rows = [r.split() for r in pdffonts.splitlines()[2:] if r.strip()]
    named = sorted({r[0] for r in rows if r[0] != "[none]"})
    types: dict[str, int] = {}
    for r in rows:
        kind = " ".join(r[1:-6]) if r[0] != "[none]" else " ".join(r[1:-6])
        types[kind] = types.get(kind, 0) + 1
    embedded = all(r[-5] == "yes" for r in rows)
    return [f"pdffonts: {len(rows)} fonts ({', '.join(f'{k}: {v}' for k, v in types.items())});"
            f" every font embedded: {embedded}", f"named (subset) fonts: {', '.join(named)}",
            "unnamed Type 3 fonts are glyphs Chromium/Skia draws from CFF-based OpenType fonts "
            "(Noto Sans CJK), embedded with a Unicode map (pdftotext reads them)"]


if __name__ == "__main__":
    if len(sys.argv) != 2 or shutil.which("pdftotext") is None:
        sys.exit("usage: python docs/screenshots/capture.py RUN_DIR (needs poppler-utils)")
    main(Path(sys.argv[1]))

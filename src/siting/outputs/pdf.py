"""Print an HTML report to PDF (and take screenshots) with headless Chromium through Playwright.

Chromium is the system's (``SITING_CHROMIUM``, else ``chromium``/``chromium-browser``/
``google-chrome`` on PATH): nothing is downloaded, and the page may only load ``file:`` and
``data:`` URLs unless ``allow_network`` (a basemap tile service) is given. The PDF is A4
portrait with the page's own print stylesheet (repeated table headers, page breaks between
sections); Chromium embeds the fonts it used (subset; CJK fonts as Type 3 glyphs).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import SitingError

ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage"]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserMissing(SitingError):
    """Playwright or a Chromium executable is not available."""


def chromium_path() -> str:
    """The Chromium executable to drive; raises :class:`BrowserMissing` with the fix."""
    env = os.environ.get("SITING_CHROMIUM")
    if env:
        if not Path(env).is_file():
            raise BrowserMissing(f"SITING_CHROMIUM={env}: no such file")
        return env
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing("no Chromium found for the PDF (install the chromium package, or set "
                         "SITING_CHROMIUM to a Chrome/Chromium executable)")


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium (Playwright ``Browser``), closed on exit."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserMissing("the PDF needs the playwright package: pip install "
                             "'siting[report]'") from None
    exe = chromium_path()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def open_page(b: Any, path: Path, *, width: int = 1280, height: int = 900,
              allow_network: bool = False) -> Any:
    """``path`` loaded in a new page of ``b`` at ``width`` CSS px, offline unless allowed."""
    page = b.new_page(viewport={"width": width, "height": height})
    if not allow_network:
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith(("file:", "data:")) else route.abort())
    page.goto(Path(path).resolve().as_uri(), wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return page


def html_to_pdf(html_path: Path, pdf_path: Path, *, allow_network: bool = False) -> Path:
    """Print ``html_path`` to ``pdf_path`` (A4, backgrounds on); written atomically."""
    pdf_path = Path(pdf_path)
    tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
    try:
        with browser() as b:
            page = open_page(b, html_path, width=800, allow_network=allow_network)
            page.emulate_media(media="print")
            page.pdf(path=str(tmp), format="A4", print_background=True,
                     prefer_css_page_size=True, display_header_footer=True,
                     header_template="<span></span>",
                     footer_template="<div style=\"font-size:8px;width:100%;text-align:center;"
                     "color:#777\"><span class=\"pageNumber\"></span> / "
                     "<span class=\"totalPages\"></span></div>",
                     margin={"top": "12mm", "bottom": "14mm", "left": "10mm", "right": "10mm"})
        os.replace(tmp, pdf_path)
    finally:
        tmp.unlink(missing_ok=True)
    return pdf_path


def screenshot(html_path: Path, png_path: Path, *, width: int = 1280, height: int = 900,
               full_page: bool = True) -> Path:
    """A PNG of ``html_path`` at ``width`` CSS px (docs, tests)."""
    with browser() as b:
        page = open_page(b, html_path, width=width, height=height)
        page.screenshot(path=str(png_path), full_page=full_page)
    return Path(png_path)

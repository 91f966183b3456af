"""`siting report RUN_DIR [--lang zh|en] [--pdf] [--out FILE]`: re-render a run's report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="re-render a run's report in a language, or print it to PDF",
                       description="Re-render RUN_DIR/report.html from the run's report.json in "
                       "--lang (default: the run's language); with --pdf also print it to "
                       "RUN_DIR/report.pdf (A4) with headless Chromium. For a classical run, "
                       "--pdf prints map.html.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by siting solve --out")
    p.add_argument("--lang", choices=["zh", "en"], help="report language")
    p.add_argument("--pdf", action="store_true", help="also write report.pdf")
    p.add_argument("--tiles", metavar="URL", help="basemap tiles under the map, an XYZ URL "
                   "template such as https://tile.example.org/{z}/{x}/{y}.png (default: none; "
                   "the report stays offline)")
    p.add_argument("--out", metavar="FILE", help="PDF path (default RUN_DIR/report.pdf)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..community.report import rerender
    from ..i18n import _, use_language

    with use_language(args.lang):
        html_path, lang = rerender(Path(args.run_dir), args.lang, args.tiles)
        with use_language(lang):
            lines = [_("report: {path}").format(path=html_path)]
            if args.pdf:
                from ..outputs.pdf import html_to_pdf

                pdf = Path(args.out) if args.out else Path(args.run_dir) / "report.pdf"
                html_to_pdf(html_path, pdf, allow_network=bool(args.tiles))
                lines.append(_("PDF: {path}").format(path=pdf))
    if not args.quiet:
        print("\n".join(lines), file=sys.stdout)
    return EXIT_OK

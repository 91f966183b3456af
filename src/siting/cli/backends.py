"""`siting backends`: list solver backends with version and availability."""

from __future__ import annotations

import argparse

from ..backends import _REGISTRY


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backends", help="list solver backends")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(f"{'backend':<15} {'available':<10} {'version':<14} install")
    for name, cls in _REGISTRY.items():
        ok = cls.is_available()
        version = cls.version() if ok else "-"
        print(f"{name:<15} {'yes' if ok else 'no':<10} {version:<14} pip install 'siting[{cls.extra}]'")
    return 0

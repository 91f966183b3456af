"""Progress and notes for long pipeline steps: rich on a terminal, silent otherwise.

The pipeline only calls :meth:`Progress.step`, :meth:`Progress.advance` and
:meth:`Progress.note`; which of these reach the screen is decided here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class Progress:
    """Silent progress: steps and counters are dropped, notes kept for the summary."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        yield

    def advance(self, done: int, total: int) -> None:
        return None

    def note(self, message: str) -> None:
        self.notes.append(message)

    def warn(self, message: str) -> None:
        """Something the user should know about their data (shown unless quiet)."""
        self.notes.append(message)


class PrintProgress(Progress):
    """Plain lines on a stream (no TTY, ``--verbose``): notes and step names, no bars."""

    def __init__(self, stream: TextIO | None = None, *, verbose: bool = False) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self.verbose = verbose

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        if self.verbose:
            print(f"siting: {label} ...", file=self.stream)
        yield

    def note(self, message: str) -> None:
        super().note(message)
        if self.verbose:
            print(f"siting: {message}", file=self.stream)

    def warn(self, message: str) -> None:
        super().warn(message)
        print(f"siting: warning: {message}", file=self.stream)


class RichProgress(Progress):
    """A rich spinner/bar per step on the terminal (stderr)."""

    def __init__(self, *, show_notes: bool = True) -> None:
        super().__init__()
        from rich.console import Console

        self.console = Console(stderr=True)
        self.show_notes = show_notes
        self._bar: Any = None
        self._task: Any = None

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as Bar

        with Bar(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                 MofNCompleteColumn(), TimeElapsedColumn(), console=self.console,
                 transient=True) as bar:
            self._bar, self._task = bar, bar.add_task(label, total=None)
            try:
                yield
            finally:
                self._bar = self._task = None
        self.console.print(f"[green]✓[/green] {label}", highlight=False)

    def advance(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)

    def note(self, message: str) -> None:
        super().note(message)
        if self.show_notes:
            self.console.print(message, style="dim", highlight=False, markup=False)

    def warn(self, message: str) -> None:
        super().warn(message)
        self.console.print(f"warning: {message}", style="yellow", highlight=False, markup=False)


def make_progress(*, quiet: bool = False, verbose: bool = False,
                  stream: TextIO | None = None) -> Progress:
    """Quiet: nothing. TTY: rich bars and notes. Otherwise only warnings (all with ``verbose``)."""
    stream = stream or sys.stderr
    if quiet:
        return Progress()
    if stream.isatty():
        try:
            return RichProgress()
        except ImportError:  # rich missing: fall back to plain lines
            pass
    return PrintProgress(stream, verbose=verbose)

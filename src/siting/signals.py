"""SIGTERM handled like Ctrl-C: one interrupt path for every stage and solver.

SIGTERM (a batch system's or ``kill``'s stop request) raises :class:`Terminated`, a
``KeyboardInterrupt``, in the main thread, so the same code that handles Ctrl-C runs: the solver
is cancelled and keeps its incumbent, the result is marked interrupted, atomic writers remove
their temporary folders, and the command exits. Only the exit code differs: 128 + the signal
number (130 for SIGINT, 143 for SIGTERM), as shells report a process stopped by that signal.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

#: exit code for a run stopped by Ctrl-C
EXIT_SIGINT = 128 + signal.SIGINT
#: exit code for a run stopped by SIGTERM
EXIT_SIGTERM = 128 + signal.SIGTERM

_received: list[int] = []


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(f"received {signal.Signals(signum).name}")
        self.signum = signum


def _on_term(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise Terminated(signum)


@contextmanager
def handle_termination() -> Iterator[None]:
    """While active (main thread only), SIGTERM raises :class:`Terminated`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_term)
    _received.clear()
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def terminated() -> bool:
    """Whether SIGTERM arrived while :func:`handle_termination` was active."""
    return signal.SIGTERM in _received


def exit_code(default: int) -> int:
    """``default`` for a finished run; the signal's exit code if SIGTERM stopped it."""
    return EXIT_SIGTERM if terminated() else default


@contextmanager
def interrupts_held() -> Iterator[list[int]]:
    """While active (main thread only), a signal whose handler raises ``KeyboardInterrupt``
    (Ctrl-C; SIGTERM under :func:`handle_termination`) is recorded in the yielded list instead
    of raised: for the few statements that must not be cut in half, such as starting a solver
    thread (cut there, the thread runs on unwatched and holds the solver's locks). The
    handler itself still runs, so its bookkeeping (the exit code) is kept; the caller looks at
    the list and cancels what it started."""
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held  # signals are delivered to the main thread only
        return
    previous: dict[int, Any] = {}

    def hold(signum: int, frame: FrameType | None) -> None:
        handler = previous.get(signum)
        try:
            if callable(handler):
                handler(signum, frame)
        except KeyboardInterrupt:
            held.append(signum)
        else:
            if getattr(handler, "holds_interrupts", False):
                held.append(signum)  # nested: the outer block holds it too, this one acts

    hold.holds_interrupts = True  # type: ignore[attr-defined]

    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if callable(handler):  # SIG_DFL / SIG_IGN never reach Python: leave them be
            previous[sig] = handler
            signal.signal(sig, hold)
    try:
        yield held
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def raise_held(held: list[int]) -> None:
    """Raise, after the fact, the interrupt that :func:`interrupts_held` recorded (if any):
    ``Terminated`` for SIGTERM, else ``KeyboardInterrupt``."""
    if not held:
        return
    if signal.SIGTERM in held:
        raise Terminated(signal.SIGTERM)
    raise KeyboardInterrupt


def import_held(name: str) -> Any:
    """Import module ``name`` with interrupts held, then raise any that arrived.

    Ctrl-C landing inside a C extension's module initialisation (highspy, pyscipopt,
    ortools: pybind11 / Cython) surfaces as ``ImportError: initialization failed`` rather
    than as an interrupt, and may leave the extension half registered for the next import;
    held, it is raised once the import is complete."""
    import importlib
    import sys

    module = sys.modules.get(name)
    if module is not None:
        return module
    with interrupts_held() as held:
        module = importlib.import_module(name)
    raise_held(held)
    return module


# ---- solver threads that did not stop when asked -----------------------------------------

#: native solver threads an interrupt or a time limit left running (see :func:`abandon`)
_abandoned: list[threading.Thread] = []


def abandon(thread: threading.Thread) -> None:
    """Record a solver thread that was asked to stop and did not within its grace: the run
    goes on without its answer (a solver phase that reads neither its cancel flag nor its time
    limit — HiGHS presolve passes and the MIP's root LP, OR-Tools' SCIP and HiGHS — can run
    for many seconds more). The command line exits without waiting for it
    (:func:`exit_now`); its library holds the thread for the next solve that needs it."""
    _abandoned[:] = [t for t in _abandoned if t.is_alive()]
    _abandoned.append(thread)


def abandoned() -> list[threading.Thread]:
    """Abandoned solver threads still running."""
    return [t for t in _abandoned if t.is_alive()]


def exit_now(code: int) -> int:
    """``code``, for the command's own process: if an abandoned solver thread is still
    running, the streams are flushed and the process ends at once with ``code``. Everything
    the run writes is written by then; a normal interpreter exit would first wait for that
    thread (or, for a highspy thread still inside HiGHS, abort the process)."""
    if not abandoned():
        return code
    import os
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)

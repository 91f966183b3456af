"""COIN-OR CBC through the binary bundled with PuLP, fed an MPS file written from the arrays.

PuLP's own model objects are skipped (they cost a Python object per variable). Its status for
time-limited runs is unreliable, so the answer is read from CBC's log and solution file, and
the solution vector is only trusted after a feasibility check. CBC ignores ``-sec`` inside the
root LP, so the subprocess gets a wall-clock limit of its own: SIGINT (CBC then stops and
writes its incumbent), then SIGKILL after a grace period.
"""

from __future__ import annotations

import functools
import importlib.util
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from ..errors import BackendError, BackendUnavailableError
from ..milp import MilpProblem
from ..mps import mps_text
from ..options import SolveOptions
from ..signals import interrupts_held
from ..solution import MilpSolution, Termination
from .base import Backend, assemble, effective_abs_gap, feasible_point, usable_start

#: seconds CBC may run past the time limit before SIGINT, and after SIGINT before SIGKILL
_GRACE, _KILL_AFTER = 1.0, 3.0


def cbc_path() -> str | None:
    """PuLP's bundled CBC binary, found without importing PuLP; else a ``cbc`` on PATH."""
    spec = importlib.util.find_spec("pulp")
    if spec is not None and spec.origin:
        root = Path(spec.origin).parent / "solverdir" / "cbc"
        arch = {"linux": "linux", "darwin": "osx", "win32": "win"}.get(sys.platform, sys.platform)
        exe = "cbc.exe" if sys.platform == "win32" else "cbc"
        # PuLP's own choice of build: arm64 on ARM, i64 otherwise
        bits = "arm64" if platform.machine().lower() in ("aarch64", "arm64") else "i64"
        candidate = root / arch / bits / exe
        if candidate.is_file():
            return str(candidate)
    return shutil.which("cbc")


class CbcBackend(Backend):
    name = "cbc"
    requires = ("pulp",)
    modules = ()  # only PuLP's bundled binary is used (a subprocess)
    distribution = "pulp"
    extra = "cbc"
    supports_mip_start = True

    @classmethod
    def is_available(cls) -> bool:
        return cbc_path() is not None

    @classmethod
    def version(cls) -> str:
        return f"CBC {_cbc_version()} (PuLP {super().version()})"

    def _solve(self, problem: MilpProblem, options: SolveOptions,
               start: np.ndarray | None) -> MilpSolution:
        exe = cbc_path()
        if exe is None:
            raise BackendUnavailableError("CBC binary not found; pip install 'siting[cbc]'")
        sign = -1.0 if problem.sense == "max" else 1.0  # CBC gets a min problem
        notes: list[str] = []
        start = usable_start(problem, start)
        with tempfile.TemporaryDirectory(prefix="siting-cbc-") as tmp:
            mps, sol, mst = Path(tmp, "model.mps"), Path(tmp, "model.sol"), Path(tmp, "start.sol")
            text = mps_text(problem, generic_names=True, include_offset=False, force_min=True)
            # CBC guesses fixed vs free MPS from the first lines and misreads a pure LP as
            # fixed format; the FREE keyword on the NAME line settles it
            head, _, rest = text.partition("\n")
            mps.write_text(f"{head} FREE\n{rest}", encoding="ascii")
            args = [exe, str(mps)]
            if start is not None:
                _write_start(mst, start)
                args += ["-mips", str(mst)]
            args += _cbc_options(problem, options)
            args += ["-solve", "-printingOptions", "all", "-solution", str(sol)]
            t0 = time.perf_counter()
            log, stopped_by_us, interrupted = _run(args, options)
            seconds = time.perf_counter() - t0
            text = sol.read_text() if sol.exists() else ""
        unknown = re.findall(r"^No match for (\S+)", log, re.MULTILINE)
        if unknown:  # CBC carries on after an unknown option; siting does not guess
            raise BackendError(f"CBC does not know the option(s) {', '.join(unknown)} "
                               "given in backend_options")
        head, x = _parse_solution(text, problem.n_cols)
        termination, native = _termination(log, head)
        if stopped_by_us:
            termination = Termination.TIME_LIMIT
            notes.append(f"CBC overran the time limit; siting stopped it after {seconds:.1f}s")
        x = feasible_point(problem, x) if termination is not Termination.INFEASIBLE else None
        bound = _bound(log, termination)
        if bound is not None:
            bound = sign * bound + problem.offset
        if termination is Termination.OPTIMAL and x is None:
            termination = Termination.OTHER  # "optimal" without a usable vector: be honest
        if interrupted and termination is not Termination.INFEASIBLE:
            # whatever CBC reached (its bound says what is proven), the run stops here
            termination = Termination.INTERRUPTED
        return assemble(self, problem, options, termination=termination, x=x, bound=bound,
                        seconds=seconds, nodes=_nodes(log), native=native, notes=tuple(notes),
                        log=log if options.verbose else None, start=start)


@functools.lru_cache(maxsize=1)
def _cbc_version() -> str:
    """The binary's own version banner (one quick run, cached)."""
    exe = cbc_path()
    if exe is None:
        return "unknown"
    try:
        out = subprocess.run([exe, "-quit"], check=False, capture_output=True, text=True,
                             timeout=20, stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    found = re.search(r"^Version:\s*(\S+)", out, re.MULTILINE)
    return found.group(1) if found else "unknown"


def _cbc_options(problem: MilpProblem, options: SolveOptions) -> list[str]:
    out = ["-timeMode", "elapsed", "-ratioGap", repr(float(options.rel_gap)),
           "-allowableGap", repr(float(effective_abs_gap(problem, options))),
           "-randomCbcSeed", str(int(options.seed) + 1), "-randomSeed", str(int(options.seed) + 1)]
    if options.time_limit is not None:
        out += ["-sec", repr(float(options.time_limit))]
    if options.threads is not None:
        out += ["-threads", str(int(options.threads))]
    out += ["-log", "1" if not options.verbose else "2"]
    for key, value in options.backend_options.items():
        out += [f"-{key}", str(value)]
    return out


def _write_start(path: Path, start: np.ndarray) -> None:
    """CBC's mipstart file is a solution file: header line, then 'index name value'."""
    idx = np.flatnonzero(start)
    body = "\n".join(f"{k} C{k} {v!r}" for k, v in zip(idx.tolist(), start[idx].tolist()))
    path.write_text(f"Stopped on time - objective value 0\n{body}\n", encoding="ascii")


def _run(args: list[str], options: SolveOptions) -> tuple[str, bool, bool]:
    """Run CBC, collecting its log; enforce our own wall-clock limit. Returns (log, stopped
    on the limit, interrupted).

    Ctrl-C and SIGTERM are held for the whole run and passed on to CBC as SIGINT, on which
    it stops and writes its incumbent, as on our own wall-clock limit: raised here, an
    interrupt would throw the incumbent away, and one landing inside Popen or the reader
    thread's start would leave CBC running with nobody to stop it."""
    with interrupts_held() as held:
        try:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, text=True, errors="replace")
        except OSError as exc:
            raise BackendError(f"cannot run CBC ({args[0]}): {exc}") from None
        lines: list[str] = []

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if options.verbose:
                    sys.stderr.write(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        limit = options.time_limit
        deadline = (None if limit is None
                    else time.perf_counter() + limit + max(_GRACE, 0.1 * limit))
        stopped = False
        signalled: float | None = None  # when CBC was sent SIGINT
        while proc.poll() is None:
            try:
                proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.perf_counter()
            if signalled is None and (held or (deadline is not None and now >= deadline)):
                stopped = not held
                proc.send_signal(signal.SIGINT)
                signalled = now
            elif signalled is not None and now - signalled > _KILL_AFTER:
                proc.kill()
                proc.wait()
        reader.join(timeout=5)
    log = "".join(lines)
    if proc.returncode not in (0, -signal.SIGINT, -signal.SIGKILL) and not stopped \
            and not held:
        tail = " ".join(log.strip().splitlines()[-3:])
        raise BackendError(f"CBC exited with code {proc.returncode}: {tail}")
    return log, stopped, bool(held)


def _parse_solution(text: str, n_cols: int) -> tuple[str, np.ndarray | None]:
    """Status line and column values from CBC's ``-printingOptions all`` solution file."""
    if not text.strip():
        return "", None
    head, _, body = text.partition("\n")
    x = np.zeros(n_cols)
    seen = False
    for line in body.splitlines():
        parts = line.split()
        if parts and parts[0] == "**":  # CBC marks infeasible entries
            parts = parts[1:]
        if len(parts) >= 3 and parts[1].startswith("C"):
            x[int(parts[1][1:])] = float(parts[2])
            seen = True
    return head.strip(), x if (seen or n_cols == 0) else None


_RESULT = re.compile(r"^Result - (.+)$", re.MULTILINE)


def _termination(log: str, head: str) -> tuple[Termination, str]:
    match = _RESULT.search(log)
    native = match.group(1).strip() if match else (head or "no result")
    text = (native + " " + head).lower()
    if "infeasible" in text:
        return Termination.INFEASIBLE, native
    if "unbounded" in text:
        return Termination.UNBOUNDED, native
    if "optimal" in text and "stopped" not in text:
        return Termination.OPTIMAL, native
    if "time" in text:
        return Termination.TIME_LIMIT, native
    if "ctrl-c" in text or "user" in text:
        return Termination.INTERRUPTED, native
    if "stopped" in text or "iteration" in text or "node" in text:
        return Termination.ITERATION_LIMIT, native
    return Termination.OTHER, native


def _number(log: str, label: str) -> float | None:
    found = re.findall(rf"^{label}:\s+(\S+)", log, re.MULTILINE)
    if not found:
        return None
    try:
        return float(found[-1])
    except ValueError:
        return None


def _bound(log: str, termination: Termination) -> float | None:
    """CBC's proven lower bound (of the min problem it was given)."""
    bound = _number(log, "Lower bound")
    if bound is None and termination is Termination.OPTIMAL:
        bound = _number(log, "Objective value")
    if bound is not None and abs(bound) >= 1e49:
        return None
    return bound


def _nodes(log: str) -> int | None:
    value = _number(log, "Enumerated nodes")
    return int(value) if value is not None else None

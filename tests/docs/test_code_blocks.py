"""Every code block in README.md and docs/*.md runs, so no example rots (#14).

Blocks are fenced with a language: ``bash``/``sh`` commands run (``siting …`` and
``python …``) in a sandbox folder laid out like the repository, ``python`` blocks run as one
script there, ``toml`` blocks parse, and those holding a ``[problem]`` validate through the
scenario models; ``text`` blocks are prose. A block is left out only by a marker comment on the
lines just above its fence, with a reason:

    <!-- docs-test: skip — installs the package (CI runs exactly this in .ci/run) -->
    <!-- docs-test: skip "capa.txt" — capa is not in the shared folder -->

(the second form leaves out only the commands containing the quoted text). The sandbox's
``instances/demo_district/`` holds the repository's ``scenario.toml`` over a small generated
district with the same layers, so the demo's commands exercise the real scenario keys and
flags in seconds; OR-Library and Swain files come from the shared instances folder.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import instances_dir

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN = {"bash", "sh", "shell"}
KNOWN = RUN | {"python", "toml", "text"}
MARKER = re.compile(r"<!--\s*docs-test:\s*skip\s*(\"(?P<only>[^\"]+)\")?\s*[—:-]+\s*"
                    r"(?P<reason>\S.*?)\s*-->")
#: shared instance files the examples name, by the name they use
SHARED = {"pmed1.txt": "orlib-pmed/pmed1.txt", "cap41.txt": "orlib-cap/cap41.txt",
          "swain.txt": "swain55/swain.txt"}


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    text: str
    skip: str | None           # reason the whole block is left out
    skip_only: tuple[tuple[str, str], ...]  # (substring, reason): commands left out

    @property
    def id(self) -> str:
        return f"{self.path.name}:{self.line}"


def blocks() -> list[Block]:
    out = []
    for path in DOCS:
        lines = path.read_text(encoding="utf-8").splitlines()
        k = 0
        while k < len(lines):
            if not lines[k].startswith("```"):
                k += 1
                continue
            lang = lines[k][3:].strip().lower()
            end = next(e for e in range(k + 1, len(lines)) if lines[e].startswith("```"))
            skip, only = None, []
            b = k - 1
            while b >= 0 and (not lines[b].strip() or lines[b].lstrip().startswith("<!--")):
                m = MARKER.search(lines[b])
                if m and m.group("only"):
                    only.append((m.group("only"), m.group("reason")))
                elif m:
                    skip = m.group("reason")
                elif "docs-test" in lines[b]:
                    raise AssertionError(f"{path.name}:{b + 1}: malformed docs-test marker "
                                         "(skip [\"TEXT\"] — REASON)")
                b -= 1
            out.append(Block(path, k + 1, lang, "\n".join(lines[k + 1:end]), skip, tuple(only)))
            k = end + 1
    return out


BLOCKS = blocks()


def commands(text: str) -> list[str]:
    """Shell lines with continuations joined and trailing comments dropped."""
    out: list[str] = []
    buf = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        out.append(re.sub(r"\s+#\s.*$", "", buf + line).strip())
        buf = ""
    return out


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder laid out like the repository, with small data."""
    from siting.testing.district import small, write

    box = tmp_path_factory.mktemp("docs")
    demo = box / "instances" / "demo_district"
    demo.mkdir(parents=True)
    shutil.copy(ROOT / "instances" / "demo_district" / "scenario.toml", demo / "scenario.toml")
    write(small(), str(demo / "demo_district.gpkg"))
    shutil.copytree(ROOT / "instances" / "toy", box / "instances" / "toy")
    shutil.copytree(ROOT / "instances" / "helsinki", box / "instances" / "helsinki")
    (box / "models").symlink_to(ROOT / "models")
    shared = instances_dir()
    if shared is not None:
        for name, rel in SHARED.items():
            if (shared / rel).is_file():
                (box / name).symlink_to(shared / rel)
    return box


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _argv(cmd: str) -> list[str]:
    argv = shlex.split(cmd)
    if argv[0] == "siting":
        return [sys.executable, "-m", "siting", *argv[1:]]
    if argv[0] == "python":
        return [sys.executable, *argv[1:]]
    raise AssertionError(f"only siting/python commands run in docs; got {cmd!r} (mark the block "
                         "with a docs-test skip comment and a reason)")


def _in_process(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from siting.cli import main

    with monkeypatch.context() as m:
        m.chdir(cwd)
        try:
            code = main(args)
        except SystemExit as exc:  # --help, --version
            code = int(exc.code or 0)
    return code, capsys.readouterr().err


def _needs_shared(text: str, box: Path) -> None:
    for name in SHARED:
        if re.search(rf"(?<![\w/]){re.escape(name)}", text) and not (box / name).exists():
            if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
                pytest.fail(f"{name} is missing from the shared instances under CI")
            pytest.skip(f"{name}: shared instances not found")


def test_every_block_has_a_language() -> None:
    bad = [b.id for b in BLOCKS if b.lang not in KNOWN]
    assert not bad, f"code blocks without a known language ({', '.join(sorted(KNOWN))}): {bad}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang in RUN], ids=lambda b: b.id)
def test_shell_block_runs(block: Block, sandbox: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    if block.skip:
        pytest.skip(f"marked in the doc: {block.skip}")
    _needs_shared(block.text, sandbox)
    ran = 0
    for cmd in commands(block.text):
        if any(text in cmd for text, _ in block.skip_only):
            continue
        argv = _argv(cmd)
        # in this process (no interpreter start-up per line), except a PDF: Playwright's sync
        # API runs one driver per process and the browser tests' Chromium may be open here
        if argv[1:3] == ["-m", "siting"] and "--pdf" not in argv:
            code, err = _in_process(argv[3:], sandbox, monkeypatch, capsys)
        else:
            res = subprocess.run(argv, cwd=sandbox, env=_env(), capture_output=True, text=True,
                                 timeout=600)
            code, err = res.returncode, res.stderr
        assert code == 0, f"{block.id}: `{cmd}` exited {code}\n{err[-2000:]}"
        ran += 1
    assert ran > 0, f"{block.id}: every command is skipped; mark the whole block instead"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "python"], ids=lambda b: b.id)
def test_python_block_runs(block: Block, sandbox: Path) -> None:
    if block.skip:
        pytest.skip(f"marked in the doc: {block.skip}")
    _needs_shared(block.text, sandbox)
    res = subprocess.run([sys.executable, "-c", block.text], cwd=sandbox, env=_env(),
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"{block.id} failed:\n{res.stderr[-3000:]}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "toml"], ids=lambda b: b.id)
def test_toml_block_is_valid(block: Block) -> None:
    from siting.scenario import validate_scenario

    if block.skip:
        pytest.skip(f"marked in the doc: {block.skip}")
    data = tomllib.loads(block.text)
    if "problem" not in data:
        return
    data.setdefault("demand", {"path": "blocks.gpkg"})
    data.setdefault("sites", {"path": "sites.gpkg"})
    validate_scenario(data, base_dir=ROOT / "instances" / "demo_district", source=block.id,
                      check_files=False)


def test_markers_give_reasons() -> None:
    for b in BLOCKS:
        assert b.skip is None or len(b.skip) > 10, f"{b.id}: skip reason too short: {b.skip!r}"
        for text, reason in b.skip_only:
            assert text in b.text, f"{b.id}: skip \"{text}\" matches no command"
            assert len(reason) > 10, f"{b.id}: skip reason too short: {reason!r}"

"""The workbench's ASGI app (Starlette): page, JSON API, progress stream, files.

Security: state-changing requests (POST) must come from the page itself: a same-origin check
(Origin, else Sec-Fetch-Site) and the per-session token the page carries (header
``X-Siting-Token``); the Host header must name this server (no DNS rebinding). Files are served
only from the package's own assets, the scenario's folder, the session's plan folders and the
export folder; any other path, ``..`` included, is a 404.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (FileResponse, HTMLResponse, JSONResponse, PlainTextResponse,
                                 Response, StreamingResponse)
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import SitingError
from . import engine
from .i18n import MESSAGES, terms
from .view import base_view
from .worker import Job, Runner

STATIC = ("app.js", "app.css")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
MAX_BODY = 1_000_000


@dataclass(eq=False)
class Session:
    """One opened scenario: its base, the job runner and where files go."""

    base: engine.Base
    exports: Path
    work: Path
    time_cap: float = engine.MAX_TIME_LIMIT
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    lang: str = "en"
    subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]] = field(
        default_factory=set)
    runner: Runner | None = None
    exported: dict[str, Path] = field(default_factory=dict)  # plan id → its export folder
    pdf_lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, event: dict[str, Any]) -> None:
        data = json.dumps(event, allow_nan=False)
        for loop, q in list(self.subscribers):
            try:
                loop.call_soon_threadsafe(q.put_nowait, data)
            except RuntimeError:  # loop closed: the page went away
                self.subscribers.discard((loop, q))


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class Guard:
    """Host check for every request; same-origin check and session token for state changes."""

    def __init__(self, app: ASGIApp, session: Session, allowed_hosts: set[str] | None) -> None:
        self.app, self.session, self.allowed = app, session, allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if self.allowed is not None and hostname not in self.allowed:
            await _error("unknown Host header (the workbench answers only its own address)",
                         403)(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            origin = headers.get("origin")
            fetch_site = headers.get("sec-fetch-site")
            own = {f"http://{host}"}
            if (origin is not None and origin not in own) or \
                    (origin is None and fetch_site not in (None, "same-origin", "none")):
                await _error("cross-origin request refused", 403)(scope, receive, send)
                return
            if not secrets.compare_digest(headers.get("x-siting-token", ""), self.session.token):
                await _error("missing or wrong session token (reload the page)",
                             403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _inside(root: Path, rel: str) -> Path | None:
    """``root/rel`` if it is a file inside ``root`` (symlinks resolved), else None."""
    if "\x00" in rel:
        return None
    try:
        root = root.resolve()
        path = (root / rel).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def create_app(session: Session, allowed_hosts: set[str] | None = None, *,
               any_host: bool = False) -> ASGIApp:
    """The ASGI app for one session (the runner is started by the lifespan).

    ``allowed_hosts``: Host header names accepted (default: loopback names); ``any_host``
    accepts every Host (server bound to all interfaces on purpose).
    """

    async def index(request: Request) -> Response:
        html = resources.files("siting.serve").joinpath("static/index.html").read_text("utf-8")
        html = html.replace("{{TOKEN}}", session.token).replace("{{LANG}}", session.lang)
        return HTMLResponse(html, headers=_no_store())

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("not found", status_code=404)
        text = resources.files("siting.serve").joinpath(f"static/{name}").read_text("utf-8")
        media = "text/javascript" if name.endswith(".js") else "text/css"
        return Response(text, media_type=media, headers=_no_store())

    async def state(request: Request) -> Response:
        view = base_view(session.base)
        view.update(messages=MESSAGES, terms=terms(), time_cap=session.time_cap,
                    jobs=[j.public() for j in _runner().jobs.values()])
        return JSONResponse(view)

    async def solve(request: Request) -> Response:
        body = await _json(request)
        if isinstance(body, Response):
            return body
        try:
            edits = engine.parse_edits(body.get("edits", {}))
            runner = _runner()
            job_id = runner.new_id()
            folder = session.work / job_id
            await asyncio.to_thread(engine.write_scenario, session.base, edits, folder,
                                    session.time_cap)
        except SitingError as exc:
            return _error(" ".join(str(exc).split()))
        label = str(body.get("label") or job_id)[:60]
        job = runner.submit(Job(job_id, folder, edits, label=label))
        return JSONResponse({"job": job.public()})

    async def cancel(request: Request) -> Response:
        body = await _json(request)
        if isinstance(body, Response):
            return body
        job = _runner().cancel(str(body.get("job", "")))
        if job is None:
            return _error("no such solve", 404)
        return JSONResponse({"job": job.public()})

    async def job(request: Request) -> Response:
        j = _runner().jobs.get(request.path_params["job"])
        if j is None:
            return _error("no such solve", 404)
        return JSONResponse({"job": j.public()})

    async def planned_job(request: Request, purpose: str) -> Any:
        """The finished solve a request names, or the error response saying why not."""
        body = await _json(request)
        if isinstance(body, Response):
            return body
        j = _runner().jobs.get(str(body.get("job", "")))
        if j is None:
            return _error("no such solve", 404)
        if j.plan is None:
            return _error(f"this solve has no plan to {purpose}")
        return j

    async def export(request: Request) -> Response:
        j = await planned_job(request, "export")
        if isinstance(j, Response):
            return j
        dest = session.exported.get(j.id)
        if dest is None:  # a new folder per plan: never overwrite an earlier session's export
            stamp = time.strftime("%Y%m%d-%H%M%S")
            dest = session.exports / f"{_safe(session.base.scenario.name)}-{stamp}-{j.id}"
            k = 2
            while dest.exists():
                dest = dest.with_name(f"{dest.name.rsplit('~', 1)[0]}~{k}")
                k += 1
            try:
                await asyncio.to_thread(engine.export, session.base, j.edits, j.folder, dest,
                                        session.time_cap)
            except (SitingError, OSError) as exc:
                return _error(f"export failed: {' '.join(str(exc).split())}")
            session.exported[j.id] = dest
        name = dest.name
        files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
        return JSONResponse({"folder": str(dest), "scenario": str(dest / "scenario.toml"),
                             "files": files,
                             "urls": {f: f"/exports/{name}/{f}" for f in files}})

    async def pdf(request: Request) -> Response:
        j = await planned_job(request, "print")
        if isinstance(j, Response):
            return j
        try:
            path = await asyncio.to_thread(print_pdf, session, j)
        except (SitingError, OSError) as exc:
            return _error(f"PDF failed: {' '.join(str(exc).split())}")
        rel = path.relative_to(j.folder).as_posix()
        return JSONResponse({"file": path.name, "url": f"/plans/{j.id}/{rel}"})

    async def events(request: Request) -> Response:
        loop = asyncio.get_running_loop()
        q: asyncio.Queue[str] = asyncio.Queue()
        entry = (loop, q)
        session.subscribers.add(entry)

        async def stream() -> Any:
            try:
                yield "retry: 2000\n\n"
                while True:
                    try:
                        data = await asyncio.wait_for(q.get(), timeout=10)
                        yield f"data: {data}\n\n"
                    except TimeoutError:
                        yield ": keep-alive\n\n"
            finally:
                session.subscribers.discard(entry)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def plan_file(request: Request) -> Response:
        j = _runner().jobs.get(request.path_params["job"])
        path = _inside(j.folder, request.path_params["path"]) if j is not None else None
        return _file(path)

    async def export_file(request: Request) -> Response:
        return _file(_inside(session.exports, request.path_params["path"]))

    async def scenario_file(request: Request) -> Response:
        return _file(_inside(session.base.folder, request.path_params["path"]))

    def _runner() -> Runner:
        assert session.runner is not None
        return session.runner

    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("not found", status_code=404)

    async def server_error(request: Request, exc: Exception) -> Response:
        return _error(f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}", 500)

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        if session.runner is None:
            session.runner = Runner(session.publish, scenario=session.base.path)
        session.runner.start()
        try:
            yield
        finally:  # here, not after server.run(): uvicorn re-raises SIGTERM once it has stopped
            close_session(session)

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [
        Route("/", index),
        Route("/favicon.ico", favicon),
        Route("/static/{name}", static),
        Route("/api/state", state),
        Route("/api/events", events),
        Route("/api/solve", solve, methods=["POST"]),
        Route("/api/cancel", cancel, methods=["POST"]),
        Route("/api/export", export, methods=["POST"]),
        Route("/api/pdf", pdf, methods=["POST"]),
        Route("/api/jobs/{job}", job),
        Route("/plans/{job}/{path:path}", plan_file),
        Route("/exports/{path:path}", export_file),
        Route("/files/{path:path}", scenario_file),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={404: not_found, 500: server_error, Exception: server_error})
    return Guard(app, session, None if any_host else (allowed_hosts or set(LOOPBACK)))


async def _json(request: Request) -> dict[str, Any] | Response:
    body = await request.body()
    if len(body) > MAX_BODY:
        return _error("request too large", 413)
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _error("the request body is not valid JSON")
    if not isinstance(data, dict):
        return _error("the request body must be a JSON object")
    return data


#: the plan's printable page: the community report, else the classical kinds' map page
PRINTABLE = ("report.html", "map.html")


def print_pdf(session: Session, job: Job) -> Path:
    """The plan's report printed to PDF (A4, :func:`siting.outputs.pdf.html_to_pdf`: the
    system Chromium, offline), once per plan; also copied into its export folder if any."""
    from ..outputs.pdf import html_to_pdf

    html = next((job.out / n for n in PRINTABLE if (job.out / n).is_file()), None)
    if html is None:
        raise SitingError("this plan has no report page to print")
    pdf = job.folder / "report.pdf"
    with session.pdf_lock:  # one Chromium at a time; a second click waits for the first
        if not pdf.is_file():
            html_to_pdf(html, pdf)
        dest = session.exported.get(job.id)
        if dest is not None and (dest / "outputs").is_dir() and \
                not (dest / "outputs" / "report.pdf").exists():
            shutil.copyfile(pdf, dest / "outputs" / "report.pdf")
    return pdf


def _file(path: Path | None) -> Response:
    if path is None:
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(path)


def _no_store() -> dict[str, str]:
    return {"Cache-Control": "no-store"}


def _safe(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return keep or "scenario"


def new_session(scenario: str | Path, *, exports: Path | None = None,
                time_cap: float = engine.MAX_TIME_LIMIT, lang: str = "en") -> Session:
    """Open the scenario (reads the layers once) and make a session with a fresh token."""
    base = engine.open_base(scenario)
    work = Path(tempfile.mkdtemp(prefix="siting-serve-"))
    return Session(base=base, exports=exports or base.folder / "whatif", work=work,
                   time_cap=time_cap, lang=lang)


def close_session(session: Session) -> None:
    if session.runner is not None:
        session.runner.stop()
    shutil.rmtree(session.work, ignore_errors=True)

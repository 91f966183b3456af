"""``siting serve``: the planner's workbench, a local web app for what-if planning.

Modules: :mod:`.engine` (edits → scenario file → solve → plan dict: the one adapter to the
solver), :mod:`.warm` (the worker's warm session per opened scenario: re-solves of the edits it
can express, the rest by ``engine``), :mod:`.worker` (the solve queue and its worker process), :mod:`.app` (the Starlette app:
page, API, progress stream, file serving, security), :mod:`.view` (the scenario as the page
draws it), :mod:`.i18n` (page texts). See docs/workbench.md.
"""

from __future__ import annotations

import sys
import threading
import webbrowser
from pathlib import Path

from .engine import MAX_TIME_LIMIT

__all__ = ["serve"]


def serve(scenario: str | Path, *, host: str = "127.0.0.1", port: int = 8765,
          open_browser: bool = True, exports: Path | None = None,
          time_limit: float = MAX_TIME_LIMIT, lang: str = "en") -> None:
    """Open the scenario and serve the workbench until Ctrl-C."""
    import uvicorn

    from .app import LOOPBACK, close_session, create_app, new_session

    session = new_session(scenario, exports=exports, time_cap=time_limit, lang=lang)
    # bound to every interface: any Host the user reaches it by (the CLI warned); else only ours
    allowed = None if host in ("0.0.0.0", "::") else set(LOOPBACK) | {host, f"[{host}]"}
    app = create_app(session, allowed, any_host=allowed is None)
    # open progress streams must not hold up Ctrl-C / SIGTERM
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on",
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{port}/"
    print(f"siting serve: {session.base.path.name} at {url} (Ctrl-C stops)", file=sys.stderr,
          flush=True)
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    try:
        server.run()
    finally:
        close_session(session)

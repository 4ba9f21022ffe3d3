"""The FastAPI application: server-rendered pages (Jinja2) and a small JSON API.

Routes take a run by its key in the index (``?run=``), never by a path, and only GET is
served: nothing the browser sends can start a computation or read a file outside the run
directories found at start-up (or on a reload of the Runs page).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from alvh import __version__
from alvh.errors import AlvhError
from alvh.web import data, decimate, journal_db, sweeps
from alvh.web import fidelity as fid
from alvh.web.assets import plotly_bundle
from alvh.web.runs_index import (
    RunRef,
    discover,
    discover_fidelity,
    discover_sweeps,
    fidelity_file,
    run_file,
    valid_key,
)

_STATIC_TYPES = {"app.js": "text/javascript", "app.css": "text/css"}


def _static(name: str) -> bytes:
    return (Path(__file__).parent / "static" / name).read_bytes()


def _fmt(v: object, digits: int = 2) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


class _Index:
    """The run, sweep and fidelity report folders being served; rescanned on demand."""

    KINDS: ClassVar[dict[str, Callable[[list[Path]], dict[str, RunRef]]]] = {
        "run": discover,
        "sweep": discover_sweeps,
        "fidelity report": discover_fidelity,
    }

    def __init__(self, roots: list[Path]) -> None:
        self.roots = [Path(r) for r in roots]
        self._lock = threading.Lock()
        self.found: dict[str, dict[str, RunRef]] = {k: {} for k in self.KINDS}
        self.rescan()

    @property
    def runs(self) -> dict[str, RunRef]:
        return self.found["run"]

    def rescan(self, kind: str | None = None) -> None:
        kinds = [kind] if kind else list(self.KINDS)
        new = {k: self.KINDS[k](self.roots) for k in kinds}
        with self._lock:
            self.found = self.found | new

    def get(self, key: str, kind: str = "run") -> RunRef:
        if not valid_key(key):
            raise HTTPException(404, f"no {kind} named {key!r} (malformed name)")
        ref = self.found[kind].get(key)
        if ref is None:
            self.rescan(kind)
            ref = self.found[kind].get(key)
        if ref is None:
            raise HTTPException(404, f"no {kind} named {key!r} among the served folders")
        return ref


def _valid_date(day: str) -> str:
    try:
        return dt.date.fromisoformat(day).isoformat()
    except ValueError:
        raise HTTPException(400, f"date {day!r}: expected YYYY-MM-DD") from None


# Pages load scripts and styles from this server only (plotly.js writes inline styles, and
# each page starts its script inline); no frames, no referrer sent on.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
        "'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
LOCAL_HOST_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def create_app(
    roots: list[Path],
    allowed_hosts: list[str] | None = None,
    books: list[str] | None = None,
    store: Path | None = None,
) -> FastAPI:
    """Return the dashboard application serving the run directories under ``roots``.

    Parameters
    ----------
    roots
        Folders to search for run directories (read-only; see :func:`runs_index.discover`).
    allowed_hosts
        Host names the ``Host`` header may carry (others get 400), which stops a web page
        from reading the dashboard through DNS rebinding; None accepts any (``alvh serve``
        passes :data:`LOCAL_HOST_NAMES` when bound to this machine).
    books
        Live book sources (``alvh serve --books``): folders of SQLite books, book files or
        database URLs, opened read-only (``alvh.web.books``); None or empty: no Book pages.
    store
        The market data store the books are marked on (None: ``$ALVH_STORE`` or the default).
    """
    index = _Index(roots)
    env = Environment(
        loader=PackageLoader("alvh.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = _fmt
    env.filters["tojson_inputs"] = lambda v: json.dumps(v, sort_keys=True, default=str)
    env.globals["version"] = __version__
    env.globals["books_served"] = bool(books)
    app = FastAPI(title="alvh", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.index = index  # what is being served (read by bench/bench_web.py)
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for k, v in _HEADERS.items():
            # A route that set its own (stricter) policy keeps it.
            if k not in response.headers:
                response.headers[k] = v
        return response

    def page(name: str, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**ctx))

    @app.exception_handler(AlvhError)
    def _alvh_error(request: Request, exc: AlvhError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    if books:
        from alvh.web.book_routes import register_book_routes

        app.state.books = register_book_routes(app, page, list(books), store)

    @app.get("/static/plotly.min.js")
    def plotly_js() -> Response:
        body, kind = plotly_bundle()
        headers = {"Cache-Control": "max-age=86400", "X-Alvh-Plotly-Bundle": kind}
        return Response(body, media_type="text/javascript", headers=headers)

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in _STATIC_TYPES:
            raise HTTPException(404, "no such asset")
        return Response(_static(name), media_type=_STATIC_TYPES[name])

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/", response_class=HTMLResponse)
    def runs_page() -> HTMLResponse:
        index.rescan("run")
        rows = [data.run_row(r) for r in index.runs.values()]
        return page("runs.html", rows=rows, roots=[str(r) for r in index.roots])

    @app.get("/api/runs")
    def api_runs() -> list[dict[str, Any]]:
        index.rescan("run")
        return [data.run_row(r) for r in index.runs.values()]

    @app.get("/run", response_class=HTMLResponse)
    def run_page(
        run: str = Query(...),
        day: str | None = None,
        points: int = Query(decimate.DEFAULT_MAX_POINTS, ge=50, le=20_000),
    ) -> HTMLResponse:
        ref = index.get(run)
        s = data.summary(ref)
        return page(
            "run.html",
            row=data.run_row(ref),
            summary=s,
            definitions=data.get(s, "definitions") or {},
            metrics=data.metric_rows(s),
            day=_valid_date(day) if day else None,
            points=points,
        )

    @app.get("/api/series")
    def api_series(
        run: str = Query(...),
        points: int | None = Query(None, ge=50, le=20_000),
        start: str | None = None,
        end: str | None = None,
    ) -> dict[str, Any]:
        # Without points/start/end: every session (the Compare page, scripts). With them: the
        # chart traces thinned for drawing (alvh.web.decimate), optionally over a window.
        ref = index.get(run)
        if points is None and start is None and end is None:
            return data.series(ref)
        return data.series_view(
            ref,
            points or decimate.DEFAULT_MAX_POINTS,
            _valid_date(start) if start else None,
            _valid_date(end) if end else None,
        )

    @app.get("/api/journal")
    def api_journal(
        run: str = Query(...),
        date: str | None = None,
        rule: str | None = Query(None, max_length=100),
        acted: bool = False,
        offset: int = Query(0, ge=0),
        limit: int = Query(200, ge=1, le=journal_db.MAX_PAGE_ROWS),
    ) -> dict[str, Any]:
        ref = index.get(run)
        p = run_file(ref, "journal.sqlite")
        if p is None:
            raise HTTPException(404, f"run {run!r} has no journal.sqlite")
        pg = journal_db.decisions(
            p, _valid_date(date) if date else None, rule, acted, offset, limit
        )
        return {"rows": pg.rows, "total": pg.total, "offset": pg.offset, "limit": pg.limit}

    @app.get("/day", response_class=HTMLResponse)
    def day_page(
        run: str = Query(...),
        date: str = Query(...),
        offset: int = Query(0, ge=0),
        limit: int = Query(200, ge=1, le=journal_db.MAX_PAGE_ROWS),
        partial: bool = False,
    ) -> HTMLResponse:
        ref = index.get(run)
        day = _valid_date(date)
        p = run_file(ref, "journal.sqlite")
        pg = journal_db.decisions(p, day, None, False, offset, limit) if p else None
        prev, nxt = journal_db.neighbours(p, day) if p else (None, None)
        # trades.csv is dated by the fill. With next-session fills (the default), the orders
        # decided today are the fills dated the next session.
        timing = data.get(data.summary(ref), "config", "execution", "fill_timing") or "next_close"
        fill_day = day if timing == "same_close" else nxt
        return page(
            "day_body.html" if partial else "day.html",
            row=data.run_row(ref),
            day=day,
            page=pg,
            prev=prev,
            next=nxt,
            equity=(eq := data.equity_on(ref, day)),
            greeks=data.greeks_on(eq),
            positions=data.positions_on(ref, day),
            hedges=data.hedges_on(ref, day),
            orders=data.orders_on(ref, day),
            fill_timing=timing,
            fill_day=fill_day,
            decided=data.orders_on(ref, fill_day) if fill_day else [],
            orders_decided=data.decided_on(ref, day),
        )

    @app.get("/download")
    def download(run: str = Query(...), file: str = Query(...)) -> Response:
        # A fixed list of the run's CSVs, each looked up by name (never joined onto a path).
        if file not in data.DOWNLOADS:
            raise HTTPException(404, f"file {file!r}: expected one of {list(data.DOWNLOADS)}")
        ref = index.get(run)
        p = run_file(ref, file)
        if p is None:
            raise HTTPException(404, f"run {run!r} has no {file}")
        name = f"{ref.key.replace('/', '_')}_{file}"
        return Response(
            p.read_bytes(),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/decisions", response_class=HTMLResponse)
    def decisions_fragment(
        run: str = Query(...),
        rule: str = Query("hedge.decision.", max_length=100),
        acted: bool = True,
        offset: int = Query(0, ge=0),
        limit: int = Query(50, ge=1, le=journal_db.MAX_PAGE_ROWS),
    ) -> HTMLResponse:
        ref = index.get(run)
        p = run_file(ref, "journal.sqlite")
        if p is None:
            raise HTTPException(404, f"run {run!r} has no journal.sqlite")
        pg = journal_db.decisions(p, None, rule or None, acted, offset, limit)
        return page("decisions.html", page=pg, key=ref.key, rule=rule, acted=acted)

    @app.get("/compare", response_class=HTMLResponse)
    def compare_page(run: list[str] = Query(default=[])) -> HTMLResponse:
        refs = [index.get(k) for k in run[:8]]
        return page(
            "compare.html", rows=[data.run_row(r) for r in refs], keys=[r.key for r in refs]
        )

    @app.get("/api/compare")
    def api_compare(run: list[str] = Query(default=[])) -> dict[str, Any]:
        out = {}
        for k in run[:8]:
            # Thinned like the run page's charts (every peak and trough kept).
            s = data.series_view(index.get(k), decimate.DEFAULT_MAX_POINTS)
            out[k] = {"view": s["view"], "books": s["books"]}
        return out

    # --- Sweeps -------------------------------------------------------------------------

    def sweep_ctx(name: str) -> tuple[RunRef, Any, list[str], list[str]]:
        ref = index.get(name, "sweep")
        t = sweeps.table(ref)
        varied = sweeps.varied_keys(ref, t)
        return ref, t, varied, sweeps.metric_columns(t, varied)

    def check_column(value: str, allowed: list[str], what: str) -> str:
        if value not in allowed:
            raise HTTPException(400, f"{what} {value!r}: expected one of {allowed}")
        return value

    kept_seen: dict[str, frozenset[str]] = {}

    def kept_runs(ref: RunRef) -> dict[str, str]:
        # Runs kept after the index was built (a sweep still running) trigger one rescan, and
        # another only when the kept folder's content changes again.
        kept = ref.path / "runs"
        names = frozenset(d.name for d in kept.iterdir()) if kept.is_dir() else frozenset()
        keys = sweeps.run_keys(ref, index.runs)
        if names - set(keys) and kept_seen.get(ref.key) != names:
            kept_seen[ref.key] = names
            index.rescan("run")
            keys = sweeps.run_keys(ref, index.runs)
        return keys

    @app.get("/sweeps", response_class=HTMLResponse)
    def sweeps_page() -> HTMLResponse:
        index.rescan("sweep")
        rows = [sweeps.sweep_row(r) for r in index.found["sweep"].values()]
        return page("sweeps.html", rows=rows, roots=[str(r) for r in index.roots])

    @app.get("/api/sweeps")
    def api_sweeps() -> list[dict[str, Any]]:
        index.rescan("sweep")
        return [sweeps.sweep_row(r) for r in index.found["sweep"].values()]

    @app.get("/sweep", response_class=HTMLResponse)
    def sweep_page(
        name: str = Query(...),
        sort: str | None = Query(None, max_length=200),
        limit: int = Query(100, ge=1, le=sweeps.MAX_TOP_ROWS),
    ) -> HTMLResponse:
        ref, t, varied, metrics = sweep_ctx(name)
        sel = sweeps.select_metric(ref, t, metrics)
        sort = check_column(sort, metrics, "sort") if sort else sel
        return page(
            "sweep.html",
            row=sweeps.sweep_row(ref),
            varied=varied,
            metrics=metrics,
            others=sweeps.other_columns(t, varied),
            sort=sort,
            limit=limit,
            rows=sweeps.top_rows(t, sort, limit),
            n_ok=len(sweeps._ok(t)),
            run_keys=kept_runs(ref),
            luck=sweeps.luck(ref),
            wf=sweeps.walk_forward_json(ref),
        )

    @app.get("/api/sweep")
    def api_sweep(
        name: str = Query(...),
        sort: str | None = Query(None, max_length=200),
        limit: int = Query(100, ge=1, le=sweeps.MAX_TOP_ROWS),
    ) -> dict[str, Any]:
        ref, t, varied, metrics = sweep_ctx(name)
        sel = sweeps.select_metric(ref, t, metrics)
        sort = check_column(sort, metrics, "sort") if sort else sel
        return {
            "summary": sweeps.sweep_row(ref),
            "varied": varied,
            "metrics": metrics,
            "other_columns": sweeps.other_columns(t, varied),
            "sort": sort,
            "rows": sweeps.top_rows(t, sort, limit),
            "run_keys": kept_runs(ref),
            "luck": sweeps.luck(ref),
        }

    @app.get("/api/sweep/heat")
    def api_sweep_heat(
        name: str = Query(...),
        x: str = Query(..., max_length=200),
        y: str = Query(..., max_length=200),
        metric: str = Query(..., max_length=200),
    ) -> dict[str, Any]:
        _ref, t, varied, metrics = sweep_ctx(name)
        check_column(x, varied, "x")
        check_column(y, varied, "y")
        check_column(metric, metrics, "metric")
        return sweeps.heat(t, x, y, metric)

    @app.get("/api/sweep/curves")
    def api_sweep_curves(
        name: str = Query(...), top: int = Query(5, ge=0, le=20)
    ) -> dict[str, Any]:
        ref, t, _varied, metrics = sweep_ctx(name)
        sel = sweeps.select_metric(ref, t, metrics)
        best = [str(r.get("config_hash")) for r in sweeps.top_rows(t, sel, top)[:top]]
        # Thinned for drawing like the run page (each bucket's high and low kept).
        pts = decimate.DEFAULT_MAX_POINTS
        return {
            "select": sel,
            "top": sweeps.equity_curves(ref, best, pts),
            "walk_forward": sweeps.walk_forward(ref, pts),
        }

    # --- Fidelity -----------------------------------------------------------------------

    @app.get("/fidelity", response_class=HTMLResponse)
    def fidelity_page(name: str | None = None) -> HTMLResponse:
        if name is None:
            index.rescan("fidelity report")
            reports = index.found["fidelity report"]
            if len(reports) != 1:
                return page(
                    "fidelity_list.html", keys=list(reports), roots=[str(r) for r in index.roots]
                )
            name = next(iter(reports))
        ref = index.get(name, "fidelity report")
        rep = fid.shaped(fid.report(ref))
        rows = fid.index_rows(rep)
        return page(
            "fidelity.html",
            key=ref.key,
            rep=rep,
            index_rows=[r | {"meets": fid.row_meets(r)} for r in rows],
            goals=fid.GOALS,
            has_html=fidelity_file(ref, "fidelity.html") is not None,
        )

    @app.get("/api/fidelity")
    def api_fidelity(name: str = Query(...)) -> dict[str, Any]:
        return fid.report(index.get(name, "fidelity report"))

    @app.get("/fidelity/report.html")
    def fidelity_html(name: str = Query(...)) -> Response:
        # The page alvh fidelity wrote, as written (its charts: levels, smiles), read-only.
        p = fidelity_file(index.get(name, "fidelity report"), "fidelity.html")
        if p is None:
            raise HTTPException(404, f"report {name!r} has no fidelity.html")
        # Sandboxed: its inline scripts run (the charts) in an opaque origin, so a page in a
        # served folder cannot read the dashboard's API; it loads nothing from anywhere.
        csp = (
            "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
            "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
        )
        return Response(
            p.read_bytes(), media_type="text/html", headers={"Content-Security-Policy": csp}
        )

    return app

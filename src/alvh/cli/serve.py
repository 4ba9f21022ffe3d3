"""``alvh serve``: the local web dashboard over run directories and their journals."""

from __future__ import annotations

import socket
from pathlib import Path

import typer
from rich.console import Console

from alvh.errors import ConfigError

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def check_roots(
    roots: list[Path], option: str = "--runs", holding: str = "run directories"
) -> list[Path]:
    """Return the folders to serve, raising a typed error for one that is not a folder."""
    for r in roots:
        if not r.is_dir():
            raise ConfigError(option, str(r), f"an existing folder holding {holding}")
    return roots


def check_books(sources: list[str]) -> list[str]:
    """Return the ``--books`` sources, raising a typed error for a path that does not exist.

    A source is a folder of SQLite book files, one such file, or a database URL (``--db`` of
    ``alvh book``); URLs are checked when the Books page reads them (an unreachable database
    is listed there with its error).
    """
    for s in sources:
        if "://" in s and not s.startswith("sqlite:///"):
            continue
        p = Path(s.removeprefix("sqlite:///"))
        if not p.exists():
            raise ConfigError(
                "--books", s, "a folder of book files (*.sqlite), a book file or a database URL"
            )
    return sources


def check_port(host: str, port: int) -> None:
    """Raise a typed error when ``host:port`` cannot be bound (in use, or not an address here)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            raise ConfigError(
                "--port",
                f"{host}:{port}",
                f"a free port on an address of this machine ({e.strerror})",
            ) from None


def _unique(roots: list[Path]) -> list[Path]:
    # The same folder given twice (e.g. as --runs and --sweeps) is served once.
    seen: dict[Path, Path] = {}
    for r in roots:
        seen.setdefault(r.resolve(), r)
    return list(seen.values())


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command."""

    @app.command("serve")
    def serve(
        runs: list[Path] = typer.Option(
            [Path("out")],
            "--runs",
            metavar="DIR",
            help="Folder holding run directories (repeatable).",
        ),
        sweeps: list[Path] = typer.Option(
            [],
            "--sweeps",
            metavar="DIR",
            help="Folder holding sweep folders, or one sweep folder (repeatable).",
        ),
        fidelity: list[Path] = typer.Option(
            [],
            "--fidelity",
            metavar="DIR",
            help="Folder holding a fidelity report (fidelity.json), or folders of them (repeatable).",
        ),
        books: list[str] = typer.Option(
            [],
            "--books",
            metavar="DIR_OR_DB_URL",
            help="Live books to show, read-only: a folder of book files (*.sqlite), one file, "
            "or a database URL as 'alvh book --db' takes (repeatable).",
        ),
        store: Path | None = typer.Option(
            None,
            "--store",
            metavar="DIR",
            help="Market data store the books are marked on (default: $ALVH_STORE or the "
            "user data folder; empty: the synthetic market).",
        ),
        host: str = typer.Option(
            "127.0.0.1",
            "--host",
            metavar="ADDRESS",
            help="Address to bind (local only by default).",
        ),
        port: int = typer.Option(
            8765, "--port", min=1, max=65535, metavar="PORT", help="TCP port."
        ),
    ) -> None:
        """Start the local, read-only web dashboard over runs, sweeps and fidelity reports.

        Every folder given (with any option) is searched for all three: run directories
        (summary.json), sweep folders (sweep.json and a results table) and fidelity reports
        (fidelity.json); a sweep's kept runs are run directories too. ``--books`` adds the
        Book pages over live books (``alvh book``), read-only.
        """
        console = Console()
        roots = check_roots(list(runs))
        roots += check_roots(list(sweeps), "--sweeps", "sweep folders")
        roots += check_roots(list(fidelity), "--fidelity", "a fidelity report")
        roots = _unique(roots)
        book_sources = check_books(list(books))
        check_port(host, port)
        if host not in LOCAL_HOSTS:
            Console(stderr=True).print(
                f"[bold yellow]warning:[/] binding {host}: anyone who can reach this address can "
                "read these runs (there is no login). Use the default 127.0.0.1 unless you mean it.",
                highlight=False,
            )
        # Imported here: the web stack (FastAPI, uvicorn, plotly) is not loaded at start-up.
        import uvicorn

        from alvh.web.app import LOCAL_HOST_NAMES, create_app

        web = create_app(
            roots,
            list(LOCAL_HOST_NAMES) if host in LOCAL_HOSTS else None,
            books=book_sources,
            store=store,
        )
        shown = f"[{host}]" if ":" in host else host
        console.print(
            f"serving {len(roots)} folder(s) at http://{shown}:{port}/  (Ctrl-C to stop)",
            highlight=False,
        )
        uvicorn.run(web, host=host, port=port, log_level="warning")

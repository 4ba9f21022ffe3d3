"""The ``alvh`` command: a thin face over the public API (parse, call, render).

Every command module defines ``register(app: typer.Typer) -> None`` and is listed in
``_COMMAND_MODULES``. User errors (``AlvhError``) print as one message and exit 2; ``--debug``
(anywhere on the command line) or ``ALVH_DEBUG=1`` shows the traceback instead.

Start-up imports only what the command asked for: ``_PROVIDES`` says which top-level commands
each module adds, with the one line ``alvh --help`` shows for them, so ``alvh --help`` imports no
command module (no pandas, numba or pydantic) and ``alvh journal ...`` imports only
``alvh.cli.backtest``. A test checks those lines against the commands' own help. A module in
``_COMMAND_MODULES`` that ``_PROVIDES`` does not know is imported for every command.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable

import typer
from rich.console import Console

from alvh.errors import AlvhError

_COMMAND_MODULES: tuple[str, ...] = (
    "alvh.cli.demo",
    "alvh.cli.backtest",
    "alvh.cli.data",
    "alvh.cli.calendar",
    "alvh.cli.price",
    "alvh.cli.curve",
    "alvh.cli.etf",
    "alvh.cli.price_vix",
    "alvh.cli.report",
    "alvh.cli.config",
    "alvh.cli.fidelity",
    "alvh.cli.sweep",
    "alvh.cli.serve",
    "alvh.cli.book",
    "alvh.cli.signal",
)

# module -> {top-level command or group it adds or extends: its one-line help (None: extends a
# group another module creates)}. Listed in the order ``alvh --help`` shows them.
_PROVIDES: dict[str, dict[str, str | None]] = {
    "alvh.cli.demo": {
        "demo": "Backtest the condor ladder with the ALVH hedge on the synthetic market; write "
        "the report.",
    },
    "alvh.cli.backtest": {
        "backtest": "Backtest the condor book and its hedge; write summary, CSVs and the journal "
        "to --out.",
        "journal": "Print why the book did what it did: every rule's inputs, outcome, action and "
        "reason.",
    },
    "alvh.cli.report": {
        "report": "Write a run's evidence report (HTML with charts) and print its summary.",
        "compare": "Run several hedge presets on the same data and write one comparison report.",
    },
    "alvh.cli.config": {
        "presets": "List the condor presets and the hedge presets, one line each.",
        "config": "Show a resolved config or every config key.",
    },
    "alvh.cli.data": {
        "data": "Market data: import files into the local store, status, fetch.",
    },
    "alvh.cli.calendar": {
        "calendar": "Trading sessions, expirations (SPX, SPXW, VX/VIX options) and exchange "
        "differences.",
    },
    "alvh.cli.price": {"price": "Price options and show their greeks."},
    "alvh.cli.price_vix": {"price": None},
    "alvh.cli.curve": {
        "curve": "Print the VX futures curve of a day: contracts, 30-day point, regime, roll "
        "yield.",
    },
    "alvh.cli.etf": {
        "etf": "Print the VIX short-term futures index (ER, TR) and a VXX-like ETF, 100 at "
        "--start.",
    },
    "alvh.cli.sweep": {
        "sweep": "Backtest every combination of --vary values; one row per config in "
        "results.parquet/csv.",
    },
    "alvh.cli.fidelity": {
        "fidelity": "Compare index replicas with CBOE's indexes and the model surface with real "
        "quotes.",
    },
    "alvh.cli.serve": {
        "serve": "Start the local, read-only web dashboard over runs, sweeps and fidelity reports.",
    },
    "alvh.cli.book": {
        "book": (
            "A persistent book: import positions and fills, advance the step, adopt imported "
            "condors, status, diff with the broker, log."
        ),
    },
    "alvh.cli.signal": {
        "signal": "Print the orders the backtest decides at a session's close, and that day's "
        "journal.",
    },
}

_ROOT_FLAGS = ("--version", "--debug", "--help")


def _version(value: bool) -> None:
    if value:
        from alvh import __version__

        typer.echo(f"alvh {__version__}")
        raise typer.Exit()


def _modules_for(command: str | None) -> list[str]:
    """The command modules to import for ``command`` (None: every one), in listed order."""
    if command is None:
        return list(_COMMAND_MODULES)
    return [m for m in _COMMAND_MODULES if m not in _PROVIDES or command in _PROVIDES[m]]


def _stub_help(app: typer.Typer, skip: Iterable[str]) -> None:
    """Register a placeholder per known command (name and help only) for ``alvh --help``."""
    done = set(skip)
    for m in _COMMAND_MODULES:
        for name, text in _PROVIDES.get(m, {}).items():
            if text is None or name in done:
                continue
            done.add(name)

            def _never() -> None:  # pragma: no cover - main() loads the real command first
                raise AssertionError("placeholder command run")

            app.command(name, help=text)(_never)


def build_app(command: str | None = None, *, stubs: bool = False) -> typer.Typer:
    """Return the ``alvh`` Typer application.

    Parameters
    ----------
    command
        Register only the modules that provide this top-level command (None: all of them).
    stubs
        Also list every other command by name and one-line help (for ``alvh --help``).
    """
    app = typer.Typer(
        name="alvh",
        help="SPX iron-condor book with an Adaptive Layered VIX Hedge: backtest and evidence.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # Plain click help: typer's rich help imports rich.markdown and markdown-it (~1/3 of
        # the start-up time of ``alvh --help``) and draws boxes that wrap badly at 80 columns.
        rich_markup_mode=None,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
        debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    ) -> None:
        """alvh: does a layered VIX hedge on an iron-condor book cut drawdowns, and at what cost?"""

    names: list[str] = []
    if stubs:
        modules = [m for m in _COMMAND_MODULES if m not in _PROVIDES]
    else:
        modules = _modules_for(command)
    for name in modules:
        importlib.import_module(name).register(app)
        names += list(_PROVIDES.get(name, {}))
    if stubs:
        _stub_help(app, names)
    return app


def _command_of(args: list[str]) -> str | None:
    """The top-level command named on the command line (None for ``alvh``, ``alvh --help``)."""
    for a in args:
        if a in _ROOT_FLAGS:
            continue
        return None if a.startswith("-") else a
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("ALVH_DEBUG") == "1"
    if "--debug" in args:
        # Accept --debug anywhere, not only before the subcommand.
        args = [a for a in args if a != "--debug"]
        args.insert(0, "--debug")
    command = _command_of(args)
    known = {c for provided in _PROVIDES.values() for c in provided}
    # help, --version or an unknown command: every command's name and help line, no module
    app = build_app(command) if command in known else build_app(stubs=True)
    err = Console(stderr=True)
    try:
        # Without standalone mode click returns ``typer.Exit(n)``'s code instead of raising it
        # (``alvh book diff`` exits 1 when the book and the broker differ).
        rv = app(args=args, prog_name="alvh", standalone_mode=False)
    except AlvhError as e:
        if debug:
            raise
        err.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        return 2
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        return 130
    except typer.Exit as e:
        return int(e.exit_code or 0)
    except Exception as e:
        # Usage errors (click's, vendored inside newer typer) know how to show themselves.
        show, exit_code = getattr(e, "show", None), getattr(e, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            return exit_code
        if debug:
            raise
        err.print(
            f"[bold red]internal error:[/] {type(e).__name__}: {e}\n"
            "This is a bug in alvh; rerun with --debug for the traceback and please report it.",
            highlight=False,
            soft_wrap=True,
        )
        return 1
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0


def entrypoint() -> None:
    """Console-script entry point."""
    raise SystemExit(main())

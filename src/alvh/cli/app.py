"""The ``alvh`` command: a thin face over the public API (parse, call, render).

Every command module defines ``register(app: typer.Typer) -> None`` and is listed in
``_COMMAND_MODULES``. User errors (``AlvhError``) print as one message and exit 2; ``--debug``
(anywhere on the command line) or ``ALVH_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer
from rich.console import Console

from alvh import __version__
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
    "alvh.cli.serve",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"alvh {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    """Return the ``alvh`` Typer application with every command registered."""
    app = typer.Typer(
        name="alvh",
        help="SPX iron-condor book with an Adaptive Layered VIX Hedge: backtest, signal, evidence.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
        debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    ) -> None:
        """alvh: does a layered VIX hedge on an iron-condor book cut drawdowns, and at what cost?"""

    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("ALVH_DEBUG") == "1"
    if "--debug" in args:
        # Accept --debug anywhere, not only before the subcommand.
        args = [a for a in args if a != "--debug"]
        args.insert(0, "--debug")
    app = build_app()
    err = Console(stderr=True)
    try:
        app(args=args, prog_name="alvh", standalone_mode=False)
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
    return 0


def entrypoint() -> None:
    """Console-script entry point."""
    raise SystemExit(main())

from __future__ import annotations

import subprocess
import sys

import typer

import alvh.cli.app as app_module
from alvh import __version__
from alvh.cli.app import build_app, main


def test_version_prints_package_version(capsys) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_a_usage_error_not_a_traceback(capsys) -> None:
    code = main(["no-such-command"])
    assert code == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out


def test_start_up_loads_no_model_or_analysis_library() -> None:
    # Every ``alvh`` call (``--help``, ``alvh journal``) builds the whole app first: the
    # pricing models, the store, the engine and the bootstrap (arch) load when a command that
    # needs them runs, not at start-up. A fresh interpreter, since the tests import them all.
    heavy = (
        "arch",
        "matplotlib",
        "plotly",
        "scipy.optimize",
        "scipy.stats",
        "alvh.market.surface",
        "alvh.market.store",
        "alvh.market.vixoptions",
        "alvh.report.analysis",
        "alvh.engine.loop",
    )
    code = (
        "import sys\nfrom alvh.cli.app import build_app\nbuild_app()\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_loads_no_command_module_pandas_numba_or_pydantic() -> None:
    # ``alvh --help`` lists every command from app._PROVIDES without importing the command
    # modules: no pandas, numba, pydantic, numpy, and not the version lookup
    # (importlib.metadata) or typer's rich help (rich.markdown).
    unwanted = (
        "pandas",
        "numpy",
        "numba",
        "pydantic",
        "scipy",
        "exchange_calendars",
        "pyarrow",
        "importlib.metadata",
        "rich.markdown",
        "alvh.config",
        "alvh.market",
        *(m for m in app_module._COMMAND_MODULES),
    )
    code = (
        "import sys, io, contextlib\nfrom alvh.cli.app import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n    main(['--help'])\n"
        f"print(','.join(m for m in {unwanted!r} if m in sys.modules))\n"
        "print('backtest' in out.getvalue())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["", "True"]


def test_a_command_loads_only_its_module() -> None:
    code = (
        "import sys\nfrom alvh.cli.app import main\n"
        "try:\n    main(['journal', '/nonexistent'])\nexcept SystemExit:\n    pass\n"
        "print(','.join(m for m in ('alvh.cli.report', 'alvh.cli.price', 'alvh.cli.curve', "
        "'alvh.cli.etf', 'numba') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1:] in ([], [""])


def test_help_lines_are_the_commands_own() -> None:
    # The one-line helps ``alvh --help`` shows without importing a module are the commands'
    # docstrings' first lines, and every top-level command of the full app is listed.
    full = typer.main.get_command(build_app())
    listed = {
        name: text
        for provided in app_module._PROVIDES.values()
        for name, text in provided.items()
        if text is not None
    }
    assert set(full.list_commands(None)) == set(listed)  # type: ignore[attr-defined]
    for name, text in listed.items():
        cmd = full.get_command(None, name)  # type: ignore[attr-defined]
        assert (cmd.help or "").split("\n\n")[0].replace("\n", " ") == text, name


def test_every_command_still_runs_through_main(capsys) -> None:
    for args in (["data", "--help"], ["config", "keys", "--help"], ["price", "spx", "--help"]):
        assert main(args) == 0
    assert "--strikes" in capsys.readouterr().out


def test_pyproject_license_is_an_spdx_string_setuptools_can_read() -> None:
    # ``license = {text = ...}`` made setuptools >= 77 print ~45 lines of deprecation warnings
    # during ``make demo``; the SPDX string needs setuptools >= 77 in the build requirements.
    import re
    import tomllib
    from pathlib import Path

    py = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert py["project"]["license"] == "Apache-2.0"
    pins = [r for r in py["build-system"]["requires"] if r.startswith("setuptools")]
    m = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", pins[0])
    assert m is not None and int(m.group(1)) >= 77

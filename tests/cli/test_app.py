from __future__ import annotations

import subprocess
import sys

from alvh import __version__
from alvh.cli.app import main


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
        "arch", "matplotlib", "plotly", "scipy.optimize", "scipy.stats", "alvh.market.surface",
        "alvh.market.store", "alvh.market.vixoptions", "alvh.report.analysis", "alvh.engine.loop",
    )  # fmt: skip
    code = (
        "import sys\nfrom alvh.cli.app import build_app\nbuild_app()\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

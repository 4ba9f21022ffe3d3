from __future__ import annotations

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

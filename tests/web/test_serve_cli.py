"""``alvh serve``: its defaults, the warning off localhost, typed errors, a light start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alvh.cli.app import main


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    import uvicorn

    seen: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.append(kw))
    return seen


@pytest.fixture
def any_port(monkeypatch: pytest.MonkeyPatch) -> None:
    # Another process on this machine may hold 8765: these tests are about the arguments.
    import alvh.cli.serve

    monkeypatch.setattr(alvh.cli.serve, "check_port", lambda host, port: None)


def test_binds_localhost_by_default_without_a_warning(
    hand_root: Path, calls, any_port, capsys
) -> None:
    assert main(["serve", "--runs", str(hand_root)]) == 0
    assert calls == [{"host": "127.0.0.1", "port": 8765, "log_level": "warning"}]
    out = capsys.readouterr()
    assert "warning" not in out.err and "http://127.0.0.1:8765/" in out.out


def test_another_host_prints_a_warning(hand_root: Path, calls, any_port, capsys) -> None:
    assert main(["serve", "--runs", str(hand_root), "--host", "0.0.0.0", "--port", "9001"]) == 0
    assert calls[0]["host"] == "0.0.0.0" and calls[0]["port"] == 9001
    assert "warning" in capsys.readouterr().err


def test_a_missing_folder_is_one_error_line_not_a_traceback(tmp_path: Path, calls, capsys) -> None:
    assert main(["serve", "--runs", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "--runs" in err and "nope" in err and "Traceback" not in err
    assert calls == []


def test_start_up_does_not_load_the_web_stack() -> None:
    code = (
        "import sys\nfrom alvh.cli.app import build_app\nbuild_app()\n"
        "print(','.join(m for m in ('fastapi', 'uvicorn', 'starlette', 'plotly', 'jinja2', "
        "'alvh.web', 'alvh.web.app') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_port_in_use_is_one_error_line(hand_root: Path, calls, capsys) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--runs", str(hand_root), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "--port" in err and "Traceback" not in err
    assert calls == []


def test_sweeps_and_fidelity_folders_are_served_beside_the_runs(
    tmp_path: Path, hand_root: Path, any_port, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn
    from fastapi.testclient import TestClient
    from web_fixtures import write_hand_fidelity, write_hand_sweep

    apps: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: apps.append(app))
    write_hand_sweep(tmp_path / "sweeps" / "s1")
    write_hand_fidelity(tmp_path / "fid")
    args = ["serve", "--runs", str(hand_root), "--sweeps", str(tmp_path / "sweeps")]
    assert main([*args, "--fidelity", str(tmp_path / "fid"), "--sweeps", str(hand_root)]) == 0
    client = TestClient(apps[0], base_url="http://127.0.0.1:8765")  # type: ignore[arg-type]
    # Three folders (hand_root given twice is served once), so keys carry the folder's name.
    assert [r["key"] for r in client.get("/api/sweeps").json()] == ["sweeps/s1"]
    assert client.get("/fidelity").text.count('id="data-id"') == 1
    assert "served/hand" in [r["key"] for r in client.get("/api/runs").json()]


def test_a_missing_sweeps_folder_names_its_option(tmp_path: Path, calls, capsys) -> None:
    assert main(["serve", "--runs", str(tmp_path), "--sweeps", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "--sweeps" in err and "nope" in err and "Traceback" not in err


def test_books_are_served_from_a_folder_and_a_missing_one_names_its_option(
    hand_root: Path, book_env, tmp_path: Path, any_port, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    apps: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: apps.append(app))
    args = ["serve", "--runs", str(hand_root), "--books", str(book_env["books"])]
    assert main([*args, "--store", str(book_env["store"])]) == 0
    from fastapi.testclient import TestClient

    client = TestClient(apps[0], base_url="http://127.0.0.1")  # type: ignore[arg-type]
    assert 'href="/books"' in client.get("/").text  # the nav links the Books page
    assert 'href="/book?name=b1"' in client.get("/books").text
    assert main(["serve", "--runs", str(hand_root), "--books", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "--books" in err and "nope" in err and "Traceback" not in err

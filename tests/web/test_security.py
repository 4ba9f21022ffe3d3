"""The dashboard is read-only over the folders it was given: run names are looked up, never
joined onto paths; ``../``, absolute paths and symlinks out of a root reach nothing."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_fixtures import write_hand_run

from alvh.web.app import create_app
from alvh.web.runs_index import discover, valid_key


@pytest.mark.parametrize(
    "key",
    ["../hand", "/etc", "hand/../hand", "..", "hand/..", "a\\b", "", ".hidden", "hand//x", "~"],
)
def test_malformed_run_names_are_rejected(key: str) -> None:
    assert not valid_key(key)


@pytest.mark.parametrize("key", ["hand", "sweeps/run-01", "a/b.c/d_e@margin"])
def test_plain_run_names_are_accepted(key: str) -> None:
    assert valid_key(key)


@pytest.mark.parametrize(
    "key", ["../served/hand", "/etc/passwd", "hand/../hand", "..", "%2e%2e/hand", "../outside"]
)
def test_traversal_in_a_run_name_is_a_404(hand_root: Path, key: str) -> None:
    client = TestClient(create_app([hand_root]))
    for path in ("/run", "/api/series", "/api/journal"):
        r = client.get(path, params={"run": key})
        assert r.status_code == 404, (path, key)
        assert "root:" not in r.text


def test_symlinks_leaving_the_root_are_not_served(tmp_path: Path) -> None:
    root = tmp_path / "served"
    write_hand_run(root / "hand")
    outside = write_hand_run(tmp_path / "outside")
    (root / "escape").symlink_to(outside, target_is_directory=True)
    # A run inside the root whose summary.json points out is not a run either.
    inner = root / "fake"
    inner.mkdir()
    (inner / "summary.json").symlink_to(outside / "summary.json")
    # A link that stays inside the root is fine.
    (root / "alias").symlink_to(root / "hand", target_is_directory=True)
    keys = sorted(discover([root]))
    assert keys == ["alias", "hand"]
    client = TestClient(create_app([root]))
    assert client.get("/run", params={"run": "escape"}).status_code == 404
    assert client.get("/run", params={"run": "fake"}).status_code == 404


def test_a_run_file_linked_out_of_the_root_is_refused_not_read(tmp_path: Path) -> None:
    root = tmp_path / "served"
    run = write_hand_run(root / "hand")
    secret = tmp_path / "secret.csv"
    secret.write_text("date,hedged_equity_usd\n2020-01-01,42424242\n")
    (run / "equity.csv").unlink()
    (run / "equity.csv").symlink_to(secret)
    client = TestClient(create_app([root]))
    r = client.get("/api/series", params={"run": "hand"})
    assert r.status_code == 422 and "outside the served folder" in r.json()["detail"]
    assert "42424242" not in r.text


def test_only_known_assets_are_served_and_nothing_accepts_writes(hand_root: Path) -> None:
    client = TestClient(create_app([hand_root]))
    for path in (
        "/static/..%2Fapp.py",
        "/static/app.py",
        "/static/../app.py",
        "/docs",
        "/openapi.json",
    ):
        assert client.get(path).status_code == 404, path
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/").status_code == 405
        assert getattr(client, method)("/api/journal?run=hand").status_code == 405


def test_reading_a_run_changes_no_file_and_creates_none(hand_root: Path) -> None:
    run = hand_root / "hand"

    def snapshot() -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest() + str(p.stat().st_mtime_ns)
            for p in sorted(run.iterdir())
        }

    before = snapshot()
    client = TestClient(create_app([hand_root]))
    client.get("/")
    client.get("/run", params={"run": "hand"})
    client.get("/api/series", params={"run": "hand"})
    client.get("/day", params={"run": "hand", "date": "2020-01-31"})
    client.get("/api/journal", params={"run": "hand", "rule": "r."})
    assert snapshot() == before  # no -wal / -shm beside the journal either


def test_a_read_only_folder_is_served(hand_root: Path) -> None:
    run = hand_root / "hand"
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    modes = {p: p.stat().st_mode for p in [run, *run.iterdir()]}
    try:
        for p in run.iterdir():
            p.chmod(0o444)
        run.chmod(0o555)
        client = TestClient(create_app([hand_root]))
        r = client.get("/day", params={"run": "hand", "date": "2020-01-31"})
        assert r.status_code == 200 and "reason number 29" in r.text
    finally:
        for p, m in modes.items():
            p.chmod(m)


def test_only_local_host_names_are_answered_when_bound_locally(hand_root: Path) -> None:
    from alvh.web.app import LOCAL_HOST_NAMES

    app = create_app([hand_root], list(LOCAL_HOST_NAMES))
    assert TestClient(app, base_url="http://127.0.0.1:8765").get("/").status_code == 200
    assert TestClient(app, base_url="http://localhost:8765").get("/").status_code == 200
    # A page on another site resolving its own name to 127.0.0.1 (DNS rebinding) is refused.
    rebound = TestClient(app, base_url="http://attacker.example:8765")
    assert rebound.get("/api/runs").status_code == 400


def test_pages_forbid_other_origins_and_framing(hand_root: Path) -> None:
    r = TestClient(create_app([hand_root])).get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"


# --- Sweeps and fidelity reports: the same rules ----------------------------------------------

SWEEP_AND_FIDELITY_ROUTES = [
    ("/sweep", "name", {}),
    ("/api/sweep", "name", {}),
    ("/api/sweep/heat", "name", {"x": "a", "y": "b", "metric": "sharpe"}),
    ("/api/sweep/curves", "name", {}),
    ("/fidelity", "name", {}),
    ("/api/fidelity", "name", {}),
    ("/fidelity/report.html", "name", {}),
]


@pytest.fixture
def mixed_root(tmp_path: Path) -> Path:
    from web_fixtures import write_hand_fidelity, write_hand_sweep

    root = tmp_path / "served"
    write_hand_sweep(root / "sw")
    write_hand_fidelity(root / "fid")
    return root


@pytest.mark.parametrize("key", ["../served/sw", "/etc/passwd", "sw/../sw", "..", "%2e%2e/sw"])
def test_traversal_in_a_sweep_or_report_name_is_a_404(mixed_root: Path, key: str) -> None:
    client = TestClient(create_app([mixed_root]))
    for path, param, extra in SWEEP_AND_FIDELITY_ROUTES:
        r = client.get(path, params={param: key, **extra})
        assert r.status_code == 404, (path, key)
        assert "root:" not in r.text


def test_a_sweep_or_report_of_another_kind_is_not_found(mixed_root: Path) -> None:
    client = TestClient(create_app([mixed_root]))
    assert client.get("/sweep", params={"name": "fid"}).status_code == 404
    assert client.get("/fidelity", params={"name": "sw"}).status_code == 404
    assert client.get("/run", params={"run": "sw"}).status_code == 404


def test_sweep_files_linked_out_of_the_root_are_refused_not_read(
    mixed_root: Path, tmp_path: Path
) -> None:
    from web_fixtures import sweep_hash, write_hand_sweep

    from alvh.web.runs_index import discover_sweeps

    outside = write_hand_sweep(tmp_path / "outside")
    (mixed_root / "escape").symlink_to(outside, target_is_directory=True)
    assert sorted(discover_sweeps([mixed_root])) == ["sw"]
    # An equity file of a served sweep pointing out of the root: refused, not read.
    sw = mixed_root / "sw"
    eq = sw / "equity" / f"{sweep_hash(6)}.parquet"
    eq.unlink()
    eq.symlink_to(outside / "equity" / f"{sweep_hash(6)}.parquet")
    client = TestClient(create_app([mixed_root]))
    r = client.get("/api/sweep/curves", params={"name": "sw"})
    assert r.status_code == 422 and "outside the served folder" in r.json()["detail"]
    # So is a results table pointing out.
    (sw / "results.parquet").unlink()
    (sw / "results.parquet").symlink_to(outside / "results.parquet")
    r = client.get("/api/sweep", params={"name": "sw"})
    assert r.status_code == 422 and "outside the served folder" in r.json()["detail"]


@pytest.mark.parametrize(
    "name",
    [
        "equity/../luck.json",
        "equity/xyz.parquet",
        "rows/0000000000000000.json",
        "../x",
        "sweep.html",
    ],
)
def test_only_known_sweep_files_are_read(mixed_root: Path, name: str) -> None:
    from alvh.web.runs_index import RunNotFoundError, discover_sweeps, sweep_file

    ref = discover_sweeps([mixed_root])["sw"]
    with pytest.raises(RunNotFoundError):
        sweep_file(ref, name)


def test_reading_sweeps_and_reports_changes_no_file(mixed_root: Path) -> None:
    def snapshot() -> dict[str, str]:
        return {
            str(p): hashlib.sha256(p.read_bytes()).hexdigest() + str(p.stat().st_mtime_ns)
            for p in sorted(mixed_root.rglob("*"))
            if p.is_file()
        }

    before = snapshot()
    client = TestClient(create_app([mixed_root]))
    for path in ("/sweeps", "/api/sweeps", "/fidelity"):
        assert client.get(path).status_code == 200
    for path, param, extra in SWEEP_AND_FIDELITY_ROUTES:
        name = "fid" if "fidelity" in path else "sw"
        assert client.get(path, params={param: name, **extra}).status_code == 200, path
    assert snapshot() == before
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/api/sweep?name=sw").status_code == 405


def test_the_report_page_as_written_runs_sandboxed(mixed_root: Path) -> None:
    r = TestClient(create_app([mixed_root])).get("/fidelity/report.html", params={"name": "fid"})
    csp = r.headers["content-security-policy"]
    assert csp.startswith("sandbox allow-scripts;") and "default-src 'none'" in csp


# --- Books ---------------------------------------------------------------------------------


@pytest.fixture
def book_root(book_env: dict[str, Path], tmp_path: Path) -> Path:
    """A books folder: the web book, and a book file linked from outside the folder."""
    import shutil

    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(book_env["db"], books / "b1.sqlite")
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(book_env["db"], outside / "secret.sqlite")
    con = sqlite3.connect(outside / "secret.sqlite")
    with con:
        con.execute("UPDATE book SET name = 'secret'")
        con.execute("UPDATE events SET book = 'secret'")
    con.close()  # checkpointed now, not when collected
    (books / "linked.sqlite").symlink_to(outside / "secret.sqlite")
    return books


@pytest.mark.parametrize(
    "key", ["../b1", "/etc/passwd", "b1/../b1", "..", "%2e%2e/b1", "a\\b", "secret", "b1/x"]
)
def test_book_names_are_validated_like_run_names(
    book_root: Path, book_env: dict[str, Path], key: str
) -> None:
    client = TestClient(create_app([book_root], books=[str(book_root)], store=book_env["store"]))
    for path in ("/book", "/book/signal", "/api/book"):
        r = client.get(path, params={"name": key})
        assert r.status_code == 404, (path, key)
        assert "root:" not in r.text


def test_a_book_file_linked_from_outside_is_not_served_and_nothing_is_written(
    book_root: Path, book_env: dict[str, Path]
) -> None:
    def stamp() -> dict[str, tuple[int, str]]:
        return {
            p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(book_root.parent.rglob("*.sqlite"))
            if not p.is_symlink()
        }

    before = stamp()
    client = TestClient(create_app([book_root], books=[str(book_root)], store=book_env["store"]))
    page = client.get("/books").text
    assert 'href="/book?name=b1"' in page and "secret" not in page
    assert client.get("/book", params={"name": "b1", "date": "2026-09-15"}).status_code == 200
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/book?name=b1").status_code == 405
        assert getattr(client, method)("/books").status_code == 405
    assert stamp() == before

"""The code fingerprint in every run id moves with the code and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

import alvh._fingerprint as fp


def _fingerprint_of(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(fp, "_PACKAGE_DIR", tmp)
    fp.code_fingerprint.cache_clear()
    try:
        return fp.code_fingerprint()
    finally:
        fp.code_fingerprint.cache_clear()


def test_fingerprint_changes_with_code_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "p.toml").write_text("k = 1\n")
    base = _fingerprint_of(tmp_path, monkeypatch)
    assert base == _fingerprint_of(tmp_path, monkeypatch)  # deterministic
    (tmp_path / "notes.txt").write_text("not code")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.py").write_text("cache")
    assert _fingerprint_of(tmp_path, monkeypatch) == base  # other files do not count
    (tmp_path / "a.py").write_text("x = 2\n")
    assert _fingerprint_of(tmp_path, monkeypatch) != base


def test_installed_package_has_a_fingerprint() -> None:
    f = fp.code_fingerprint()
    assert len(f) == 12 and int(f, 16) >= 0

"""The flow's tasks called as plain functions (task.fn()): no Prefect server needed."""
from __future__ import annotations

import os
import shutil

import pytest

from flows.ingest import content_key, extract, hash_file, io_only, with_path
from pipeline.convert import file_sha256
from pipeline.settings import Settings, ValidationSettings

from .conftest import SAMPLE, deny_open, write_dump


def test_hash_and_extract(tmp_path):
    truths = write_dump(tmp_path / "a.txt", seed=5, n=3)
    fid = hash_file.fn(str(tmp_path / "a.txt"))
    sha = fid.sha256
    assert sha == file_sha256(tmp_path / "a.txt") and fid.file_type == "text"
    result = extract.fn(str(tmp_path / "a.txt"), sha, Settings())
    assert result.status == "ok" and result.sha256 == sha
    assert [f.header.project_code for f in result.forms] == [t["header"]["project_code"] for t in truths]


def test_extract_of_a_bad_file_is_a_failed_result_not_an_exception(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = extract.fn(str(bad), "", Settings())
    assert result.status == "failed" and result.errors[0].message == "empty file"


def test_unreadable_file_raises_oserror_for_a_retry(tmp_path, monkeypatch):
    p = tmp_path / "locked.txt"
    shutil.copy(SAMPLE, p)
    if os.geteuid() != 0:
        p.chmod(0)  # the real thing where it works
    deny_open(monkeypatch, p)
    assert os.access(p, os.R_OK) == (os.geteuid() == 0)  # as root the mode check says "readable"
    with pytest.raises(PermissionError):
        extract.fn(str(p), "x", Settings())


def test_a_file_vanished_after_hashing_raises_for_a_retry_not_a_cached_failure(tmp_path):
    p = tmp_path / "gone.txt"
    shutil.copy(SAMPLE, p)
    sha = hash_file.fn(str(p)).sha256
    p.unlink()  # between discovery/hashing and extraction
    with pytest.raises(FileNotFoundError):
        extract.fn(str(p), sha, Settings())


class _State:
    def __init__(self, exc):
        self.exc = exc

    def result(self):
        raise self.exc


def test_retries_only_on_io():
    assert io_only(None, None, _State(OSError("disk gone")))
    assert io_only(None, None, _State(type("OperationalError", (Exception,), {})("lost")))
    assert not io_only(None, None, _State(ValueError("a bug")))


def test_cache_key_is_content_and_settings_not_path():
    sha = "ab" * 32
    k1 = content_key(None, {"path": "/a/x.txt", "sha256": sha, "settings": Settings()})
    k2 = content_key(None, {"path": "/b/y.txt", "sha256": sha, "settings": None})
    k3 = content_key(None, {"path": "/a/x.txt", "sha256": sha,
                            "settings": Settings(validation=ValidationSettings(low_confidence=0.5))})
    assert k1 == k2 != k3 and sha in k1 and "/a/" not in k1


def test_cached_result_gets_the_new_path(tmp_path):
    result = extract.fn(str(SAMPLE), file_sha256(SAMPLE), Settings())
    moved = with_path(result, str(tmp_path / "moved.txt"))
    assert moved.path == str(tmp_path / "moved.txt")
    assert {f.source.path for f in moved.forms} == {str(tmp_path / "moved.txt")}
    assert result.forms[0].source.path == str(SAMPLE)  # the original is not touched

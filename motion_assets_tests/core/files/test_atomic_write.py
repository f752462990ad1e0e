"""Atomic writes: whole files only, umask-respecting modes, dead writers' temporaries cleaned."""

import fcntl
import os
import stat
import subprocess
import sys

import pytest

from motion_assets.core.files.atomic_write import (
    TEMPORARY_PREFIX,
    remove_stale_temporaries,
    write_atomically,
    write_bytes_atomically,
)


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield
    os.umask(previous)


def test_a_written_file_gets_0666_minus_the_umask(tmp_path, umask_027):
    write_bytes_atomically(tmp_path / "table.parquet", b"rows")
    assert stat.S_IMODE(os.stat(tmp_path / "table.parquet").st_mode) == 0o640


def test_a_failed_write_leaves_neither_target_nor_temporary(tmp_path):
    def fail(handle):
        handle.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(tmp_path / "table.parquet", fail)
    assert os.listdir(tmp_path) == []


def dead_writers_temporary(folder) -> str:
    """A temporary file left by a process that died while writing (it held the lock)."""
    name = f"{TEMPORARY_PREFIX}table.parquet.deadbeef"
    code = (f"import fcntl, os; fd = os.open({str(folder / name)!r}, os.O_WRONLY | os.O_CREAT, 0o666); "
            "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'half'); os.kill(os.getpid(), 9)")
    subprocess.run([sys.executable, "-c", code], check=False)
    return name


def test_the_next_write_removes_a_dead_writers_temporary(tmp_path):
    dead = dead_writers_temporary(tmp_path)
    assert (tmp_path / dead).exists()
    write_bytes_atomically(tmp_path / "other.parquet", b"rows")
    assert sorted(os.listdir(tmp_path)) == ["other.parquet"]


def test_a_temporary_a_live_writer_holds_is_kept(tmp_path):
    live = tmp_path / f"{TEMPORARY_PREFIX}table.parquet.cafe"
    descriptor = os.open(live, os.O_WRONLY | os.O_CREAT, 0o666)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        assert remove_stale_temporaries(str(tmp_path)) == []
        assert live.exists()
    finally:
        os.close(descriptor)

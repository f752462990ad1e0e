"""Ingestion survives the filesystem: loops, dangling links, bad names, special files and
unreadable entries are rejected or ignored with their kind, never a crash, never a hang.

Tests run as root here, and root reads files and lists folders whatever their mode: the
"unreadable" cases fail os.open / os.scandir for one path by a mock; the same cases with a
real chmod run only when not root.
"""

import contextlib
import json
import os
import signal
import socket
import stat

import pytest

from motion_assets.core.sequences import ingest
from motion_assets.core.sequences.folder_state import folder_fingerprint, scan_variant_folders
from motion_assets.core.sequences.ingest import (
    read_file_bytes,
    read_sequence_folder,
    read_sequence_paths,
)
from motion_assets.core.sequences.reader import CodebookSettings
from motion_assets.core.sequences.rejections import SequenceRejected

VARIANT = "v_cb2048"
GOOD = "D01/code_indices/good.codes.json"
AS_ROOT = os.geteuid() == 0


@contextlib.contextmanager
def deadline(seconds=10):
    """Turn a hang into a failure: a blocking open of a FIFO would otherwise never return."""
    def expire(*_):
        raise TimeoutError(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def write(root, relative, windows=((1, 2), (3, 4))):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"codes_windows": [list(w) for w in windows]}))


def read(root, **kwargs):
    with deadline():
        return read_sequence_folder(str(root), CodebookSettings(variant=VARIANT), **kwargs)


def rejections(result):
    return {(r["relative_path"], r["line"]): r["kind"] for r in result.rejected.to_pylist()}


def sequence_files(result):
    return set(result.sequences.column("relative_path").to_pylist())


@pytest.fixture
def tree(tmp_path):
    write(tmp_path, GOOD)
    return tmp_path


def undecodable(root, relative: bytes, folder=False):
    path = os.path.join(os.fsencode(root), relative)
    try:
        if folder:
            os.makedirs(path)
        else:
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY))
    except OSError:
        pytest.skip("this filesystem refuses names that are not UTF-8")
    return path


def test_a_file_symlink_loop_is_rejected(tree):
    os.symlink("loop_b.codes.json", tree / "D01/code_indices/loop_a.codes.json")
    os.symlink("loop_a.codes.json", tree / "D01/code_indices/loop_b.codes.json")
    result = read(tree)
    assert rejections(result) == {("D01/code_indices/loop_a.codes.json", None): "symlink_loop",
                                  ("D01/code_indices/loop_b.codes.json", None): "symlink_loop"}
    assert sequence_files(result) == {GOOD}


def test_a_folder_link_back_up_the_tree_is_rejected_not_followed(tree):
    os.symlink("..", tree / "D01/code_indices/up")
    os.symlink(".", tree / "here")
    result = read(tree)
    assert rejections(result) == {("D01/code_indices/up", None): "symlink_loop",
                                  ("here", None): "symlink_loop"}
    assert sequence_files(result) == {GOOD}


def test_a_folder_link_elsewhere_is_followed(tree, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    write(elsewhere, "code_indices/s.codes.json", [[5, 6]])
    os.symlink(elsewhere, tree / "D02")
    assert sequence_files(read(tree)) == {GOOD, "D02/code_indices/s.codes.json"}


def test_a_dangling_link_is_rejected(tree):
    os.symlink("gone.codes.json", tree / "D01/code_indices/dangling.codes.json")
    os.symlink("gone", tree / "D01/clip.mp4")
    result = read(tree)
    assert rejections(result) == {("D01/code_indices/dangling.codes.json", None): "dangling_link"}
    assert [r["relative_path"] for r in result.ignored.to_pylist()] == ["D01/clip.mp4"]


def test_names_that_are_not_utf8_are_rejected_with_a_printable_path(tree):
    undecodable(tree, b"D01/code_indices/bad\xff.codes.json")
    undecodable(tree, b"D\xfe2", folder=True)
    write(tree, "D\udcfe2/code_indices/inside_that_folder.codes.json")
    result = read(tree)
    assert rejections(result) == {("D01/code_indices/bad\\xff.codes.json", None): "undecodable_name",
                                  ("D\\xfe2", None): "undecodable_name"}
    assert sequence_files(result) == {GOOD}


@pytest.fixture
def opened(monkeypatch):
    """Every path os.open is asked to open."""
    paths = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: paths.append(str(path)) or real_open(path, *a, **k))
    return paths


def test_a_fifo_named_like_a_sequence_is_rejected_and_never_opened(tree, opened):
    fifo = tree / "D01/code_indices/pipe.codes.json"
    os.mkfifo(fifo)
    result = read(tree)
    assert rejections(result) == {("D01/code_indices/pipe.codes.json", None): "not_a_regular_file"}
    assert str(fifo) not in opened and sequence_files(result) == {GOOD}


def test_a_fifo_among_chosen_files_is_rejected_and_never_opened(tree, opened):
    os.mkfifo(tree / "D01/code_indices/pipe.codes.json")
    with deadline():
        result = read_sequence_paths(str(tree), [GOOD, "D01/code_indices/pipe.codes.json"],
                                     CodebookSettings(variant=VARIANT))
    assert rejections(result) == {("D01/code_indices/pipe.codes.json", None): "not_a_regular_file"}
    assert not any(path.endswith("pipe.codes.json") for path in opened)


def test_reading_a_fifo_directly_neither_blocks_nor_succeeds(tmp_path):
    """The second guard, for a file swapped for a FIFO after its type was checked."""
    os.mkfifo(tmp_path / "pipe.codes.json")
    with deadline(), pytest.raises(SequenceRejected) as rejection:
        read_file_bytes(str(tmp_path / "pipe.codes.json"))
    assert rejection.value.kind == "not_a_regular_file"


def test_a_socket_named_like_a_sequence_is_rejected(tree, monkeypatch):
    monkeypatch.chdir(tree / "D01/code_indices")  # a socket path must stay under 108 bytes
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("sock.codes.json")
        result = read(tree)
    assert rejections(result) == {("D01/code_indices/sock.codes.json", None): "not_a_regular_file"}


@pytest.mark.skipif(not AS_ROOT, reason="creating a device node needs root")
def test_a_device_named_like_a_sequence_is_rejected(tree):
    os.mknod(tree / "D01/code_indices/zero.codes.json", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    result = read(tree)
    assert rejections(result) == {("D01/code_indices/zero.codes.json", None): "not_a_regular_file"}


def fail_for(monkeypatch, name, suffix):
    """os.<name> raises PermissionError for paths ending in ``suffix`` (root reads anything)."""
    real = getattr(os, name)

    def refuse(path, *args, **kwargs):
        if os.fspath(path).endswith(suffix):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)
    monkeypatch.setattr(os, name, refuse)


def test_an_unreadable_file_is_rejected(tree, monkeypatch):
    write(tree, "D01/code_indices/secret.codes.json")
    fail_for(monkeypatch, "open", "secret.codes.json")
    result = read(tree)
    assert rejections(result) == {("D01/code_indices/secret.codes.json", None): "unreadable"}
    assert "Permission denied" in result.rejected.column("detail")[0].as_py()


def test_an_unlistable_folder_is_rejected_and_its_siblings_read(tree, monkeypatch):
    write(tree, "D02/code_indices/s.codes.json")
    fail_for(monkeypatch, "scandir", "D02/code_indices")
    result = read(tree)
    assert rejections(result) == {("D02/code_indices", None): "unreadable"}
    assert sequence_files(result) == {GOOD}


@pytest.mark.skipif(AS_ROOT, reason="root reads files and folders whatever their mode")
def test_real_permissions_are_rejections(tree):
    write(tree, "D01/code_indices/secret.codes.json")
    write(tree, "D02/code_indices/s.codes.json")
    os.chmod(tree / "D01/code_indices/secret.codes.json", 0)
    os.chmod(tree / "D02/code_indices", 0)
    try:
        result = read(tree)
    finally:
        os.chmod(tree / "D02/code_indices", 0o755)
    assert rejections(result) == {("D01/code_indices/secret.codes.json", None): "unreadable",
                                  ("D02/code_indices", None): "unreadable"}


def odd_tree(root):
    """Six video folders (enough for the parallel split) and every oddity between them."""
    for n in range(6):
        write(root, f"D0{n}/code_indices/s{n}.codes.json", [[n, 1], [2, n]])
    os.symlink("..", root / "D00/code_indices/up")
    os.symlink("x.codes.json", root / "D01/code_indices/x.codes.json")
    os.symlink("gone.codes.json", root / "D02/code_indices/dangling.codes.json")
    os.mkfifo(root / "D03/code_indices/pipe.codes.json")
    os.symlink(".", root / "loop")
    undecodable(root, b"D04/code_indices/bad\xff.codes.json")
    os.mkfifo(root / "pipe.codes.json")


def test_parallel_read_rejects_the_same_oddities_as_the_serial_read(tmp_path, monkeypatch):
    odd_tree(tmp_path)
    serial = read(tmp_path, workers=1)
    monkeypatch.setattr(ingest, "PARALLEL_MIN_FILES", 1)
    by_folder = read(tmp_path, workers=2)
    with deadline():
        by_chunk = ingest.read_listing(str(tmp_path), ingest.list_sequence_files(str(tmp_path)),
                                       CodebookSettings(variant=VARIANT), workers=2)
    assert set(rejections(serial).values()) == {"symlink_loop", "dangling_link", "not_a_regular_file",
                                                "undecodable_name"}
    assert len(sequence_files(serial)) == 6
    for parallel in (by_folder, by_chunk):
        assert parallel.sequences.equals(serial.sequences)
        assert parallel.rejected.equals(serial.rejected)
        assert parallel.ignored.equals(serial.ignored)


def test_the_folder_fingerprint_survives_every_oddity(tmp_path, monkeypatch):
    odd_tree(tmp_path)
    with deadline():
        first = folder_fingerprint(str(tmp_path))
    fail_for(monkeypatch, "scandir", "D05/code_indices")
    with deadline():
        unlistable = folder_fingerprint(str(tmp_path))
    assert first != unlistable and len(first) == 24


def test_a_variant_that_cannot_be_listed_waits_and_the_others_are_scanned(tmp_path, monkeypatch):
    write(tmp_path, f"good_cb2048/{GOOD}")
    odd_tree(tmp_path / "odd_cb2048")
    write(tmp_path, f"locked_cb2048/{GOOD}")
    undecodable(tmp_path, b"bad\xffname", folder=True)
    fail_for(monkeypatch, "scandir", "locked_cb2048")
    with deadline():
        scan = scan_variant_folders(str(tmp_path))
    assert set(scan.fingerprints) == {"good_cb2048", "odd_cb2048"}
    assert set(scan.refused) == {"locked_cb2048", "bad\\xffname"}
    assert "cannot be listed" in scan.refused["locked_cb2048"]

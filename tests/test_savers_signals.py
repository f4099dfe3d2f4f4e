"""Savers and signals, read-only files and pairs of files: no temporary file is ever left
behind, a file you may not write is refused as open() refuses it, and render's source and
picture change together."""

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tinygrad_edu import MLP, Value
from tinygrad_edu.atomic import files
from tinygrad_edu.viz import draw_dot

REPO = Path(__file__).resolve().parent.parent


def _leftovers(folder):
    return sorted(p.name for p in Path(folder).iterdir() if p.name.endswith((".tmp", ".old")))


def _signal_once_the_temporary_file_exists(monkeypatch, signum):
    """Send `signum` to this process right after mkstemp has created the temporary file,
    before mkstemp returns its name: the moment a plain try/finally cannot clean up."""
    real_open = files.tempfile._os.open
    sent = []

    def opening(path, flags, *args, **kwargs):
        fd = real_open(path, flags, *args, **kwargs)
        if not sent and str(path).endswith(".tmp"):
            sent.append(path)
            os.kill(os.getpid(), signum)
        return fd

    monkeypatch.setattr(files.tempfile._os, "open", opening)
    return sent


@pytest.mark.parametrize("trial", range(20))
def test_ctrl_c_as_the_temporary_file_is_made_leaves_nothing_behind(tmp_path, monkeypatch, trial):
    path = tmp_path / "m.json"
    MLP(2, [3, 1], seed=1).save(path)
    sent = _signal_once_the_temporary_file_exists(monkeypatch, signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        MLP(2, [3, 1], seed=2).save(path)  # Ctrl-C waits for the save, then arrives
    assert sent and _leftovers(tmp_path) == []
    assert MLP.load(path).to_dict() == MLP(2, [3, 1], seed=2).to_dict()


def test_ctrl_c_at_random_moments_of_200_saves_never_strands_a_temporary_file(tmp_path):
    rng = random.Random(24)
    interrupted = 0
    model = MLP(4, [16, 16, 1])
    for trial in range(200):
        timer = threading.Timer(rng.uniform(0.0, 0.004), os.kill, (os.getpid(), signal.SIGINT))
        try:
            timer.start()
            try:
                for _ in range(50):
                    model.save(tmp_path / "m.json")
                time.sleep(0.05)  # the signal lands here when the saves were quicker
            finally:
                timer.join()
        except KeyboardInterrupt:
            interrupted += 1
        assert _leftovers(tmp_path) == [], f"trial {trial}"
    assert interrupted == 200


def test_sigterm_as_the_temporary_file_is_made_ends_the_program_after_the_save(tmp_path):
    child = textwrap.dedent(
        f"""
        import os, signal, sys
        from tinygrad_edu import MLP
        from tinygrad_edu.atomic import files
        real_open = files.tempfile._os.open
        def opening(path, flags, *args, **kwargs):
            fd = real_open(path, flags, *args, **kwargs)
            os.kill(os.getpid(), signal.SIGTERM)
            return fd
        files.tempfile._os.open = opening
        MLP(2, [3, 1], seed=2).save({str(tmp_path / "m.json")!r})
        print("still running after SIGTERM")
        """
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == -signal.SIGTERM, done.stderr
    assert "still running" not in done.stdout
    assert _leftovers(tmp_path) == []
    assert MLP.load(tmp_path / "m.json").to_dict() == MLP(2, [3, 1], seed=2).to_dict()


def _save_as_nobody(path):
    """MLP.save(path) in a child process that runs as the user nobody: the error's type
    and text, or "saved"."""
    import pwd

    nobody = pwd.getpwnam("nobody")
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, then save
        os.close(reader)
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            MLP(1, [1]).save(path)
            outcome = "saved"
        except BaseException as error:
            outcome = f"{type(error).__name__}: {error}"
        os.write(writer, outcome.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        outcome = pipe.read()
    os.waitpid(pid, 0)
    return outcome


@pytest.fixture
def own_folder():
    """A new folder (for root: in the system's temporary folder, so that nobody reaches it)."""
    folder = Path(tempfile.mkdtemp(prefix="ro-test-"))
    yield folder
    shutil.rmtree(folder)


def test_a_read_only_file_is_refused_as_open_refuses_it(own_folder):
    path = own_folder / "ro.json"
    path.write_text("old")
    path.chmod(0o444)
    if os.geteuid() == 0:  # root may write anything: run the save as an ordinary user
        import pwd

        os.chown(own_folder, pwd.getpwnam("nobody").pw_uid, -1)  # the folder is theirs, the file read-only
        outcome = _save_as_nobody(path)
    else:
        with pytest.raises(PermissionError) as error:
            MLP(1, [1]).save(path)
        outcome = f"PermissionError: {error.value}"
    assert outcome.startswith("PermissionError") and "ro.json" in outcome and "read-only" in outcome, outcome
    assert path.read_text() == "old" and oct(path.stat().st_mode & 0o777) == "0o444"
    assert _leftovers(own_folder) == []


def test_root_may_still_replace_a_read_only_file_as_open_may(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root may write a read-only file")  # CI runs as root: this runs there
    path = tmp_path / "ro.json"
    path.write_text("old")
    path.chmod(0o444)
    MLP(1, [1]).save(path)
    assert MLP.load(path).nouts == [1] and oct(path.stat().st_mode & 0o777) == "0o444"


def test_render_on_a_full_disk_keeps_the_old_pair(renderer, tmp_path, monkeypatch):
    draw_dot(Value(1.0, label="old") * 2).render(tmp_path / "g", format="svg")
    old_source, old_picture = (tmp_path / "g").read_text(), (tmp_path / "g.svg").read_text()
    real_fdopen = os.fdopen
    opened = []

    def second_file_full(fd, *args, **kwargs):
        opened.append(fd)
        if len(opened) == 2:  # the picture, after the source was staged
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(files.os, "fdopen", second_file_full)
    with pytest.raises(OSError, match=r"g\.svg'.*No space left"):
        draw_dot(Value(1.0, label="new") * 2).render(tmp_path / "g", format="svg")
    assert (tmp_path / "g").read_text() == old_source and (tmp_path / "g.svg").read_text() == old_picture
    assert _leftovers(tmp_path) == []


def test_render_whose_second_rename_fails_puts_the_first_file_back(renderer, tmp_path, monkeypatch):
    draw_dot(Value(1.0, label="old") * 2).render(tmp_path / "g", format="svg")
    old_source = (tmp_path / "g").read_text()
    real_replace = os.replace
    calls = []

    def second_rename_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", second_rename_fails)
    with pytest.raises(OSError, match="g.svg"):
        draw_dot(Value(1.0, label="new") * 2).render(tmp_path / "g", format="svg")
    monkeypatch.setattr(files.os, "replace", real_replace)
    assert (tmp_path / "g").read_text() == old_source
    assert _leftovers(tmp_path) == []

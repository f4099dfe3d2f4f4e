"""`tinygrad-edu learn` against hostile files, other users, races and signals: it runs
only the learner's own code, loses no work, writes only inside the workbook, and never
crashes or hangs on a damaged file. Real processes, real signals, and a real second user
(`nobody`) where it matters; the tests that need a second user need root, which CI has."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tinygrad_edu.__main__ import main
from tinygrad_edu.learn.state import STATE_FILE, load_state

NOBODY = 65534
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_root = pytest.mark.skipif(
    not IS_ROOT and not os.environ.get("CI"), reason="a second user needs root (CI runs as root)"
)


def learn(*args, umask=None, timeout=120):
    """`tinygrad-edu learn ARGS` in a new process; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "learn", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def as_nobody(*command):
    """Run `command` as the user nobody (a real second user)."""
    runner = (
        ["runuser", "-u", "nobody", "--"]
        if shutil.which("runuser")
        else ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    )
    subprocess.run([*runner, *map(str, command)], check=True, timeout=60)


@pytest.fixture
def shared():
    """A folder that another user can reach (tmp_path's parents are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="learn-safety-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def workbook(shared):
    folder = shared / "mywork"
    assert main(["learn", "init", str(folder)]) == 0
    return folder


def payload(marker):
    return f"\nopen({str(marker)!r}, 'w').close()\n"


# ----- 4. damaged or hostile files never crash or hang learn --------------------------------------


@pytest.mark.parametrize(
    "content",
    ['{"hints_seen":{"1":-5}}', '{"hints_seen":{"1":"x"}}', '{"skipped":["a",null]}', "[" * 100000, "{" * 5],
)
def test_a_damaged_state_file_is_reported_and_learn_carries_on(workbook, content):
    (workbook / STATE_FILE).write_text(content, encoding="utf-8")
    result = learn("hint", "-w", workbook)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "is damaged" in result.stderr and "Hint 1 of" in result.stdout, result.stdout
    state = load_state(workbook)
    assert state["skipped"] == [] and state["hints_seen"] == {"1": 1}


def test_a_huge_state_file_is_not_read(workbook):
    with open(workbook / STATE_FILE, "w", encoding="utf-8") as f:
        f.write('{"skipped": [' + "1," * 2_000_000 + "1]}")
    result = learn("hint", "-w", workbook)
    assert result.returncode == 0 and "is damaged" in result.stderr, result.stderr

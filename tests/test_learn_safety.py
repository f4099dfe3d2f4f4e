"""`tinygrad-edu learn` against hostile files, other users, races and signals: it runs
only the learner's own code, loses no work, writes only inside the workbook, and never
crashes or hangs on a damaged file. Real processes, real signals, and a real second user
(`nobody`) where it matters; the tests that need a second user need root, which CI has."""

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tinygrad_edu.__main__ import main
from tinygrad_edu.learn.lesson_code import reset_lesson
from tinygrad_edu.learn.outside_edits import outside_changes
from tinygrad_edu.learn.regions import find_regions, is_stub
from tinygrad_edu.learn.state import STATE_FILE, load_state
from tinygrad_edu.learn.workbook import reference_regions

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


# ----- 1. learn runs only the learner's own code --------------------------------------------------


@needs_root
def test_root_refuses_a_module_another_user_appended_to(workbook, shared):
    """A module others can write to (as `learn init` made them under umask 000): nobody
    appends code to it; root's `learn status` refuses to run it and says how to fix it."""
    ops = workbook / "tinygrad_edu" / "ops.py"
    ops.chmod(0o666)
    marker = shared / "ran-as-root"
    as_nobody("sh", "-c", f'printf %s "$0" >> {ops}', payload(marker))
    result = learn("status", workbook)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "world-writable" in result.stderr and f"chmod o-w {ops}" in result.stderr
    assert not marker.exists()


@needs_root
def test_root_refuses_a_module_another_user_owns(workbook, shared):
    """A module that nobody wrote (moved into the workbook keeps its owner) is refused."""
    drop = shared / "drop"
    drop.mkdir()
    drop.chmod(0o777)
    marker = shared / "ran-as-root"
    as_nobody("sh", "-c", f'printf %s "$0" > {drop}/extra.py', payload(marker))
    shutil.move(str(drop / "extra.py"), workbook / "tinygrad_edu" / "extra.py")
    init = workbook / "tinygrad_edu" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8") + "\nfrom . import extra  # noqa\n", encoding="utf-8")
    result = learn("status", workbook)
    assert result.returncode == 2 and "belongs to another user (uid 65534)" in result.stderr, result.stderr
    assert not marker.exists()


@needs_root
def test_watch_checks_the_files_again_before_each_run(workbook, shared):
    """`learn watch` is running; then a module becomes writable by others and nobody
    appends code to it. The next run refuses it instead of running it as root."""
    watch = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", "learn", "watch", "--poll", str(workbook)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    try:
        deadline = time.monotonic() + 120
        seen = ""
        while "watching" not in seen and time.monotonic() < deadline:
            seen += watch.stdout.readline()
        assert "watching" in seen, seen
        ops = workbook / "tinygrad_edu" / "ops.py"
        ops.chmod(0o666)
        marker = shared / "ran-as-root"
        as_nobody("sh", "-c", f'printf %s "$0" >> {ops}', payload(marker))
        out = watch.communicate(timeout=120)[0]
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.communicate()
    assert "world-writable" in out, out
    assert not marker.exists()


def test_init_under_umask_000_makes_a_workbook_nobody_else_can_write(tmp_path):
    folder = tmp_path / "deep" / "mywork"
    result = learn("init", folder, umask=0)
    assert result.returncode == 0, result.stderr
    for path in [folder.parent, folder, *folder.rglob("*")]:
        assert not path.stat().st_mode & 0o022, (path, oct(path.stat().st_mode))
    hint = learn("hint", "-w", folder)
    assert hint.returncode == 0, hint.stderr


# ----- 2. no lost work: one writer at a time, all files in one step -------------------------------


def _stubbed(workbook, number):
    """Whether each region of lesson `number` (not those cut with it) is the stub: {path: [bool]}."""
    found = {}
    for region in reference_regions():
        if region.lesson == number and not region.cut and region.path not in found:
            text = (workbook / "tinygrad_edu" / region.path).read_text(encoding="utf-8")
            found[region.path] = [
                is_stub(r) for r in find_regions(text, region.path) if r.lesson == number and not r.cut
            ]
    return found


def test_two_skips_at_once_keep_both(workbook):
    """`learn skip 1` and `learn skip 2` at the same time (both write ops.py), 6 trials:
    every time both solutions are in and the state says both were skipped."""
    for _ in range(6):
        skips = [
            subprocess.Popen(
                [sys.executable, "-m", "tinygrad_edu", "learn", "skip", str(n), "-w", str(workbook), "--yes"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for n in (1, 2)
        ]
        outs = [s.communicate(timeout=120)[0] for s in skips]
        assert [s.returncode for s in skips] == [0, 0], outs
        for number in (1, 2):
            assert not any(any(v) for v in _stubbed(workbook, number).values()), (number, outs)
        assert sorted(load_state(workbook)["skipped"]) == [1, 2]
        for number in (1, 2):
            reset_lesson(workbook, number)
        assert load_state(workbook)["skipped"] == []


def test_sigterm_during_a_skip_leaves_all_or_nothing(workbook):
    """SIGTERM at 24 delays spread over a `learn skip 5` (nn/models.py and ops.py): every
    time, either both files have the solution and the state marks lesson 5 skipped, or
    neither changed and the state does not; no temporary file is left."""
    start = time.monotonic()
    assert learn("skip", 5, "-w", workbook, "--yes").returncode == 0
    took = time.monotonic() - start
    reset_lesson(workbook, 5)
    outcomes = {"done": 0, "untouched": 0}
    for trial in range(24):
        skip = subprocess.Popen(
            [sys.executable, "-m", "tinygrad_edu", "learn", "skip", "5", "-w", str(workbook), "--yes"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(took * (0.3 + 0.75 * trial / 24))
        os.kill(skip.pid, signal.SIGTERM)
        skip.wait(timeout=60)
        stubs = [v for values in _stubbed(workbook, 5).values() for v in values]
        marked = 5 in load_state(workbook)["skipped"]
        assert all(stubs) or not any(stubs), (trial, _stubbed(workbook, 5))
        assert marked == (not any(stubs)), (trial, marked, _stubbed(workbook, 5))
        assert [p for p in workbook.rglob("*.tmp")] == []
        outcomes["untouched" if all(stubs) else "done"] += 1
        if marked:
            reset_lesson(workbook, 5)
    print(outcomes)


def test_skip_keeps_the_learners_code_in_a_region_cut_with_the_lesson(workbook):
    """Lesson 2 also cuts PowByValue.local_grads; code the learner wrote there is kept."""
    ops = workbook / "tinygrad_edu" / "ops.py"
    text = ops.read_text(encoding="utf-8")
    cut = next(r for r in find_regions(text, "ops.py") if r.cut and r.lesson == 2)
    lines = text.splitlines(keepends=True)
    lines[cut.begin : cut.end - 1] = [f"{cut.indent}return (0.0,)  # my own attempt\n"]
    ops.write_text("".join(lines), encoding="utf-8")
    result = learn("skip", 2, "-w", workbook, "--yes")
    assert result.returncode == 0, result.stderr
    assert "No copy of" not in result.stdout and "A copy of your code of this lesson is kept in" in result.stdout
    copies = list((workbook / ".tinygrad-edu-learn-backup").glob("lesson02-*.py"))
    assert len(copies) == 1 and "my own attempt" in copies[0].read_text(encoding="utf-8")


# ----- 3. no write through a link out of the workbook ---------------------------------------------


@needs_root
def test_skip_never_writes_through_a_link_to_another_users_file(workbook, shared):
    victim = shared / "victim.py"
    ops = workbook / "tinygrad_edu" / "ops.py"
    shutil.copyfile(ops, victim)
    os.chown(victim, NOBODY, NOBODY)
    before = victim.read_text(encoding="utf-8")
    ops.unlink()
    ops.symlink_to(victim)
    result = learn("skip", 1, "-w", workbook, "--yes")
    assert result.returncode == 2 and "belongs to another user" in result.stderr, result.stderr
    assert victim.read_text(encoding="utf-8") == before


def test_skip_never_writes_through_a_link_out_of_the_workbook(workbook, shared):
    """Even to a file of the learner's own: learn writes only inside the workbook."""
    elsewhere = shared / "elsewhere.py"
    ops = workbook / "tinygrad_edu" / "ops.py"
    shutil.copyfile(ops, elsewhere)
    before = elsewhere.read_text(encoding="utf-8")
    ops.unlink()
    ops.symlink_to(elsewhere)
    result = learn("skip", 1, "-w", workbook, "--yes")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{ops} is a symbolic link to {elsewhere}, outside the workbook" in result.stderr
    assert elsewhere.read_text(encoding="utf-8") == before


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


def test_a_named_pipe_or_a_device_in_the_package_never_hangs_status(workbook):
    module = workbook / "tinygrad_edu" / "train.py"
    module.unlink()
    os.mkfifo(module, 0o644)
    start = time.monotonic()
    assert outside_changes(workbook) == [("tinygrad_edu/train.py", "it is not a plain file of a module's size")]
    result = learn("status", workbook, timeout=60)
    assert result.returncode == 2 and f"{module} is not a plain file or folder" in result.stderr, result.stderr
    module.unlink()
    module.symlink_to("/dev/zero")
    assert outside_changes(workbook)[0][0] == "tinygrad_edu/train.py"
    result = learn("status", workbook, timeout=60)
    assert result.returncode == 2 and "not a plain file or folder" in result.stderr, result.stderr
    assert time.monotonic() - start < 60
    assert stat.S_ISLNK(os.lstat(module).st_mode)

"""Nothing lost, nothing silent: saves that are whole or not at all, Ctrl-C between
updates, odd labels, files that are not model files, the command line's errors, and
training that runs away or stalls."""

import ast
import contextlib
import errno
import html
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tinygrad_edu import MLP, Value, checks
from tinygrad_edu.__main__ import main
from tinygrad_edu.atomic import files
from tinygrad_edu.atomic.files import atomic_write
from tinygrad_edu.explain import explain
from tinygrad_edu.learn.workbook import STATE_FILE, save_state
from tinygrad_edu.nn import MAX_MODEL_BYTES
from tinygrad_edu.optim import SGD
from tinygrad_edu.train import fit
from tinygrad_edu.two_neuron import two_neuron_net
from tinygrad_edu.viz import Drawing, RenderError, draw_dot, player, to_dot
from tinygrad_edu.viz.player import Player
from tinygrad_edu.viz.steps import visible as _visible

REPO = Path(__file__).resolve().parent.parent
XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [0.0, 1.0, 1.0, 0.0]


# ----- the savers ------------------------------------------------------------------------------
#
# Each saver writes `path` from some object; `make` builds a fresh object, so that two
# saves give different contents. Pictures need a renderer only for .svg.


def _save_model(path, seed):
    return MLP(2, [3, 1], seed=seed).save(path)


def _save_dot(path, seed):
    return Drawing(to_dot(Value(float(seed), label="x") * 2)).save(path)


def _save_svg(path, seed):
    return draw_dot(Value(float(seed), label="x") * 2).save(path)


def _save_page(path, seed):
    return Player(Value(float(seed), label="x") * 2).save(path)


def _save_state(path, seed):
    assert path.name == STATE_FILE
    save_state(path.parent, {"seed": seed})


SAVERS = {
    "MLP.save": (_save_model, "model.json"),
    "Drawing.save .dot": (_save_dot, "graph.dot"),
    "Drawing.save .svg": (_save_svg, "graph.svg"),
    "Player.save": (_save_page, "page.html"),
    "learn state": (_save_state, STATE_FILE),
}


@pytest.fixture(params=list(SAVERS))
def saver(request):
    save, name = SAVERS[request.param]
    if name.endswith((".svg", ".html")):
        request.getfixturevalue("renderer")
    return save, name


def _full_disk(monkeypatch, when="write"):
    """Make the disk look full: the write (or the fsync) of a file fails with ENOSPC
    after part of the bytes went out, as on a real full disk."""
    if when == "fsync":

        def fsync(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(files.os, "fsync", fsync)
        return
    real_fdopen = os.fdopen

    class FullDiskFile:
        def __init__(self, handle):
            self._handle = handle

        def write(self, data):
            self._handle.write(data[: len(data) // 2])
            self._handle.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self._handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._handle.close()

    monkeypatch.setattr(files.os, "fdopen", lambda fd, *a, **k: FullDiskFile(real_fdopen(fd, *a, **k)))


@pytest.mark.parametrize("when", ["write", "fsync"])
def test_a_full_disk_leaves_the_old_file_whole_and_no_temporary_file(saver, tmp_path, monkeypatch, when):
    save, name = saver
    path = tmp_path / name
    save(path, 1)
    before = path.read_bytes()
    _full_disk(monkeypatch, when)
    with pytest.raises(OSError) as error:
        save(path, 2)
    assert error.value.errno == errno.ENOSPC
    assert repr(str(path)) in str(error.value)  # the path the user gave ...
    assert ".tmp" not in str(error.value)  # ... never the temporary name
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@contextlib.contextmanager
def _mounted_tmpfs(folder, options, why_not):
    """A tmpfs mounted on `folder` with mount `options` while the block runs (root only)."""
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.skip(f"{why_not}: {result.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 128 KiB file system (mounting one needs root; the simulated full disk
    above covers everyone else)."""
    folder = tmp_path / "small"
    folder.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the simulated ENOSPC tests cover the rest")
    with _mounted_tmpfs(folder, "size=128k", "cannot mount a tmpfs here"):
        yield folder


def test_a_really_full_disk_keeps_the_player_page_and_the_picture(renderer, small_tmpfs):
    page = small_tmpfs / "page.html"
    picture = small_tmpfs / "g.svg"
    net = two_neuron_net()
    Player(net["E"]).save(page)
    draw_dot(net["E"]).save(picture)
    good_page, good_picture = page.read_bytes(), picture.read_bytes()
    filler = small_tmpfs / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:  # fill the disk, then give back 4 KiB: less than either file needs
        written = 0
        while True:
            try:
                written += os.write(fd, b"\1" * 1024)
            except OSError as error:
                assert error.errno == errno.ENOSPC
                break
        os.ftruncate(fd, written - 4096)
    finally:
        os.close(fd)
    bigger = two_neuron_net(i_l=2.5)
    with pytest.raises(OSError) as error:
        Player(bigger["E"]).save(page)
    assert error.value.errno == errno.ENOSPC and str(page) in str(error.value)
    with pytest.raises(OSError):
        draw_dot(bigger["o_r"] * bigger["o_l"] * bigger["E"]).save(picture)
    assert page.read_bytes() == good_page
    assert picture.read_bytes() == good_picture
    assert sorted(p.name for p in small_tmpfs.iterdir()) == ["filler", "g.svg", "page.html"]


def test_an_existing_file_keeps_its_permissions(saver, tmp_path):
    save, name = saver
    path = tmp_path / name
    save(path, 1)
    os.chmod(path, 0o600)
    save(path, 2)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o640)
    save(path, 3)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_new_file_gets_the_usual_permissions(saver, tmp_path):
    save, name = saver
    mask = os.umask(0o027)
    try:
        save(tmp_path / name, 1)
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o640


def test_a_symlink_is_followed_and_stays_a_link(saver, tmp_path):
    save, name = saver
    real = tmp_path / "real" / name
    real.parent.mkdir()
    save(real, 1)
    before = real.read_bytes()
    link_folder = tmp_path / "elsewhere"
    link_folder.mkdir()
    link = link_folder / name
    link.symlink_to(real)
    save(link, 2)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() != before  # the target got the new contents
    assert sorted(p.name for p in real.parent.iterdir()) == [name]
    assert sorted(p.name for p in link_folder.iterdir()) == [name]


def test_a_hard_link_keeps_the_old_contents_under_its_other_name(saver, tmp_path):
    save, name = saver
    path = tmp_path / name
    save(path, 1)
    before = path.read_bytes()
    other = tmp_path / "other-name"
    os.link(path, other)
    save(path, 2)
    assert path.read_bytes() != before
    assert other.read_bytes() == before
    assert path.stat().st_nlink == 1


def test_ctrl_c_during_a_save_leaves_the_old_file(saver, tmp_path, monkeypatch):
    save, name = saver
    path = tmp_path / name
    save(path, 1)
    before = path.read_bytes()

    def interrupted_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        save(path, 2)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_label_that_cannot_be_encoded_leaves_no_empty_file(tmp_path):
    # to_dot writes the lone surrogate out as an escape, so the picture saves ...
    path = tmp_path / "g.dot"
    draw_dot(Value(1.0, label="\ud800") * 2).save(path)
    assert "\\\\ud800" in path.read_text(encoding="utf-8")
    # ... and DOT text made by hand that UTF-8 cannot encode is refused before any file is touched.
    bad = Drawing('digraph { a [label="\ud800"] }')
    with pytest.raises(ValueError, match=r"cannot save '.*new\.dot'.*cannot be encoded as utf-8"):
        bad.save(tmp_path / "new.dot")
    with pytest.raises(ValueError, match="cannot be encoded"):
        bad.save(path)
    assert "\\\\ud800" in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]


def test_atomic_write_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"cannot save '.*pipe': it is a named pipe"):
        atomic_write(fifo, b"data")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    with pytest.raises(IsADirectoryError, match=r"cannot save '.*': it is a folder"):
        atomic_write(tmp_path, b"data")
    with pytest.raises(TypeError, match="expected bytes or str, got int"):
        atomic_write(tmp_path / "x", 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_atomic_write_names_the_given_path_when_the_folder_is_missing(tmp_path):
    path = tmp_path / "no such folder" / "m.json"
    with pytest.raises(FileNotFoundError, match=re.escape(repr(str(path)))):
        MLP(1, [1]).save(path)


def test_a_file_name_of_the_longest_allowed_length_can_be_saved(tmp_path):
    name = "m" * 250 + ".json"  # 255 bytes: the temporary name must not be longer
    MLP(1, [1]).save(tmp_path / name)
    assert MLP.load(tmp_path / name).nouts == [1]
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_root_saving_over_a_users_file_keeps_its_owner(tmp_path):
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("only root can save a file that belongs to another user")
    path = tmp_path / "m.json"
    MLP(1, [1]).save(path)
    os.chown(path, 65534, 65534)
    MLP(1, [1], seed=2).save(path)
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534)


# ----- labels that are odd text ----------------------------------------------------------------

ODD_LABELS = {
    "lone surrogate": ("\ud800", "\\ud800"),
    "entity of a surrogate": ("&#xD800;", "&#xD800;"),
    "entities": ("&lt;b&gt;", "&lt;b&gt;"),
    "NUL": ("a\x00b", "a\\x00b"),
    "escape character": ("\x1b[31mred", "\\x1b[31mred"),
    "tab": ("a\tb", "a\\tb"),
}


def _svg_texts(markup):
    return [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", markup)]


@pytest.mark.parametrize("name", list(ODD_LABELS))
def test_odd_labels_show_literally_in_the_picture_and_the_player(renderer, name):
    label, shown = ODD_LABELS[name]
    y = Value(1.5, label=label) * 2
    bundle = draw_dot(y)._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert shown in _svg_texts(bundle["image/svg+xml"])
    page = player(y)._repr_html_()
    assert "<svg" in page
    assert shown in _svg_texts(page)
    data = json.loads(re.search(r'<script type="application/json" class="tge-data">(.*?)</script>', page).group(1))
    assert data["names"][0] == shown  # the player's text reads as the picture does
    page.encode("utf-8")  # the page can be saved


def test_entities_are_not_decoded_in_the_dot_source():
    source = to_dot(Value(1.0, label="&lt;b&gt; & co") * 2)
    assert "&amp;lt;b&amp;gt; &amp; co" in source


def test_the_displays_fall_back_to_text_instead_of_raising(renderer):
    drawing = Drawing('digraph { a [label="\ud800"] }')
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "cannot be encoded as UTF-8" in bundle["text/plain"]
    bundle["text/plain"].encode("utf-8")  # the fallback text itself can be shown


def test_a_renderer_that_rejects_the_source_does_not_advise_installing_one(renderer):
    drawing = Drawing('digraph { a [label="x\x00y"] }')
    with pytest.raises(RenderError) as error:
        drawing.svg()
    assert "refused the DOT source" in str(error.value)
    assert "pip install graphviz-pure" not in str(error.value)
    assert "pip install graphviz-pure" not in drawing._repr_mimebundle_()["text/plain"]


# ----- MLP.load on files that are not model files -----------------------------------------------


def _model_dict():
    return MLP(2, [2, 1]).to_dict()


def test_load_names_the_path_for_a_list_as_activation(tmp_path):
    data = _model_dict()
    data["layers"][0]["activation"] = ["sigmoid"]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=re.escape(f"MLP.load({str(path)!r}): layer 0 has unknown activation")):
        MLP.load(path)


def test_load_names_the_path_for_a_five_thousand_digit_integer(tmp_path):
    path = tmp_path / "m.json"
    text = json.dumps(_model_dict()).replace('"nin": 2', '"nin": ' + "7" * 5000)
    path.write_text(text)
    with pytest.raises(
        ValueError, match=re.escape(f"MLP.load({str(path)!r}): the file contains an integer with 5000 digits")
    ):
        MLP.load(path)


def test_load_refuses_a_version_that_is_a_bool(tmp_path):
    data = _model_dict()
    data["version"] = True
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="unsupported version True"):
        MLP.load(path)


def _load_in_a_subprocess(path):
    """MLP.load(path) in a child with 15 s and 1 GiB of memory at most: reading /dev/zero
    or a FIFO must fail at once, and a regression must not take the machine with it."""
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
        from tinygrad_edu import MLP
        try:
            MLP.load({str(path)!r})
        except ValueError as error:
            print("ValueError:", error)
        except BaseException as error:
            print(type(error).__name__ + ":", error)
    """)
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=15,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"MLP.load({str(path)!r}) did not return within 15 s")
    return result.stdout.strip()


def test_load_refuses_a_device_at_once():
    out = _load_in_a_subprocess("/dev/zero")
    assert out.startswith("ValueError: MLP.load('/dev/zero'): it is not a regular file"), out


def test_load_refuses_a_fifo_at_once(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    out = _load_in_a_subprocess(fifo)
    assert out.startswith(f"ValueError: MLP.load({str(fifo)!r}): it is not a regular file"), out


def test_load_refuses_a_folder_and_a_huge_file(tmp_path):
    with pytest.raises(ValueError, match=re.escape(f"MLP.load({str(tmp_path)!r}): it is a folder")):
        MLP.load(tmp_path)
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:
        handle.truncate(MAX_MODEL_BYTES + 1)  # sparse: no disk space used
    with pytest.raises(ValueError, match=rf"MLP.load\('.*huge.json'\): the file has {MAX_MODEL_BYTES + 1} bytes"):
        MLP.load(huge)
    with pytest.raises(FileNotFoundError):
        MLP.load(tmp_path / "missing.json")


# ----- the command line -------------------------------------------------------------------------


def _run_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_demo_out_naming_an_existing_file_is_a_one_line_error(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = _run_cli("demo", "--epochs", "1", "--no-progress", "--out", "notes.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "tinygrad-edu demo: --out 'notes.txt' is a file; give a folder for the pictures (it is created if missing)"
    )
    assert result.stdout == ""  # checked before training
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.fixture
def unwritable_folder(tmp_path):
    """A folder nobody can write in: read-only permissions, or, for root (whom
    permissions do not stop), a read-only tmpfs."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)
        return
    with _mounted_tmpfs(folder, "ro,size=16k", "root cannot be kept from writing here without a read-only mount"):
        yield folder


@pytest.mark.parametrize("inside", [False, True])
def test_demo_out_in_an_unwritable_folder_is_a_one_line_error(unwritable_folder, inside):
    out = unwritable_folder / "pictures" if inside else unwritable_folder
    result = _run_cli("demo", "--epochs", "1", "--no-progress", "--out", str(out), cwd=unwritable_folder.parent)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tinygrad-edu demo: cannot "), result.stderr
    assert str(out) in lines[0]


def test_demo_on_a_full_disk_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    _full_disk(monkeypatch)
    code = main(["demo", "--epochs", "1", "--no-progress", "--out", str(tmp_path / "pics")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("tinygrad-edu demo: [Errno 28] cannot save ") and "No space left" in err
    assert len(err.splitlines()) == 1


def test_learn_status_stops_quietly_on_ctrl_c(tmp_path):
    workbook = tmp_path / "mywork"
    assert main(["learn", "init", str(workbook)]) == 0
    # A real SIGINT, sent while status runs the lessons.
    code = textwrap.dedent(f"""
        import os, signal, sys
        import tinygrad_edu.learn.status as cli  # status runs the lessons
        def interrupted(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGINT)
            raise AssertionError("SIGINT did not arrive")
        cli.run_lessons = interrupted
        from tinygrad_edu.__main__ import main
        sys.exit(main(["learn", "status", {str(workbook)!r}]))
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False
    )
    assert result.returncode == 130
    assert "Traceback" not in result.stderr and "KeyboardInterrupt" not in result.stderr
    assert result.stderr.strip() == ""


def test_explain_checks_the_number_format_at_the_call():
    a = Value(2.0, label="a")
    y = (a * a).named("y")
    y.backward()
    with pytest.raises(ValueError, match=r"number_format '\{\}\{\}' cannot format a float"):
        explain(y, a, number_format="{}{}")
    with pytest.raises(TypeError, match="number_format must be a format string"):
        explain(y, a, number_format=3)
    assert explain(y, a, number_format="{:.1f}").endswith("= 4.0 = a.grad")


# ----- fit: Ctrl-C between updates --------------------------------------------------------------


class InterruptingSGD(SGD):
    """SGD with momentum that gets a real Ctrl-C half-way through the update of epoch
    `at_epoch` (in the middle of its loop over the parameters)."""

    def __init__(self, params, lr, momentum, at_epoch):
        super().__init__(params, lr, momentum=momentum)
        self.at_epoch = at_epoch
        self.steps_begun = 0
        self.updated = 0

    def step(self):
        self.steps_begun += 1
        self.updated = 0
        super().step()

    def _check_step(self, p, new_data):
        self.updated += 1
        if self.steps_begun == self.at_epoch and self.updated == len(self.params) // 2:
            os.kill(os.getpid(), signal.SIGINT)
        return super()._check_step(p, new_data)


def _state(model, optimizer):
    return [p.data for p in model.parameters()], list(optimizer.velocity)


@pytest.mark.parametrize("at_epoch", [1, 4])
def test_ctrl_c_inside_a_step_stops_after_the_whole_step(at_epoch):
    model = MLP(2, [12, 12, 1], seed=3)  # 193 parameters
    optimizer = InterruptingSGD(model.parameters(), lr=0.5, momentum=0.9, at_epoch=at_epoch)
    out = io.StringIO()
    history = fit(model, XOR_X, XOR_Y, optimizer=optimizer, epochs=50, progress=False, out=out)
    assert optimizer.steps_begun == at_epoch and optimizer.updated == len(model.parameters())
    assert len(history) == at_epoch
    assert f"stopped by Ctrl-C after {at_epoch} epochs" in out.getvalue()
    # The same training, uninterrupted, for as many epochs: every weight and every
    # momentum buffer must be the one of that same epoch.
    twin = MLP(2, [12, 12, 1], seed=3)
    twin_optimizer = SGD(twin.parameters(), lr=0.5, momentum=0.9)
    twin_history = fit(twin, XOR_X, XOR_Y, optimizer=twin_optimizer, epochs=at_epoch, progress=False, out=io.StringIO())
    assert history == twin_history
    assert _state(model, optimizer) == _state(twin, twin_optimizer)


def test_fit_puts_the_ctrl_c_handler_back():
    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        fit(MLP(2, [2, 1]), XOR_X, XOR_Y, epochs=3, progress=False, out=io.StringIO())
        assert signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_fit_works_outside_the_main_thread():
    results = []

    def train():
        try:
            results.append(fit(MLP(2, [2, 1]), XOR_X, XOR_Y, epochs=3, progress=False, out=io.StringIO()))
        except BaseException as error:  # reported below
            results.append(error)

    thread = threading.Thread(target=train)
    thread.start()
    thread.join(60)
    assert len(results) == 1 and isinstance(results[0], list) and len(results[0]) == 3, results


# ----- fit: runaway and stalled training --------------------------------------------------------


def test_an_overflowing_loss_names_the_epoch_and_the_learning_rate():
    model = MLP(2, [4, 1], activation="relu", output_activation="linear", seed=0)
    with pytest.raises(
        OverflowError, match=r"^fit: training diverged at epoch \d+ with learning rate 1e\+09: "
    ) as error:
        fit(model, XOR_X, XOR_Y, lr=1e9, epochs=50, progress=False, out=io.StringIO())
    assert "smaller learning rate" in str(error.value)
    assert isinstance(error.value.__cause__, OverflowError)  # the engine's own words, kept as the cause
    assert all(abs(p.data) < 1e300 for p in model.parameters())


def test_the_learning_rate_of_a_given_optimizer_is_the_one_named():
    model = MLP(2, [4, 1], activation="tanh", output_activation="linear", seed=1)
    with pytest.raises(OverflowError, match=r"with learning rate 5e\+08"):
        fit(
            model, XOR_X, XOR_Y, optimizer=SGD(model.parameters(), lr=5e8), epochs=50, progress=False, out=io.StringIO()
        )


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_saturation_gives_a_warning_naming_it_and_the_learning_rate(activation):
    model = MLP(2, [4, 1], activation=activation, seed=0)
    with pytest.warns(RuntimeWarning, match=r"saturated.*learning rate 1e\+09") as caught:
        history = fit(model, XOR_X, XOR_Y, lr=1e9, epochs=30, progress=False, out=io.StringIO())
    assert 10 <= len(history) < 30  # then training stops: the weights no longer move
    assert len([w for w in caught if w.category is RuntimeWarning]) == 1  # once per call
    assert "below 1e-12 for 10 epochs in a row" in str(caught[0].message)


def test_vanishing_gradients_at_a_low_loss_are_no_warning():
    # A linear neuron fits y = 2x - 1 exactly: the gradients vanish because the loss does.
    model = MLP(1, [1], activation="linear", seed=0)
    xs, ys = [[0.0], [1.0], [2.0]], [-1.0, 1.0, 3.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(model, xs, ys, lr=0.3, epochs=400, progress=False, out=io.StringIO())
    assert history[-1] < 1e-20


def test_normal_training_gives_no_warning():
    model = MLP(2, [4, 1], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(
            model,
            XOR_X,
            XOR_Y,
            optimizer=SGD(model.parameters(), lr=2.0, momentum=0.9),
            epochs=300,
            progress=False,
            out=io.StringIO(),
        )
    assert history[-1] < history[0]


# ----- installing the torch extra ---------------------------------------------------------------


def test_the_torch_extra_brings_numpy():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    extra = re.search(r"^torch = \[(.*)\]$", text, flags=re.MULTILINE)
    assert extra is not None
    names = [re.split(r"[=<>!~ ]", item.strip().strip('"'))[0] for item in extra.group(1).split(",")]
    assert names == ["torch", "numpy"]


def test_the_pytorch_guide_installs_the_torch_extra_from_a_checkout_first():
    text = (REPO / "docs" / "guide" / "pytorch.md").read_text(encoding="utf-8")
    assert "pip install '.[torch]'" in text
    for match in re.finditer(re.escape("pip install 'tinygrad-edu[torch]'"), text):
        before = text[max(0, match.start() - 80) : match.start()]
        assert "once" in before and "published" in before, before


# The renderer fixture only clears an environment variable: sharing it between examples is safe.
@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=12).map(lambda text: text.replace("\n", "").replace("\r", "").strip(" ")))
def test_any_label_reads_the_same_in_the_picture_as_in_the_player(renderer, label):
    assume(label)
    y = Value(1.0, label=label) * 2
    shown = _visible(label)
    assert shown in _svg_texts(draw_dot(y).svg())
    assert Player(y)._names[0] == shown


def test_a_step_that_overflows_half_way_is_undone():
    # w0's input is tiny, so its step is finite; w1's step lr * grad overflows. Without
    # the undo, w0 and its momentum buffer would be one step ahead of everything else.
    model = MLP(2, [1], activation="linear", seed=0)
    optimizer = SGD(model.parameters(), lr=1e308, momentum=0.5)
    before = _state(model, optimizer)
    with pytest.raises(
        OverflowError,  # as the README promises for weights that leave the float range
        match=r"^fit: epoch 1 \(learning rate 1e\+308\): SGD.step: updating .* the step "
        r"is too large",
    ):
        fit(model, [[1e-300, 10.0]], [100.0], optimizer=optimizer, epochs=3, progress=False, out=io.StringIO())
    assert _state(model, optimizer) == before


# ----- the shared input checks (tinygrad_edu.checks) ------------------------------------------


def test_check_value_names_where_what_and_the_value_received():
    v = Value(1.0)
    assert checks.check_value(v, "to_dot") is v
    with pytest.raises(TypeError, match=r"^to_dot: root must be a Value, got float 3.0$"):
        checks.check_value(3.0, "to_dot")
    with pytest.raises(TypeError, match=r"^paths: leaf must be a Value, got the bool True$"):
        checks.check_value(True, "paths", "leaf")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: draw_dot(3.0), TypeError, "draw_dot: root must be a Value, got float 3.0"),
        (lambda: to_dot("y"), TypeError, "to_dot: root must be a Value, got str 'y'"),
        (lambda: player([Value(1.0)]), TypeError, r"player: root must be a Value, got list \[Value"),
        (lambda: explain(None, Value(1.0)), TypeError, "paths: root must be a Value, got NoneType None"),
        (lambda: draw_dot(Value(1.0), format="pdf"), ValueError, "draw_dot: format must be 'svg' or 'png', got 'pdf'"),
        (lambda: to_dot(Value(1.0), rankdir="XY"), ValueError, "to_dot: rankdir must be 'LR', 'TB', 'RL' or 'BT'"),
    ],
)
def test_the_pictures_check_their_inputs_with_one_vocabulary(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan"), True, "0.1", None, 10**400])
def test_check_positive_finite_refuses_what_is_not_a_positive_finite_number(bad):
    with pytest.raises(ValueError, match="^lr must be a positive finite number, got "):
        checks.check_positive_finite(bad, "lr")


def test_check_positive_finite_and_check_fraction_return_floats():
    assert checks.check_positive_finite(2, "lr") == 2.0 and type(checks.check_positive_finite(2, "lr")) is float
    assert checks.check_fraction(0, "momentum") == 0.0
    assert checks.check_fraction(0.999, "beta") == 0.999
    for bad in (1, 1.0, -0.01, float("nan"), False, "0.5"):
        with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\)"):
            checks.check_fraction(bad, "momentum")


def test_check_choice_lists_the_choices():
    assert checks.check_choice("LR", ("LR", "TB"), "rankdir") == "LR"
    with pytest.raises(ValueError, match="^rankdir must be 'LR' or 'TB', got 'lr'$"):
        checks.check_choice("lr", ("LR", "TB"), "rankdir")
    with pytest.raises(ValueError, match="^mode must be 'only', got 1$"):
        checks.check_choice(1, ("only",), "mode")


def test_check_finite_floats_names_the_first_bad_entry():
    assert checks.check_finite_floats((1, 2.5), "gradcheck") == [1.0, 2.5]
    with pytest.raises(ValueError, match=r"^gradcheck: direction\[2\] must be finite, got inf$"):
        checks.check_finite_floats([0.0, 1.0, float("inf")], "gradcheck", "direction")
    with pytest.raises(TypeError, match="^gradcheck: xs must be a list of real numbers, got 'ab'$"):
        checks.check_finite_floats("ab", "gradcheck")
    for not_numbers in (["1.5"], [True, 2.0], "12"):  # float() would take the str "1.5" and the bool True
        with pytest.raises(TypeError, match="must be a list of real numbers"):
            checks.check_finite_floats(not_numbers, "gradcheck")
    with pytest.raises(ValueError, match="xs must hold finite numbers, got one too large for a float"):
        checks.check_finite_floats([10**400], "gradcheck")


def test_checks_never_imports_the_engine():
    # The engine imports checks; check_value looks the loaded engine up instead.
    tree = ast.parse(Path(checks.__file__).read_text(encoding="utf-8"))
    for block in ast.walk(tree):  # an import for the type checker only runs no code
        if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING":
            block.body = []
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "engine" not in imported

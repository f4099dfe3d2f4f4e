"""The player in a real browser: Debian's chromium and chromedriver, driven by selenium.

The page is opened from a file:// address, stepped with the buttons, the arrow keys
and the slider, and what it shows is read back from the page and compared with
`viz.backward_steps` / `viz.forward_steps`. Screenshots go to pytest's temporary
directory (printed with -s; set TINYGRAD_EDU_SCREENSHOTS=DIR to keep them in DIR).

Nothing is downloaded: the browser and its driver come from the system packages
(apt-get install chromium chromium-driver) and both paths are given to selenium,
so Selenium Manager is never asked to fetch one. Without them the tests are
skipped with the reason, except in CI (CI=true), where that is a failure.
"""

import os
import pathlib
import re
import shutil
import tempfile
import time

import pytest
from conftest import skip_or_fail_in_ci

from tinygrad_edu import MLP, Value, viz
from tinygrad_edu.engine import topological_order
from tinygrad_edu.nn import squared_error
from tinygrad_edu.two_neuron import two_neuron_net, write_two_neuron_player

INSTALL = "apt-get install chromium chromium-driver, and pip install selenium (or pip install -e '.[dev]')"


def _find(env_var, *names):
    """A program named by `env_var`, or the first of `names` on PATH or in /usr/bin."""
    chosen = os.environ.get(env_var)
    if chosen:
        return shutil.which(chosen)
    for name in names:
        found = shutil.which(name) or (os.path.isfile(f"/usr/bin/{name}") and f"/usr/bin/{name}")
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail_in_ci(f"selenium is not installed ({INSTALL})")
    chromium = _find("TINYGRAD_EDU_CHROMIUM", "chromium", "chromium-browser")
    driver_path = _find("TINYGRAD_EDU_CHROMEDRIVER", "chromedriver")
    if chromium is None or driver_path is None:
        missing = " and ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver_path)) if p is None)
        skip_or_fail_in_ci(f"{missing} not found ({INSTALL})")

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="tge-chromium-")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    started = time.perf_counter()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SE_OFFLINE", "true")  # belt and braces: Selenium Manager must not download
            driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except Exception as error:  # a broken install: say what failed
        shutil.rmtree(profile, ignore_errors=True)
        skip_or_fail_in_ci(f"chromium could not be started through {driver_path}: {error}")
    print(f"\nchromium started in {time.perf_counter() - started:.2f} s")
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def shots(tmp_path):
    """Where screenshots go."""
    keep = os.environ.get("TINYGRAD_EDU_SCREENSHOTS")
    folder = pathlib.Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ----- reading the page ---------------------------------------------------------------------------


def open_page(browser, path, players=1):
    """Open the page; its player (or the list of its `players` players when more than 1)."""
    browser.get(path.resolve().as_uri())
    found = browser.find_elements("css selector", ".tge-player")
    assert len(found) == players
    for player in found:
        assert player.get_attribute("data-ready") == "1", "the script ran"
    return found[0] if players == 1 else found


def current_node(player):
    """The DOT id ("v3") of the box outlined as the current Value, or None."""
    boxes = player.find_elements("css selector", "g.node.tge-current")
    assert len(boxes) <= 1
    return boxes[0].get_attribute("data-value") if boxes else None


def written_updates(player):
    """The update lines under the picture: (child id, local, contribution, text)."""
    return [
        (
            item.get_attribute("data-child"),
            float(item.get_attribute("data-local")),
            float(item.get_attribute("data-contribution")) if item.get_attribute("data-contribution") else None,
            item.text,
        )
        for item in player.find_elements("css selector", ".tge-writeup .tge-update")
    ]


def box_text(player, value_id, field):
    """The text the picture shows in one field ("data" or "grad") of a Value's box."""
    texts = player.find_elements("css selector", f'g.node[data-value="{value_id}"] text')
    return texts[-2 if field == "data" else -1].text.strip()


def step_number(player):
    return int(player.find_element("css selector", ".tge-writeup").get_attribute("data-step"))


def name_of(order, node):
    i = order.index(node)
    return node.label or f"#{i}"


def assert_shows_backward_step(player, root, k):
    """The page shows step k (1-based) of backward_steps(root)."""
    order = topological_order(root)
    step = viz.backward_steps(root)[k - 1]
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    assert step_number(player) == k
    assert current_node(player) == ids[step.node]
    writeup = player.find_element("css selector", ".tge-writeup")
    assert writeup.get_attribute("data-node") == ids[step.node]
    assert float(writeup.get_attribute("data-value")) == step.grad
    lines = written_updates(player)
    assert [(child, local, contribution) for child, local, contribution, _ in lines] == [
        (ids[u.child], u.local_grad, u.contribution) for u in step.updates
    ]
    me = name_of(order, step.node)
    for (_, _, _, text), update in zip(lines, step.updates):
        assert text.startswith(f"{name_of(order, update.child)}.grad += {me}.grad × d({me})/d(")
        assert text.split("\n")[0].split(" → ")[0].endswith(f"= {update.contribution:.4g}")
    # The current box shows its complete gradient; the red arrows are its operands'.
    assert box_text(player, ids[step.node], "grad") == f"grad {step.grad:.4g}"
    active = player.find_elements("css selector", "g.edge.tge-active")
    assert len(active) == len(step.updates) + (1 if step.updates else 0)  # into the op, and op -> Value


# ----- the two-neuron net ------------------------------------------------------------------------------


def test_stepping_the_two_neuron_backward_pass(browser, tmp_path, shots):
    started = time.perf_counter()
    root = two_neuron_net()["E"]
    root.zero_grad()  # the picture must not depend on .grad: it is blank until each step
    order = topological_order(root)
    steps = viz.backward_steps(root)
    path = write_two_neuron_player(tmp_path / "backward.html")
    player = open_page(browser, path)

    # Step 0: every value is known, no gradient is: every grad field is blank.
    assert step_number(player) == 0 and current_node(player) is None
    for i, node in enumerate(order):
        assert box_text(player, f"v{i}", "grad") == "grad"
        assert box_text(player, f"v{i}", "data") == f"data {node.data:.4g}"

    next_button = player.find_element("css selector", ".tge-next")
    pictures = {}
    for k in range(1, len(steps) + 1):
        if k % 2:
            next_button.click()
        else:
            player.send_keys("\ue014")  # the right arrow key
        assert_shows_backward_step(player, root, k)
        # Gradients of Values nobody has passed anything to yet are still blank.
        reached = {u.child for s in steps[:k] for u in s.updates} | {root}
        for i, node in enumerate(order):
            if node not in reached:
                assert box_text(player, f"v{i}", "grad") == "grad"
        if k in (1, 2, len(steps)):
            pictures[k] = shots / f"two_neuron_backward_step_{k}.png"
            browser.save_screenshot(str(pictures[k]))

    assert next_button.get_attribute("disabled") is not None, "Next stops at the last step"
    for k, picture in pictures.items():
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"screenshot of step {k}"
    print(f"\nscreenshots: {', '.join(str(p) for p in pictures.values())}")
    print(f"two-neuron walk-through: {time.perf_counter() - started:.2f} s")


def in_view(browser, player, value_id):
    """True when the box of `value_id` lies wholly inside the visible part of the picture."""
    return browser.execute_script(
        "var area = arguments[0].querySelector('.tge-graph').getBoundingClientRect();"
        "var box = arguments[0].querySelector('g.node[data-value=\"' + arguments[1] + '\"]').getBoundingClientRect();"
        "return box.left >= area.left && box.right <= area.right && box.top >= area.top && box.bottom <= area.bottom;",
        player,
        value_id,
    )


def test_the_backward_pass_opens_with_its_root_in_view(browser, tmp_path):
    # The picture is wider than the window (E is at the far right): step 0 of the
    # backward pass, which starts from E, scrolls the picture to E.
    browser.set_window_size(1200, 900)
    try:
        root = two_neuron_net()["E"]
        order = topological_order(root)
        player = open_page(browser, write_two_neuron_player(tmp_path / "backward.html"))
        graph = player.find_element("css selector", ".tge-graph")
        assert browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", graph)
        root_id, first_leaf = f"v{order.index(root)}", "v0"
        assert step_number(player) == 0 and in_view(browser, player, root_id)
        assert not in_view(browser, player, first_leaf)  # so the scrolling was needed
        player.find_element("css selector", '.tge-mode[data-mode="forward"]').click()
        assert in_view(browser, player, first_leaf)  # the forward pass starts from the inputs
        player.find_element("css selector", '.tge-mode[data-mode="backward"]').click()
        assert in_view(browser, player, root_id)
    finally:
        browser.set_window_size(1400, 900)


def test_previous_slider_and_keys_move_both_ways(browser, tmp_path):
    root = two_neuron_net()["E"]
    path = viz.player(root).save(tmp_path / "p.html")
    player = open_page(browser, path)
    count = len(viz.backward_steps(root))
    player.send_keys("\ue010")  # End
    assert_shows_backward_step(player, root, count)
    player.find_element("css selector", ".tge-prev").click()
    assert_shows_backward_step(player, root, count - 1)
    player.send_keys("\ue012")  # the left arrow key
    assert_shows_backward_step(player, root, count - 2)
    slider = player.find_element("css selector", ".tge-slider")
    browser.execute_script("arguments[0].value = 3; arguments[0].dispatchEvent(new Event('input'));", slider)
    assert_shows_backward_step(player, root, 3)
    player.find_element("css selector", ".tge-first").click()
    assert step_number(player) == 0 and current_node(player) is None
    assert player.find_element("css selector", ".tge-prev").get_attribute("disabled") is not None


def test_play_runs_to_the_end_by_itself(browser, tmp_path):
    a = Value(3.0, label="a")
    root = (a * a).named("y")
    player = open_page(browser, viz.player(root).save(tmp_path / "play.html"))
    browser.execute_script("arguments[0].setAttribute('data-interval', '150');", player)  # 150 ms a step
    player.find_element("css selector", ".tge-play").click()
    deadline = time.monotonic() + 10
    while step_number(player) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert_shows_backward_step(player, root, 2)
    time.sleep(0.5)
    assert step_number(player) == 2, "it stops at the last step"
    assert "Play" in player.find_element("css selector", ".tge-play").text


def test_the_forward_pass_fills_in_values_in_topological_order(browser, tmp_path):
    root = two_neuron_net()["E"]
    order = topological_order(root)
    player = open_page(browser, viz.player(root, direction="forward").save(tmp_path / "forward.html"))
    assert player.get_attribute("data-mode") == "forward"
    for i in range(len(order)):
        assert box_text(player, f"v{i}", "data") == "data"  # nothing computed yet
    for k, step in enumerate(viz.forward_steps(root), start=1):
        player.send_keys("\ue014")
        i = order.index(step.node)
        assert current_node(player) == f"v{i}"
        assert box_text(player, f"v{i}", "data") == f"data {step.data:.4g}"
        if k < len(order):
            later = order.index(viz.forward_steps(root)[k].node)
            assert box_text(player, f"v{later}", "data") == "data", "values appear one step at a time"
        assert [line[0] for line in written_updates(player)] == [f"v{order.index(c)}" for c in step.node.children]
    # The switch goes over to the backward pass, from its start.
    player.find_element("css selector", '.tge-mode[data-mode="backward"]').click()
    assert player.get_attribute("data-mode") == "backward" and step_number(player) == 0
    player.send_keys("\ue014")
    assert_shows_backward_step(player, root, 1)


# ----- a 2-2-1 network's loss -------------------------------------------------------------------------


def test_the_loss_of_a_2_2_1_network_plays_to_the_end(browser, tmp_path, shots):
    started = time.perf_counter()
    model = MLP(2, [2, 1], seed=0)
    x = [Value(1.0, label="x0"), Value(-0.5, label="x1")]
    root = squared_error(model(x), 1.0).named("loss")
    order = topological_order(root)
    steps = viz.backward_steps(root)
    player = open_page(browser, viz.player(root).save(tmp_path / "mlp.html"))
    x0 = f"v{order.index(x[0])}"
    saw_partial = False
    for k in range(1, len(steps) + 1):
        player.send_keys("\ue014")
        assert_shows_backward_step(player, root, k)
        # x0 feeds both hidden neurons: between its two contributions its sum is marked partial.
        grad_field = player.find_element("css selector", f'g.node[data-value="{x0}"] text:last-of-type')
        saw_partial |= "tge-partial" in (grad_field.get_attribute("class") or "")
    assert saw_partial
    browser.save_screenshot(str(shots / "mlp_backward_last_step.png"))
    # At the end every parameter's box shows the gradient backward() gives.
    root.zero_grad()
    root.backward()
    for p in model.parameters():
        assert box_text(player, f"v{order.index(p)}", "grad") == f"grad {p.grad:.4g}"
    print(f"\n2-2-1 loss, {len(steps)} steps: {time.perf_counter() - started:.2f} s")


def test_players_on_one_page_do_not_interfere(browser, tmp_path):
    """As in a notebook with two players, one of them shown twice: each has its own
    ids and its own state."""
    a = Value(3.0, label="a")
    first, second = viz.player((a * a).named("y")), viz.player(two_neuron_net()["E"])
    page = tmp_path / "two.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        + first._repr_html_()
        + second._repr_html_()
        + first._repr_html_()
        + "</body></html>",
        encoding="utf-8",
    )
    one, two, one_again = open_page(browser, page, players=3)
    two.find_element("css selector", ".tge-next").click()
    two.find_element("css selector", ".tge-next").click()
    assert [step_number(p) for p in (one, two, one_again)] == [0, 2, 0]
    one_again.find_element("css selector", ".tge-next").click()
    assert [step_number(p) for p in (one, two, one_again)] == [0, 2, 1]
    assert_shows_backward_step(two, second.root, 2)
    assert_shows_backward_step(one_again, first.root, 1)


def test_the_page_loads_nothing_and_logs_no_error(browser, tmp_path):
    player = open_page(browser, write_two_neuron_player(tmp_path / "quiet.html"))
    player.send_keys("\ue014")
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    assert resources == [], f"the page fetched {resources}"
    errors = [entry for entry in browser.get_log("browser") if entry.get("level") == "SEVERE"]
    assert errors == []


# ----- where the script does not run, and at notebook width ----------------------------------------


def test_without_its_script_the_page_shows_the_finished_pass(browser, tmp_path):
    """As on GitHub, nbviewer or in an untrusted notebook: the HTML without its scripts."""
    root = two_neuron_net()["E"]
    text = viz.player(root).html()
    text = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)
    path = tmp_path / "static.html"
    path.write_text(text, encoding="utf-8")
    browser.get(path.as_uri())
    player = browser.find_element("css selector", ".tge-player")
    assert player.get_attribute("data-ready") is None, "no script ran"
    shown = browser.execute_script(
        "var boxes = {};"
        "arguments[0].querySelectorAll('g.node').forEach(function (g) {"
        "  boxes[g.querySelector('title').textContent.trim()] ="
        "    Array.from(g.querySelectorAll('text')).map(function (t) { return t.textContent.trim(); });"
        "});"
        "return boxes;",
        player,
    )
    root.zero_grad()
    root.backward()
    for i, node in enumerate(topological_order(root)):
        assert shown[f"v{i}"][-2:] == [f"data {node.data:.4g}", f"grad {node.grad:.4g}"]


def test_at_notebook_width_the_numbers_stay_readable(browser, tmp_path, shots):
    """An 800-pixel-wide window (a notebook's column): the picture keeps its full size and
    scrolls, and each step scrolls its current box into view."""
    root = two_neuron_net()["E"]
    browser.set_window_size(800, 900)
    try:
        player = open_page(browser, viz.player(root).save(tmp_path / "narrow.html"))
        graph = player.find_element("css selector", ".tge-graph")
        assert browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth;", graph)
        heights = browser.execute_script(
            "return Array.from(arguments[0].querySelectorAll('g.node text'))"
            ".map(t => t.getBoundingClientRect().height);",
            graph,
        )
        assert min(heights) >= 12, f"box text is {min(heights):.1f} px tall"
        order = topological_order(root)
        for k, step in enumerate(viz.backward_steps(root), start=1):
            player.send_keys("\ue014")
            box = player.find_element("css selector", f'g.node[data-value="v{order.index(step.node)}"]')
            inside = browser.execute_script(
                "var b = arguments[0].getBoundingClientRect(), a = arguments[1].getBoundingClientRect();"
                "return b.left >= a.left - 1 && b.right <= a.right + 1;",
                box,
                graph,
            )
            assert inside, f"step {k}: the current box is scrolled out of view"
        browser.save_screenshot(str(shots / "two_neuron_at_800px.png"))
    finally:
        browser.set_window_size(1400, 900)

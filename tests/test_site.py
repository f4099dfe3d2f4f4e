# ruff: noqa: F811
"""The documentation site, built with mkdocs and opened in Debian's chromium.

The site is built once into a temporary folder (mkdocs.yml's hooks build the wheel of
this checkout and copy Pyodide and Graphviz's WebAssembly build from web/node_modules,
running `npm ci` when it is missing), served by a `http.server` thread on 127.0.0.1,
and read in the browser the player tests use (tests/test_player_browser.py). Every page
must load without a console error and with every image; every link within the site must
lead to a file of it; nothing may come from another host. The API page must show
`Value.backward`'s docstring, and the playground must run a program through
`window.playground.run` with backward()'s gradients and the graph's SVG. The playground's
Python runs in a Web Worker: while an endless loop runs the page must answer, Stop must
end the loop within seconds, and the restarted Python must run the next program afresh.

Screenshots of the home page, a notebook, the API page and the playground at 1200 x 900
go to pytest's temporary directory (TINYGRAD_EDU_SCREENSHOTS=DIR keeps them in DIR).
Without mkdocs (pip install -e '.[docs]'), npm or chromium the tests are skipped with
the reason, except in CI (CI=true), where that is a failure.
"""

import contextlib
import functools
import http.server
import importlib.util
import io
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

try:
    import fcntl
except ImportError:  # Windows: each test worker builds its own copy of the site
    fcntl = None

import pytest
from conftest import skip_or_fail_in_ci

# The player tests' fixtures: chromium started their way, and where screenshots go. The tests
# below take them as parameters, which ruff reads as redefinitions (F811, off for this file).
from test_player_browser import browser, shots  # noqa: F401

from tinygrad_edu.engine import Value
from tinygrad_edu.two_neuron import two_neuron_net

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "web" / "examples"
PAGE_LOAD_SECONDS = 20
FIRST_RUN_SECONDS = 60  # loading Python and the wheels; measured at a few seconds


def _site_hooks():
    """tools/site_hooks.py, the site build's own module (loaded by path: tools/ is no package)."""
    spec = importlib.util.spec_from_file_location("site_hooks", ROOT / "tools" / "site_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_site(folder):
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    (folder / ".built").write_text(f"{time.perf_counter() - started:.1f}", encoding="utf-8")


@pytest.fixture(scope="module")
def built_site(request, tmp_path_factory):
    """The site, built from this checkout into a temporary folder shared by the test workers."""
    if importlib.util.find_spec("mkdocs") is None:
        skip_or_fail_in_ci("mkdocs is not installed (pip install -e '.[docs]')")
    if shutil.which("npm") is None and not (ROOT / "web" / "node_modules").is_dir():
        skip_or_fail_in_ci("npm is not installed: the playground's files come from the npm registry")
    shared = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput") and fcntl is not None:  # pytest -n: the workers' common folder
        shared = shared.parent
    folder = shared / "site"
    with _site_hooks().exclusive(shared / "site.lock"):  # the first worker builds, the others reuse it
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            build_site(folder)
            print(f"\nsite built in {(folder / '.built').read_text(encoding='utf-8')} s")
    return folder


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".py": "text/plain",
    }

    def log_message(self, format, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the browser left a page mid-download
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def site_url(built_site):
    """The address of the site, served on 127.0.0.1 on a free port."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def open_page(browser, url):
    """Open `url`, wait for it to finish loading; return the console's errors since the last page."""
    browser.get_log("browser")  # drop what came before
    browser.get(url)  # returns once the page has loaded (selenium's normal page load strategy)
    assert browser.execute_script("return document.readyState") == "complete", f"{url} did not finish loading"
    return [entry["message"] for entry in browser.get_log("browser") if entry.get("level") == "SEVERE"]


def page_facts(browser):
    """What the page loaded and links to: resources, broken images, same-site links."""
    return browser.execute_script(
        "return {"
        "  resources: performance.getEntriesByType('resource').map(e => e.name),"
        "  broken: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
        "    .map(i => i.currentSrc || i.src),"
        "  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),"
        "};"
    )


def screenshot(browser, path, scroll_to=None):
    """A PNG of the page's first 1200 x 900 pixels (or from the element `scroll_to` down)."""
    metrics = {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        if scroll_to is not None:
            browser.execute_script(
                "window.scrollTo(0, arguments[0].getBoundingClientRect().top + window.scrollY - 70);", scroll_to
            )
        time.sleep(0.6)  # the header's title animation, MathJax's typesetting
        browser.save_screenshot(str(path))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def without_fragment(url):
    return urllib.parse.urldefrag(url)[0]


def resolves(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status == 200
    except OSError:
        return False


def test_every_page_loads_everything_from_the_site_alone(browser, built_site, site_url):
    pages = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html"))
    pages = [page for page in pages if page != "404.html" and not page.startswith("assets/")]
    assert {"index.html", "playground.html", "player.html", "api/engine.html", "learning-path.html"} <= set(pages)
    assert len([page for page in pages if page.startswith("notebooks/")]) == 2 + len(
        list((ROOT / "notebooks").glob("*.ipynb"))
    ), "every notebook has its page, and so do the notebooks' list and their notation"
    started = time.perf_counter()
    links = set()
    for page in pages:
        url = site_url + page
        errors = open_page(browser, url)
        if page == "playground.html":  # it loads Python when it opens: wait, and count that load's errors too
            booted = wait_for_python(browser)
            errors += [e["message"] for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
            print(f"\nthe playground loaded Python, the wheels and Graphviz in {booted:.1f} s")
        assert errors == [], f"{page}: console errors {errors}"
        facts = page_facts(browser)
        outside = [r for r in facts["resources"] if not r.startswith(site_url) and not r.startswith("data:")]
        assert outside == [], f"{page} loaded from another host: {outside}"
        assert facts["broken"] == [], f"{page}: images that did not load: {facts['broken']}"
        links |= {without_fragment(link) for link in facts["links"] if link.startswith(site_url)}
    broken_links = sorted(link for link in links if not resolves(link))
    assert broken_links == [], f"links within the site that lead nowhere: {broken_links}"
    print(f"\n{len(pages)} pages and {len(links)} links checked in {time.perf_counter() - started:.1f} s")


def test_the_api_page_shows_the_docstring_of_value_backward(browser, site_url, shots):
    open_page(browser, site_url + "api/engine.html")
    section = browser.find_element("id", "tinygrad_edu.engine.Value.backward")
    text = browser.execute_script(
        "return arguments[0].closest('.doc-object').innerText;",
        section,
    )
    first_line = " ".join(Value.backward.__doc__.split("\n\n")[0].split())
    assert " ".join(first_line.replace("`", "").split()) in " ".join(text.split())
    screenshot(browser, shots / "site_api.png", scroll_to=section)


def test_home_and_notebook_pages_at_1200_by_900(browser, site_url, shots):
    for page, picture in (("index.html", "site_home.png"), ("notebooks/06_two_neuron_net.html", "site_notebook.png")):
        assert open_page(browser, site_url + page) == []
        screenshot(browser, shots / picture)
    # The notebook page shows the notebook's saved pictures, and its formulas typeset by MathJax.
    pictures = browser.execute_script("return document.querySelectorAll('.jp-OutputArea-output img').length;")
    assert pictures > 0
    deadline = time.monotonic() + PAGE_LOAD_SECONDS
    while not browser.find_elements("css selector", "mjx-container"):
        assert time.monotonic() < deadline, "MathJax typeset no formula"
        time.sleep(0.1)
    assert "\\frac" not in browser.find_element("css selector", ".jp-Notebook").text
    print(f"\nscreenshots in {shots}")


def test_the_player_page_embeds_the_two_neuron_player(browser, site_url):
    assert open_page(browser, site_url + "player.html") == []
    frame = browser.find_element("css selector", "iframe.tge-player-frame")
    browser.execute_script("arguments[0].scrollIntoView();", frame)  # it loads lazily
    browser.switch_to.frame(frame)
    try:
        deadline = time.monotonic() + PAGE_LOAD_SECONDS
        while not browser.find_elements("css selector", '.tge-player[data-ready="1"]'):
            assert time.monotonic() < deadline, "the player's script did not run"
            time.sleep(0.05)
        player = browser.find_element("css selector", ".tge-player")
        player.find_element("css selector", ".tge-next").click()
        writeup = player.find_element("css selector", ".tge-writeup")
        assert writeup.get_attribute("data-step") == "1"
        assert float(writeup.get_attribute("data-value")) == 1.0, "the first step is the root's dE/dE = 1"
    finally:
        browser.switch_to.default_content()


def wait_for_python(browser):
    """Wait until the playground has loaded Python; the seconds it took, measured by the page."""
    browser.set_script_timeout(FIRST_RUN_SECONDS)
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.playground.ready().then(r => done(r.seconds), e => done(String(e)));"
    )


def run_in_playground(browser, source, timeout=FIRST_RUN_SECONDS):
    browser.set_script_timeout(timeout)
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.playground.run(arguments[0]).then("
        "  r => done({stdout: r.stdout, svg: r.svg, player: r.player, ok: r.ok}),"
        "  e => done({error: String(e)}));",
        source,
    )


def test_the_playground_runs_the_two_neuron_net(browser, site_url, shots):
    started = time.perf_counter()
    assert open_page(browser, site_url + "playground.html") == []
    result = run_in_playground(browser, (EXAMPLES / "two_neuron.py").read_text(encoding="utf-8"))
    first_run = time.perf_counter() - started
    assert "error" not in result, result.get("error")
    assert result["ok"], result["stdout"]

    net = two_neuron_net()
    net["E"].backward()
    printed = dict(line.split(" = ") for line in result["stdout"].strip().splitlines())
    assert float(printed["E"]) == pytest.approx(net["E"].data, abs=1e-6)
    assert float(printed["dE/dw_l"]) == pytest.approx(net["w_l"].grad, abs=1e-6)
    assert float(printed["dE/dw_r"]) == pytest.approx(net["w_r"].grad, abs=1e-6)
    svg = result["svg"]
    assert svg.lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE")) and "</svg>" in svg
    for label in ("i_l", "w_l", "o_r", "E"):
        assert f">{label}<" in svg, f"the graph has a box for {label}"
    assert f"grad {net['w_l'].grad:.4g}" in svg, "the boxes show the gradients"
    assert 'class="tge-player' in result["player"]
    print(f"\nplayground opened and first program run (Python, wheels and Graphviz loaded) in {first_run:.1f} s")

    # A second run reuses the loaded Python; a program that shows nothing has no graph.
    started = time.perf_counter()
    again = run_in_playground(browser, "print(2 + 3)")
    assert again == {"stdout": "5\n", "svg": "", "player": "", "ok": True}
    print(f"second run: {time.perf_counter() - started:.2f} s")

    # An error is printed as a traceback of the program's own lines, and the page goes on.
    failed = run_in_playground(browser, "from tinygrad_edu import Value\nValue(1.0).log() / 0")
    assert not failed["ok"] and "ZeroDivisionError" in failed["stdout"] and "<playground>" in failed["stdout"]


def run_here(source):
    """What `source` prints when run by this Python (draw_dot only makes the picture's source here)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, "<example>", "exec"), {"__name__": "__main__"})
    return printed.getvalue()


@pytest.mark.parametrize("example", ["micrograd_readme.py", "xor_neuron.py"])
def test_every_example_prints_in_the_browser_what_it_prints_here(browser, site_url, example):
    if not browser.current_url.endswith("playground.html"):
        assert open_page(browser, site_url + "playground.html") == []
    source = (EXAMPLES / example).read_text(encoding="utf-8")
    result = run_in_playground(browser, source)
    assert result.get("ok"), result
    assert result["stdout"] == run_here(source)
    assert "</svg>" in result["svg"] and 'class="tge-player' in result["player"]
    if example == "micrograd_readme.py":  # the numbers micrograd's README gives
        assert result["stdout"].split() == ["24.7041", "138.8338", "645.5773"]


def test_the_playground_page_shows_output_graph_and_player(browser, site_url, shots):
    assert open_page(browser, site_url + "playground.html") == []
    deadline = time.monotonic() + PAGE_LOAD_SECONDS
    while len(browser.find_elements("css selector", ".tge-pg-examples option")) < 3:
        assert time.monotonic() < deadline, "the examples did not load"
        time.sleep(0.05)
    browser.find_element("css selector", ".tge-pg-run").click()
    deadline = time.monotonic() + FIRST_RUN_SECONDS
    while not browser.find_elements("css selector", ".tge-pg-graph svg"):
        assert time.monotonic() < deadline, "no graph after Run"
        time.sleep(0.1)
    frame = browser.find_element("css selector", ".tge-pg-player")
    assert frame.is_displayed()
    output = browser.find_element("css selector", ".tge-pg-output").text
    assert "dE/dw_l" in output
    edge_labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('.tge-pg-graph g.edge text')).map(t => t.textContent.trim());"
    )
    assert len([label for label in edge_labels if label]) >= 8, "a local derivative on the edges into the ops"
    browser.switch_to.frame(frame)
    try:
        player = browser.find_element("css selector", ".tge-player")
        assert player.get_attribute("data-ready") == "1", "the player's script ran"
    finally:
        browser.switch_to.default_content()
    screenshot(browser, shots / "site_playground.png", browser.find_element("css selector", ".tge-pg-bar"))
    errors = [entry["message"] for entry in browser.get_log("browser") if entry.get("level") == "SEVERE"]
    assert errors == []


# ----- Stop: Python runs in a Web Worker, which Stop ends and starts again ---------------------

STOP_SECONDS = 5  # from the click on Stop to the page saying the run was stopped; measured well under 1 s
ENDLESS_LOOP = "print('counting')\nn = 0\nwhile True:\n    n += 1\n"


def wait_until(browser, script, seconds, what):
    """Wait until `script` (a JavaScript expression) is truthy in the page; the seconds it took."""
    started = time.monotonic()
    while not browser.execute_script(f"return Boolean({script});"):
        assert time.monotonic() - started < seconds, f"{what} after {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - started


def event_loop_delay(browser):
    """The seconds a 0-second timer takes to fire in the page; it fires only when the page's
    thread is free (the wait for it ends in an error after 5 s)."""
    browser.set_script_timeout(5)
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1]; const asked = performance.now();"
        "setTimeout(() => done((performance.now() - asked) / 1000), 0);"
    )


def test_stop_ends_an_endless_loop_while_the_page_answers(browser, site_url, shots):
    assert open_page(browser, site_url + "playground.html") == []
    wait_for_python(browser)
    wait_until(
        browser, "document.querySelectorAll('.tge-pg-examples option').length >= 3", PAGE_LOAD_SECONDS, "no examples"
    )
    browser.execute_script("document.querySelector('.tge-pg-source').value = arguments[0];", ENDLESS_LOOP)
    browser.find_element("css selector", ".tge-pg-run").click()
    wait_until(browser, "document.querySelector('.tge-pg-output').textContent.includes('counting')", 10, "no output")
    root = browser.find_element("id", "tge-playground")
    run_button = browser.find_element("css selector", ".tge-pg-run")
    stop_button = browser.find_element("css selector", ".tge-pg-stop")
    assert root.get_attribute("data-state") == "running"
    assert not run_button.is_enabled() and run_button.text == "Running…" and stop_button.is_enabled()

    # While the loop runs, the page's own thread is free: timers fire, clicks are handled.
    # Were the endless loop on that thread, the timer would never fire (the wait for it
    # would time out); how soon it fires depends on the machine, so it is only printed.
    time.sleep(1.0)
    print(f"\na 0-second timer fired after {event_loop_delay(browser):.3f} s while the loop ran")
    browser.find_elements("css selector", ".tge-pg-examples option")[1].click()
    source = browser.execute_script("return document.querySelector('.tge-pg-source').value;")
    assert source == (EXAMPLES / "micrograd_readme.py").read_text(encoding="utf-8"), "the menu answered a click"
    assert root.get_attribute("data-state") == "running", "the loop is still going"
    screenshot(browser, shots / "site_playground_running.png", browser.find_element("css selector", ".tge-pg-bar"))

    stop_button.click()
    took = wait_until(
        browser, "document.getElementById('tge-playground').dataset.state === 'idle'", STOP_SECONDS, "not stopped"
    )
    output = browser.find_element("css selector", ".tge-pg-output").text
    assert output.startswith("counting\n[Stopped after") and "Python was restarted" in output, output
    assert "tge-pg-failed" in browser.find_element("css selector", ".tge-pg-output").get_attribute("class")
    assert run_button.is_enabled() and run_button.text == "Run" and not stop_button.is_enabled()
    print(f"\nStop ended the endless loop in {took:.2f} s")

    # The fresh Python runs the next program: the menu's micrograd example, with its graph.
    restarted = wait_for_python(browser)
    print(f"Python restarted in {restarted:.1f} s")
    run_button.click()
    wait_until(browser, "document.querySelector('.tge-pg-graph svg')", FIRST_RUN_SECONDS, "no graph after the restart")
    assert browser.find_element("css selector", ".tge-pg-output").text.split() == ["24.7041", "138.8338", "645.5773"]
    errors = [entry["message"] for entry in browser.get_log("browser") if entry.get("level") == "SEVERE"]
    assert errors == []


def test_stop_through_the_api_restarts_python_with_a_fresh_state(browser, site_url):
    if not browser.current_url.endswith("playground.html"):
        assert open_page(browser, site_url + "playground.html") == []
    mark = "import sys\nsys.tge_mark = 'kept'"
    read_mark = "import sys\nprint(getattr(sys, 'tge_mark', 'gone'))"
    assert run_in_playground(browser, mark)["ok"]
    assert run_in_playground(browser, read_mark)["stdout"] == "kept\n", "without a restart, the interpreter persists"
    assert browser.execute_script("return window.playground.stop();") is False, "nothing to stop"

    browser.execute_script(
        "window.stoppedRun = null; window.playground.run(arguments[0]).then(r => { window.stoppedRun = r; });",
        ENDLESS_LOOP,
    )
    time.sleep(1.0)
    assert browser.execute_script("return window.stoppedRun;") is None, "the loop is still running"
    assert browser.execute_script("return window.playground.stop();") is True
    wait_until(browser, "window.stoppedRun", STOP_SECONDS, "the stopped run's promise did not settle")
    stopped = browser.execute_script("return window.stoppedRun;")
    assert stopped == {"stdout": "counting\n", "svg": "", "player": "", "ok": False, "stopped": True}
    assert run_in_playground(browser, read_mark)["stdout"] == "gone\n", "the restarted Python starts afresh"

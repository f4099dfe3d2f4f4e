"""The documentation site's build steps, as MkDocs hooks (mkdocs.yml names this file).

Besides the pages in docs/, the site gets, as generated files:

* the notebooks of notebooks/ (rendered by mkdocs-jupyter with their saved outputs,
  never run) and the learning path, LEARN.md;
* the step player of the two-neuron net, written by tinygrad_edu itself;
* the playground's files under assets/playground/: its scripts (the page's and its
  Python worker's), style and Python glue from web/, Pyodide's core and Graphviz in
  WebAssembly copied from web/node_modules (installed with `npm ci` from
  web/package-lock.json when missing), the wheel of this checkout and the wheels of the
  pure-Python dependencies the playground imports.

Links in the pages that point at files of the repository outside docs/ are turned
into links to the same file in the site (README.md, LEARN.md, the notebooks) or on
the repository's host (repo_url in mkdocs.yml), or into plain text when there is none.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import pathlib
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import fcntl  # POSIX: parallel builds take turns at npm and at the download cache
except ImportError:  # Windows: one build at a time, please
    fcntl = None  # type: ignore[assignment]

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = pathlib.Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
CACHE = ROOT / "build" / "site-assets"  # wheels made or downloaded by earlier builds
PLAYGROUND = "assets/playground"

# The pure-Python dependencies the playground imports (graphviz-pure, pytest and
# watchfiles are for the command line and are never imported by the package itself).
BROWSER_DEPENDENCIES = ("graphviz", "tqdm")

# What the playground loads from the npm packages: (package file, path under PLAYGROUND).
NPM_FILES = [
    *((f"pyodide/{name}", f"pyodide/{name}") for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm")),
    ("pyodide/python_stdlib.zip", "pyodide/python_stdlib.zip"),
    ("pyodide/pyodide-lock.json", "pyodide/pyodide-lock.json"),
    ("@viz-js/viz/dist/viz.js", "viz/viz.js"),
]
# MathJax for the notebooks' formulas: its TeX-to-HTML build, the fonts it loads, and the
# TeX extensions it loads when a formula needs one. (package glob, folder under assets/).
MATHJAX_FILES = [
    ("mathjax/es5/tex-chtml.js", "mathjax"),
    ("mathjax/es5/output/chtml/fonts/woff-v2/*.woff", "mathjax/output/chtml/fonts/woff-v2"),
    ("mathjax/es5/input/tex/extensions/*.js", "mathjax/input/tex/extensions"),
]
MATHJAX_CONFIG = (
    "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], processEscapes: true},"
    " options: {enableMenu: false}};</script>\n"
)
WEB_FILES = ("playground.js", "python-worker.js", "playground.css", "bootstrap.py")

# The playground's examples: (file in web/examples/, title in its menu).
EXAMPLES = [
    ("two_neuron.py", "The two-neuron net of the classic derivation"),
    ("micrograd_readme.py", "micrograd's README example"),
    ("xor_neuron.py", "One neuron trained on XOR"),
]

# Pages made from files outside docs/: (site path, repository path).
OUTSIDE_PAGES = {"learning-path.md": "LEARN.md", "notebooks/NOTATION.md": "notebooks/NOTATION.md"}
# Repository paths that are pages of the site.
SITE_PATHS = {
    "README.md": "index.md",
    "LEARN.md": "learning-path.md",
    "notebooks/README.md": "notebooks/index.md",
    "notebooks/NOTATION.md": "notebooks/NOTATION.md",
}


def _run(command, cwd, what):
    """Run a build command; a failure stops the build with its output."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PluginError(f"{what} failed ({' '.join(command)}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


# ----- the files the playground loads --------------------------------------------------------


@contextlib.contextmanager
def exclusive(lock_path: pathlib.Path):
    """One process at a time inside the block (parallel test workers build the site too)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)


def npm_packages() -> pathlib.Path:
    """web/node_modules, installed from the lock file first when it is missing or stale."""
    modules = WEB / "node_modules"
    installed = modules / ".package-lock.json"
    lock = WEB / "package-lock.json"
    with exclusive(CACHE / "npm.lock"):
        if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
            npm = shutil.which("npm")
            if npm is None:
                raise PluginError("npm is not installed: the playground's files (Pyodide, @viz-js/viz) come from npm")
            _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], WEB, "npm ci in web/")
    return modules


def project_wheel(folder: pathlib.Path) -> pathlib.Path:
    """The wheel of this checkout, built into `folder` from a copy of the files it needs (so
    the checkout gets no build/ or egg-info folder), without the network: the build backend,
    setuptools, comes from the `docs` extra."""
    source = folder / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "tinygrad_edu", source / "tinygrad_edu", ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(folder)]
    _run([*command, str(source)], source, "building the wheel of tinygrad_edu")
    wheels = sorted(folder.glob("tinygrad_edu-*.whl"))
    if len(wheels) != 1:
        raise PluginError(f"expected one tinygrad_edu wheel in {folder}, found {[w.name for w in wheels]}")
    return wheels[0]


def dependency_wheels() -> list[pathlib.Path]:
    """The wheels of BROWSER_DEPENDENCIES at the versions installed here, downloaded once."""
    found = []
    with exclusive(CACHE / "wheels.lock"):
        for name in BROWSER_DEPENDENCIES:
            version = importlib.metadata.version(name)
            pattern = f"{name}-{version}-py3-none-any.whl"
            if not list(CACHE.glob(pattern)):
                command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q"]
                _run([*command, "-d", str(CACHE), f"{name}=={version}"], ROOT, f"downloading the wheel of {name}")
            wheels = list(CACHE.glob(pattern))
            if not wheels:
                raise PluginError(f"no pure-Python wheel of {name} {version} (wanted {pattern}) in {CACHE}")
            found.append(wheels[0])
    return found


def playground_files(staging: pathlib.Path) -> dict[str, pathlib.Path]:
    """Every file of the playground: site path -> file on disk (some written into `staging`)."""
    modules = npm_packages()
    files = {f"{PLAYGROUND}/{target}": modules / source for source, target in NPM_FILES}
    files.update({f"{PLAYGROUND}/{name}": WEB / name for name in WEB_FILES})
    files.update({f"{PLAYGROUND}/examples/{name}": WEB / "examples" / name for name, _ in EXAMPLES})
    wheels = [project_wheel(staging), *dependency_wheels()]
    files.update({f"{PLAYGROUND}/wheels/{wheel.name}": wheel for wheel in wheels})
    manifest = {
        "wheels": [wheel.name for wheel in wheels],
        "examples": [{"file": name, "title": title} for name, title in EXAMPLES],
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    files[f"{PLAYGROUND}/manifest.json"] = staging / "manifest.json"
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise PluginError(f"the playground's files are missing: {', '.join(missing)}")
    return files


def mathjax_files() -> dict[str, pathlib.Path]:
    """MathJax's files: site path -> file in web/node_modules."""
    modules = npm_packages()
    files = {}
    for pattern, folder in MATHJAX_FILES:
        matches = sorted(modules.glob(pattern))
        if not matches:
            raise PluginError(f"MathJax's {pattern} is missing from {modules}: run npm ci in web/")
        files.update({f"assets/{folder}/{path.name}": path for path in matches})
    return files


def player_page(staging: pathlib.Path) -> pathlib.Path:
    """The step player of the two-neuron net's backward pass, written by tinygrad_edu."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # this checkout's package, even when another one is installed
    from tinygrad_edu.two_neuron import write_two_neuron_player

    return write_two_neuron_player(staging / "two_neuron_player.html")


# ----- MkDocs events ----------------------------------------------------------------------------

_staging: list[tempfile.TemporaryDirectory] = []


def on_config(config):
    """Under the nav's "Notebooks" entry: the list's page, then every notebook in file order."""
    notebooks = [f"notebooks/{path.name}" for path in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    for position, entry in enumerate(config.nav or []):
        if isinstance(entry, dict) and entry.get("Notebooks") == "notebooks/index.md":
            config.nav[position] = {"Notebooks": ["notebooks/index.md", *notebooks]}
    return config


@event_priority(100)  # before mkdocs-jupyter looks for notebooks among the files
def on_files(files, config):
    """Add the generated files and the pages that live outside docs/."""
    staging_dir = tempfile.TemporaryDirectory(prefix="tge-site-")
    _staging.append(staging_dir)
    staging = pathlib.Path(staging_dir.name)
    generated = {
        "assets/two_neuron_player.html": player_page(staging),
        **playground_files(staging),
        **mathjax_files(),
    }
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        # A plain File with the repository as its folder: mkdocs-jupyter's wrapper reads
        # the path from src_dir and src_uri, which a generated File does not have.
        files.append(File(f"notebooks/{notebook.name}", str(ROOT), config.site_dir, config.use_directory_urls))
    generated["notebooks/index.md"] = ROOT / "notebooks" / "README.md"
    for page, source in OUTSIDE_PAGES.items():
        generated[page] = ROOT / source
    for site_path, source_path in generated.items():
        files.append(File.generated(config, site_path, abs_src_path=str(source_path)))
    return files


def on_post_build(config):
    while _staging:
        _staging.pop().cleanup()


_LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s#]+)(#[^)\s]*)?\)")


def _repository_path(page_src):
    """Where the page's text lives in the repository (for pages made from outside docs/)."""
    if page_src in OUTSIDE_PAGES:
        return OUTSIDE_PAGES[page_src]
    if page_src.startswith("notebooks/"):
        return "notebooks/README.md" if page_src == "notebooks/index.md" else page_src
    return "docs/" + page_src


def outside_link(target, page_src, repo_url):
    """The link to use for `target`, written in the page `page_src` (a docs-relative path),
    or None when it is a link MkDocs resolves itself."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
        return None  # an address, not a file of the repository
    source = _repository_path(page_src)
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
    if resolved.startswith("docs/") and source.startswith("docs/"):
        return None
    site_path = SITE_PATHS.get(resolved)
    if site_path is None and resolved.startswith("docs/"):
        site_path = resolved.removeprefix("docs/")
    if site_path is None and resolved.startswith("notebooks/") and resolved.endswith(".ipynb"):
        site_path = resolved  # a notebook is a page; its helper modules (exercises.py) are not
    if site_path is not None:
        return posixpath.relpath(site_path, posixpath.dirname(page_src) or ".")
    if repo_url:
        return f"{repo_url.rstrip('/')}/blob/main/{resolved}"
    return ""


def on_page_markdown(markdown, page, config, files):
    """Point links to repository files outside docs/ at their page in the site or on the host."""
    repo_url = config.get("repo_url") or ""

    def replace(match):
        text, target, anchor = match.group(1), match.group(2), match.group(3) or ""
        link = outside_link(target, page.file.src_uri, repo_url)
        if link is None:
            return match.group(0)
        if link == "":
            return text[1:-1] if not text.startswith("!") else match.group(0)
        return f"{text}({link}{anchor})"

    return _LINK.sub(replace, markdown)


_EMPTY_MATHJAX = re.compile(r'<script src="">\s*</script>')


# A link in a notebook's Markdown to a sibling page: mkdocs-jupyter leaves it as written.
_NOTEBOOK_LINK = re.compile(r'href="([A-Za-z0-9_.-]+)\.(ipynb|md)(#[^"]*)?"')


def _sibling_page(match):
    """href="02_x.ipynb" or "NOTATION.md" -> the page the site made of it (README.md is the index)."""
    name, _, anchor = match.groups()
    return f'href="{"index" if name == "README" else name}.html{anchor or ""}"'


def on_page_content(html, page, config, files):
    """On a notebook's page, MathJax from the site for the formulas (mkdocs-jupyter leaves
    the script's address empty unless given one, and its configuration is MathJax 2's),
    and links to the other notebooks' pages."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    html = _NOTEBOOK_LINK.sub(_sibling_page, html)
    script = posixpath.relpath("assets/mathjax/tex-chtml.js", posixpath.dirname(page.file.src_uri))
    loader = f'{MATHJAX_CONFIG}<script src="{script}" defer></script>'
    html, count = _EMPTY_MATHJAX.subn(lambda _: loader, html, count=1)
    return html if count else loader + html

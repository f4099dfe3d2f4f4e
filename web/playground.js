// The playground: a program box, a Run button, and below it what the program printed,
// the graph of the last Value it passed to show() or draw_dot(), and the step player of
// that Value's backward pass. Python is Pyodide's core; tinygrad_edu and its pure-Python
// dependencies are wheels of this site, unpacked into Pyodide's site-packages; the
// pictures are drawn by Graphviz compiled to WebAssembly (@viz-js/viz). Every file it
// loads sits next to this one, so the page works offline and from any static host.
//
// For tests and other pages: window.playground.run(source) -> Promise of
// {stdout, svg, player, ok} (svg and player are "" when the program showed no Value).

import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance as graphvizInstance } from "./viz/viz.js";

const here = new URL(".", import.meta.url);

async function fetchFile(name, kind) {
  const response = await fetch(new URL(name, here));
  if (!response.ok) throw new Error(`the playground could not load ${name}: HTTP ${response.status}`);
  return kind === "json" ? response.json() : kind === "text" ? response.text() : response.arrayBuffer();
}

async function boot() {
  const started = performance.now();
  const [pyodide, graphviz, manifest] = await Promise.all([
    loadPyodide({ indexURL: new URL("pyodide/", here).href }),
    graphvizInstance(),
    fetchFile("manifest.json", "json"),
  ]);
  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  const wheels = await Promise.all(manifest.wheels.map((name) => fetchFile(`wheels/${name}`)));
  for (const wheel of wheels) pyodide.unpackArchive(wheel, "wheel", { extractDir: sitePackages });
  pyodide.registerJsModule("tge_browser", {
    render: (source, engine) => graphviz.renderString(source, { format: "svg", engine }),
  });
  pyodide.runPython(await fetchFile("bootstrap.py", "text"), { filename: "bootstrap.py" });
  const runProgram = pyodide.globals.get("run_program");
  return { runProgram, manifest, seconds: (performance.now() - started) / 1000 };
}

let booting = null;
function ready() {
  if (booting === null) booting = boot();
  return booting;
}

async function run(source) {
  const { runProgram } = await ready();
  const result = runProgram(String(source));
  try {
    return result.toJs({ dict_converter: Object.fromEntries });
  } finally {
    result.destroy();
  }
}

// ----- the page ------------------------------------------------------------------------------

function element(tag, attributes = {}, text = "") {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  if (text) made.textContent = text;
  return made;
}

function build(root) {
  const parts = {
    examples: element("select", { class: "tge-pg-examples", "aria-label": "Example programs" }),
    run: element("button", { class: "tge-pg-run md-button md-button--primary", type: "button" }, "Run"),
    status: element("span", { class: "tge-pg-status", role: "status" }, "Loading Python…"),
    source: element("textarea", { class: "tge-pg-source", spellcheck: "false", "aria-label": "Program", rows: "16" }),
    output: element("pre", { class: "tge-pg-output", "aria-label": "Printed output" }),
    graph: element("div", { class: "tge-pg-graph", "aria-label": "Graph of the shown Value" }),
    player: element("iframe", { class: "tge-pg-player", title: "Backward pass, step by step", hidden: "" }),
  };
  const bar = element("div", { class: "tge-pg-bar" });
  bar.append(parts.examples, parts.run, parts.status);
  root.append(
    bar,
    parts.source,
    element("h3", {}, "Printed"),
    parts.output,
    element("h3", {}, "Graph (local derivative on every edge)"),
    parts.graph,
    element("h3", {}, "Backward pass, one node at a time"),
    parts.player,
  );
  return parts;
}

function indentOnTab(event) {
  if (event.key !== "Tab" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
  event.preventDefault();
  const box = event.target;
  box.setRangeText("    ", box.selectionStart, box.selectionEnd, "end");
}

function fitPlayer(frame) {
  const body = frame.contentDocument && frame.contentDocument.body;
  if (body) frame.style.height = `${body.scrollHeight + 24}px`;
}

function showResult(parts, result) {
  parts.output.textContent = result.stdout || "(nothing printed)";
  parts.output.classList.toggle("tge-pg-failed", !result.ok);
  parts.graph.innerHTML = result.svg || "<p>Call <code>show(v)</code> on a Value to see its graph here.</p>";
  if (result.player) {
    parts.player.hidden = false;
    parts.player.onload = () => fitPlayer(parts.player);
    parts.player.srcdoc = result.player;
  } else {
    parts.player.hidden = true;
    parts.player.removeAttribute("srcdoc");
  }
}

let loaded = false; // Python, the wheels and Graphviz are ready

async function runFromPage(parts) {
  parts.run.disabled = true;
  const first = !loaded;
  const started = performance.now();
  parts.status.textContent = first ? "Loading Python and Graphviz (the first run only)…" : "Running…";
  try {
    const result = await run(parts.source.value);
    showResult(parts, result);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    parts.status.textContent = first ? `Done in ${seconds} s (with loading Python).` : `Done in ${seconds} s.`;
  } catch (error) {
    parts.output.textContent = String(error && error.message ? error.message : error);
    parts.output.classList.add("tge-pg-failed");
    parts.status.textContent = "The playground could not run the program.";
    console.error(error);
  } finally {
    parts.run.disabled = false;
  }
}

async function loadExamples(parts) {
  const manifest = await fetchFile("manifest.json", "json");
  const texts = await Promise.all(manifest.examples.map((example) => fetchFile(`examples/${example.file}`, "text")));
  manifest.examples.forEach((example, i) => {
    const option = element("option", { value: String(i) }, example.title);
    option.dataset.source = texts[i];
    parts.examples.append(option);
  });
  parts.source.value = texts[0] || "";
  parts.examples.addEventListener("change", () => {
    parts.source.value = parts.examples.selectedOptions[0].dataset.source;
  });
}

function start() {
  const root = document.getElementById("tge-playground");
  if (root === null) return;
  const parts = build(root);
  parts.source.addEventListener("keydown", indentOnTab);
  parts.source.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) runFromPage(parts);
  });
  parts.run.addEventListener("click", () => runFromPage(parts));
  loadExamples(parts).catch((error) => {
    parts.status.textContent = String(error.message || error);
    console.error(error);
  });
  root.dataset.ready = "1";
  // Load Python as soon as the page is shown, so the first Run does not wait as long.
  ready().then(
    ({ seconds }) => {
      loaded = true;
      if (!parts.run.disabled) parts.status.textContent = `Python is ready (loaded in ${seconds.toFixed(1)} s).`;
    },
    (error) => {
      parts.status.textContent = `Python could not be loaded: ${error.message || error}`;
      console.error(error);
    },
  );
}

window.playground = { run, ready: () => ready().then(({ seconds }) => ({ seconds })) };
start();

// The playground: a program box, Run and Stop buttons, and below them what the program
// printed, the graph of the last Value it passed to show() or draw_dot(), and the step
// player of that Value's backward pass. Python runs in a Web Worker (python-worker.js), so
// the page answers while a program runs; Stop ends the worker and starts a fresh one.
// Every file the playground loads sits next to this one, so the page works offline and
// from any static host.
//
// Why Stop ends the worker instead of raising KeyboardInterrupt in it: Pyodide's interrupt
// buffer is a SharedArrayBuffer, which a page only gets when its server sends the
// cross-origin isolation headers (COOP and COEP); a static host of these pages may send
// none. Ending the worker works everywhere, and the fresh Python is ready in a few seconds.
//
// For tests and other pages: window.playground.run(source) -> Promise of
// {stdout, svg, player, ok, stopped} (svg and player are "" when the program showed no
// Value; stopped is true when stop() ended the run, and stdout is then what it printed
// until then); window.playground.stop() -> true when it ended a run (Python restarts);
// window.playground.ready() -> Promise of {seconds} Python took to load.

const here = new URL(".", import.meta.url);
const KEPT_PRINTED_CHARS = 200000; // of a run's printed text, the page keeps the end

async function fetchFile(name, kind) {
  const response = await fetch(new URL(name, here));
  if (!response.ok) throw new Error(`the playground could not load ${name}: HTTP ${response.status}`);
  return kind === "json" ? response.json() : response.text();
}

// ----- Python, in its worker ----------------------------------------------------------------

let python = null; // {worker, ready: Promise of {seconds}, runs: Map of id -> pending run}
let lastRunId = 0;

function keepEnd(text) {
  return text.length > KEPT_PRINTED_CHARS ? text.slice(text.length - KEPT_PRINTED_CHARS) : text;
}

function settleRun(session, id, settle) {
  const pending = session.runs.get(id);
  if (pending === undefined) return; // stopped meanwhile
  session.runs.delete(id);
  settle(pending);
}

function receive(session, message, bootDone) {
  switch (message.kind) {
    case "ready":
      bootDone.resolve({ seconds: message.seconds });
      break;
    case "failed":
      bootDone.reject(new Error(`Python could not be loaded: ${message.message}`));
      break;
    case "printed": {
      const pending = session.runs.get(message.id);
      if (pending === undefined) return;
      pending.printed = keepEnd(pending.printed + message.text);
      pending.onPrinted(message.text);
      break;
    }
    case "result":
      settleRun(session, message.id, (pending) => pending.resolve({ ...message.result, stopped: false }));
      break;
    case "error":
      settleRun(session, message.id, (pending) => pending.reject(new Error(message.message)));
      break;
  }
}

function workerFailed(session, bootDone, event) {
  event.preventDefault(); // reported here, through the runs' promises, not as an uncaught error
  const error = new Error(`the Python worker stopped: ${event.message || "python-worker.js could not be loaded"}`);
  bootDone.reject(error);
  for (const pending of session.runs.values()) pending.reject(error);
  session.runs.clear();
  if (python === session) python = null; // the next run starts a new worker
}

function startPython() {
  const worker = new Worker(new URL("python-worker.js", import.meta.url), { type: "module", name: "Python" });
  const session = { worker, runs: new Map() };
  const bootDone = {};
  session.ready = new Promise((resolve, reject) => Object.assign(bootDone, { resolve, reject }));
  session.ready.catch(() => {}); // whoever waits for it is told; no unhandled rejection besides
  worker.onmessage = (event) => receive(session, event.data, bootDone);
  worker.onerror = (event) => workerFailed(session, bootDone, event);
  python = session;
  return session;
}

function ready() {
  return (python || startPython()).ready;
}

// Runs wait in the worker while Python loads; each one is read after the previous ended.
function run(source, { onPrinted = () => {} } = {}) {
  const session = python || startPython();
  lastRunId += 1;
  const id = lastRunId;
  return new Promise((resolve, reject) => {
    session.runs.set(id, { resolve, reject, onPrinted, printed: "" });
    session.worker.postMessage({ kind: "run", id, source: String(source) });
  });
}

function stop() {
  const session = python;
  if (session === null || session.runs.size === 0) return false;
  session.worker.terminate();
  for (const pending of session.runs.values()) {
    pending.resolve({ stdout: pending.printed, svg: "", player: "", ok: false, stopped: true });
  }
  session.runs.clear();
  startPython();
  return true;
}

// ----- the page ------------------------------------------------------------------------------

const LONG_RUN_SECONDS = 10; // after this long the status offers Stop

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
    stop: element("button", { class: "tge-pg-stop md-button", type: "button", disabled: "" }, "Stop"),
    status: element("span", { class: "tge-pg-status", role: "status" }, "Loading Python…"),
    source: element("textarea", { class: "tge-pg-source", spellcheck: "false", "aria-label": "Program", rows: "16" }),
    output: element("pre", { class: "tge-pg-output", "aria-label": "Printed output" }),
    graph: element("div", { class: "tge-pg-graph", "aria-label": "Graph of the shown Value" }),
    player: element("iframe", { class: "tge-pg-player", title: "Backward pass, step by step", hidden: "" }),
  };
  const bar = element("div", { class: "tge-pg-bar" });
  bar.append(parts.examples, parts.run, parts.stop, parts.status);
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
  parts.root = root;
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

function showPictures(parts, result) {
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

function showResult(parts, result, seconds) {
  let printed = result.stdout || (result.stopped ? "" : "(nothing printed)");
  if (result.stopped) {
    printed += `${printed && !printed.endsWith("\n") ? "\n" : ""}[Stopped after ${seconds} s. Python was restarted:`;
    printed += " nothing of the stopped run is kept.]";
  }
  parts.output.textContent = printed;
  parts.output.classList.toggle("tge-pg-failed", !result.ok);
  showPictures(parts, result);
}

// The visible state: "running" (Run is off, Stop is on, the output is marked) or "idle".
function setRunning(parts, running) {
  parts.root.dataset.state = running ? "running" : "idle";
  parts.run.disabled = running;
  parts.run.textContent = running ? "Running…" : "Run";
  parts.stop.disabled = !running;
  parts.output.classList.toggle("tge-pg-running", running);
}

let loaded = false; // the current Python worker has loaded Python, the wheels and Graphviz

// The status line while a program runs: the seconds so far, and after a while, Stop.
function tickWhileRunning(parts, started, first) {
  const seconds = Math.floor((performance.now() - started) / 1000);
  if (first && !loaded) parts.status.textContent = "Loading Python and Graphviz (the first run only)…";
  else if (seconds >= LONG_RUN_SECONDS) parts.status.textContent = `Still running after ${seconds} s: Stop ends it.`;
  else parts.status.textContent = seconds > 0 ? `Running… ${seconds} s` : "Running…";
}

async function runFromPage(parts) {
  if (parts.run.disabled) return;
  const first = !loaded;
  const started = performance.now();
  setRunning(parts, true);
  parts.output.textContent = "";
  parts.output.classList.remove("tge-pg-failed");
  tickWhileRunning(parts, started, first);
  const ticking = setInterval(() => tickWhileRunning(parts, started, first), 250);
  const onPrinted = (text) => {
    parts.output.textContent = keepEnd(parts.output.textContent + text);
  };
  try {
    const result = await run(parts.source.value, { onPrinted });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    showResult(parts, result, seconds);
    if (result.stopped) {
      parts.status.textContent = "Stopped. Restarting Python…";
      watchPython(parts, "Python is ready again");
    } else {
      parts.status.textContent = first ? `Done in ${seconds} s (with loading Python).` : `Done in ${seconds} s.`;
    }
  } catch (error) {
    parts.output.textContent = String(error && error.message ? error.message : error);
    parts.output.classList.add("tge-pg-failed");
    parts.status.textContent = "The playground could not run the program.";
    console.error(error);
  } finally {
    clearInterval(ticking);
    setRunning(parts, false);
  }
}

// Wait for the current worker's Python; say when it is ready (unless a run is going on).
function watchPython(parts, saying) {
  loaded = false;
  const session = python || startPython();
  session.ready.then(
    ({ seconds }) => {
      if (python !== session) return; // stopped meanwhile: the next worker's watch speaks
      loaded = true;
      if (!parts.run.disabled) parts.status.textContent = `${saying} (loaded in ${seconds.toFixed(1)} s).`;
    },
    (error) => {
      if (python !== session && python !== null) return;
      parts.status.textContent = String(error.message || error);
      console.error(error);
    },
  );
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
  setRunning(parts, false);
  parts.source.addEventListener("keydown", indentOnTab);
  parts.source.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) runFromPage(parts);
  });
  parts.run.addEventListener("click", () => runFromPage(parts));
  parts.stop.addEventListener("click", () => stop());
  loadExamples(parts).catch((error) => {
    parts.status.textContent = String(error.message || error);
    console.error(error);
  });
  root.dataset.ready = "1";
  // Load Python as soon as the page is shown, so the first Run does not wait as long.
  watchPython(parts, "Python is ready");
}

window.playground = { run: (source) => run(source), stop, ready: () => ready().then(({ seconds }) => ({ seconds })) };
start();

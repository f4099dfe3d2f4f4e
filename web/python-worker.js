// The playground's Python, in a Web Worker of its own (a module worker), so that a long or
// endless program never stops the page from answering: the page stops a run by ending this
// worker and starting a new one. Python is Pyodide's core; tinygrad_edu and its pure-Python
// dependencies are wheels of this site, unpacked into Pyodide's site-packages; the pictures
// are drawn here too, by Graphviz compiled to WebAssembly (@viz-js/viz), because Python asks
// for them synchronously (draw_dot(v).svg() inside a program) and a worker cannot wait for
// an answer from the page. Every file it loads sits next to this one.
//
// Messages. From the page: {kind: "run", id, source}. To the page: {kind: "ready", seconds}
// once Python is loaded, {kind: "failed", message} when it could not be, {kind: "printed",
// id, text} while a program prints, and {kind: "result", id, result} or {kind: "error", id,
// message} when a run is over.

import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance as graphvizInstance } from "./viz/viz.js";

const here = new URL(".", import.meta.url);

async function fetchFile(name, kind) {
  const response = await fetch(new URL(name, here));
  if (!response.ok) throw new Error(`the playground could not load ${name}: HTTP ${response.status}`);
  return kind === "json" ? response.json() : kind === "text" ? response.text() : response.arrayBuffer();
}

let runningId = null; // the run whose printed text goes to the page

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
    printed: (text) => self.postMessage({ kind: "printed", id: runningId, text }),
  });
  pyodide.runPython(await fetchFile("bootstrap.py", "text"), { filename: "bootstrap.py" });
  return { runProgram: pyodide.globals.get("run_program"), seconds: (performance.now() - started) / 1000 };
}

const booting = boot();
booting.then(
  ({ seconds }) => self.postMessage({ kind: "ready", seconds }),
  (error) => self.postMessage({ kind: "failed", message: String(error && error.message ? error.message : error) }),
);

// Runs arrive one message at a time and each runs to its end before the next is read.
self.onmessage = async (event) => {
  const { id, source } = event.data;
  try {
    const { runProgram } = await booting;
    runningId = id;
    const proxy = runProgram(String(source));
    try {
      self.postMessage({ kind: "result", id, result: proxy.toJs({ dict_converter: Object.fromEntries }) });
    } finally {
      proxy.destroy();
    }
  } catch (error) {
    self.postMessage({ kind: "error", id, message: String(error && error.message ? error.message : error) });
  } finally {
    runningId = null;
  }
};

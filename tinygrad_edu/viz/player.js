// The step-by-step player of tinygrad_edu.player: one picture of the graph, whose
// texts and colours change with the step. Python embeds the picture (SVG) and the
// steps (JSON) in the page; this script fetches nothing.
//
// In the picture, the box of the Value at position i of the topological order has
// the title "vi", the oval of the operation that made it "opi", and the arrows are
// titled "vj->opi" (operand j into that operation) and "opi->vi".

function setUpPlayer(root) {
  if (!root || root.getAttribute("data-ready") === "1") return;  // already set up
  root.setAttribute("data-ready", "1");

  var data = JSON.parse(root.querySelector("script.tge-data").textContent);
  var graph = root.querySelector(".tge-graph");
  var svg = graph.querySelector("svg");
  var writeup = root.querySelector(".tge-writeup");
  var legend = root.querySelector(".tge-legend");
  var slider = root.querySelector(".tge-slider");
  var counter = root.querySelector(".tge-counter");
  var playButton = root.querySelector(".tge-play");
  var prevButton = root.querySelector(".tge-prev");
  var nextButton = root.querySelector(".tge-next");
  var firstButton = root.querySelector(".tge-first");
  var fit = root.querySelector(".tge-fit");
  var modeButtons = root.querySelectorAll(".tge-mode");

  // ----- find the parts of the picture -----
  var boxes = {}, ovals = {}, arrowsIn = {}, arrowsOut = {};
  svg.querySelectorAll("g.node").forEach(function (g) {
    var match = /^(v|op)(\d+)$/.exec(g.querySelector("title").textContent.trim());
    if (!match) return;
    if (match[1] === "v") {
      var texts = g.querySelectorAll("text");  // label, data, grad: the last two are the numbers
      boxes[match[2]] = { g: g, data: texts[texts.length - 2], grad: texts[texts.length - 1] };
      g.setAttribute("data-value", "v" + match[2]);
    } else {
      ovals[match[2]] = g;
    }
  });
  svg.querySelectorAll("g.edge").forEach(function (g) {
    var name = g.querySelector("title").textContent.trim();
    var match = /^v(\d+)->op(\d+)$/.exec(name);
    if (match) {
      (arrowsIn[match[2]] = arrowsIn[match[2]] || []).push({ g: g, label: g.querySelector("text") });
      return;
    }
    match = /^op(\d+)->v(\d+)$/.exec(name);
    if (match) arrowsOut[match[1]] = g;
  });

  var mode = data.modes[data.direction];
  var step = 0;
  var timer = null;
  var count = mode.steps.length;

  function fieldAt(timeline, k) {
    // The timeline lists [from step, text, class]; the last entry that has started wins.
    var entry = timeline[0];
    for (var t = 1; t < timeline.length && timeline[t][0] <= k; t++) entry = timeline[t];
    return entry;
  }

  function setText(element, entry) {
    if (!element) return;
    element.textContent = entry[1];
    element.classList.remove("tge-unknown", "tge-partial");
    if (entry[2]) element.classList.add(entry[2]);
  }

  function clearMarks() {
    root.querySelectorAll(".tge-current, .tge-target, .tge-done, .tge-active").forEach(function (el) {
      el.classList.remove("tge-current", "tge-target", "tge-done", "tge-active");
    });
  }

  function paragraph(text, className) {
    var p = document.createElement("p");
    p.textContent = text;
    if (className) p.className = className;
    return p;
  }

  function writeStep(k) {
    writeup.textContent = "";
    writeup.setAttribute("data-mode", mode.name);
    writeup.setAttribute("data-step", String(k));
    if (k === 0) {
      writeup.removeAttribute("data-node");
      writeup.removeAttribute("data-value");
      writeup.appendChild(paragraph(mode.heading + ": step 0 of " + count, "tge-step-title"));
      mode.start.forEach(function (text) { writeup.appendChild(paragraph(text)); });
      return;
    }
    var s = mode.steps[k - 1];
    writeup.setAttribute("data-node", s.id);
    writeup.setAttribute("data-value", String(s.value));
    writeup.appendChild(paragraph("Step " + k + " of " + count + ": " + s.title, "tge-step-title"));
    s.intro.forEach(function (text) { writeup.appendChild(paragraph(text)); });
    if (!s.lines.length) return;
    var list = document.createElement("ul");
    list.className = "tge-updates";
    s.lines.forEach(function (line) {
      var item = document.createElement("li");
      item.className = "tge-update";
      item.setAttribute("data-child", line.child);
      item.setAttribute("data-position", String(line.position));
      item.setAttribute("data-local", String(line.local));
      if (line.contribution !== undefined) item.setAttribute("data-contribution", String(line.contribution));
      var code = document.createElement("code");
      code.className = "tge-formula";
      code.textContent = line.text;
      item.appendChild(code);
      if (line.after) {
        var after = document.createElement("span");
        after.className = "tge-after";
        after.textContent = "  " + line.after;
        item.appendChild(after);
      }
      if (line.why) {
        var why = document.createElement("div");
        why.className = "tge-why";
        why.textContent = line.why;
        item.appendChild(why);
      }
      list.appendChild(item);
    });
    writeup.appendChild(list);
  }

  function writeLegend() {
    legend.textContent = "";
    mode.legend.forEach(function (entry) {
      var item = document.createElement("span");
      item.className = "tge-key " + entry[0];
      item.textContent = entry[1];
      legend.appendChild(item);
    });
  }

  function show(k) {
    step = Math.max(0, Math.min(count, k));
    clearMarks();
    Object.keys(boxes).forEach(function (i) {
      var fields = mode.fields[i];
      setText(boxes[i].data, fieldAt(fields.data, step));
      setText(boxes[i].grad, fieldAt(fields.grad, step));
      if (mode.position[i] < step) boxes[i].g.classList.add("tge-done");
    });
    Object.keys(arrowsIn).forEach(function (i) {
      var hidden = mode.hideFutureLabels && mode.position[i] > step;
      arrowsIn[i].forEach(function (arrow) {
        if (arrow.label) arrow.label.style.visibility = hidden ? "hidden" : "";
      });
    });
    if (step > 0) {
      var s = mode.steps[step - 1];
      boxes[s.node].g.classList.add("tge-current");
      s.targets.forEach(function (j) { boxes[j].g.classList.add("tge-target"); });
      if (ovals[s.node]) ovals[s.node].classList.add("tge-active");
      (arrowsIn[s.node] || []).forEach(function (arrow) { arrow.g.classList.add("tge-active"); });
      if (arrowsOut[s.node]) arrowsOut[s.node].classList.add("tge-active");
      if (!fit.checked) scrollIntoView(boxes[s.node].g);
    } else if (!fit.checked) {
      showStart();
    }
    writeStep(step);
    slider.value = String(step);
    counter.textContent = "Step " + step + " of " + count;
    root.setAttribute("data-step", String(step));
    prevButton.disabled = step === 0;
    firstButton.disabled = step === 0;
    nextButton.disabled = step === count;
  }

  function showStart() {
    // Step 0 shows where the pass starts: the backward pass at the root (E, far right
    // in a left-to-right picture), the forward pass at the inputs (top left).
    var start = boxes[data.root.slice(1)];
    if (mode.name === "backward" && start) {
      scrollIntoView(start.g);
    } else {
      graph.scrollLeft = 0;
      graph.scrollTop = 0;
    }
  }

  function scrollIntoView(g) {
    // Scroll the picture (not the whole page) so that the current box is visible.
    var box = g.getBoundingClientRect(), area = graph.getBoundingClientRect();
    if (box.left < area.left || box.right > area.right) {
      graph.scrollLeft += box.left - area.left - (area.width - box.width) / 2;
    }
    if (box.top < area.top || box.bottom > area.bottom) {
      graph.scrollTop += box.top - area.top - (area.height - box.height) / 2;
    }
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    playButton.textContent = "▶ Play";
    root.classList.remove("tge-playing");
  }

  function play() {
    // data-interval (milliseconds between steps) lets a page or a test set the pace.
    var interval = parseInt(root.getAttribute("data-interval"), 10) || 1200;
    if (step === count) show(0);
    playButton.textContent = "Pause";
    root.classList.add("tge-playing");
    timer = setInterval(function () {
      if (step >= count) { stop(); return; }
      show(step + 1);
      if (step >= count) stop();
    }, interval);
  }

  function setMode(name) {
    stop();
    mode = data.modes[name];
    count = mode.steps.length;
    slider.max = String(count);
    modeButtons.forEach(function (button) {
      var on = button.getAttribute("data-mode") === name;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.classList.toggle("tge-pressed", on);
    });
    root.setAttribute("data-mode", name);
    root.querySelector(".tge-heading").textContent = mode.heading;
    writeLegend();
    show(0);
  }

  prevButton.addEventListener("click", function () { stop(); show(step - 1); });
  nextButton.addEventListener("click", function () { stop(); show(step + 1); });
  firstButton.addEventListener("click", function () { stop(); show(0); });
  playButton.addEventListener("click", function () { if (timer === null) play(); else stop(); });
  slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10)); });
  fit.addEventListener("change", function () {
    graph.classList.toggle("tge-fitted", fit.checked);
    show(step);
  });
  modeButtons.forEach(function (button) {
    button.addEventListener("click", function () { setMode(button.getAttribute("data-mode")); });
  });
  // The keys work while the player has the focus (click anywhere on it), so that in a
  // notebook they do not steal the notebook's own arrow keys.
  root.addEventListener("keydown", function (event) {
    if (event.target === slider) return;  // the slider moves itself with the arrow keys
    var key = event.key;
    if (key === "ArrowRight") { stop(); show(step + 1); }
    else if (key === "ArrowLeft") { stop(); show(step - 1); }
    else if (key === "Home") { stop(); show(0); }
    else if (key === "End") { stop(); show(count); }
    else return;
    event.preventDefault();
  });

  setMode(data.direction);
  if (root.hasAttribute("data-autofocus")) root.focus({ preventScroll: true });
}

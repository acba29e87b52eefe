// The outpainting canvas: pan and zoom a large canvas, drag a 1024×1024 frame
// so that it overlaps the picture, generate candidates for its empty part,
// keep one (the canvas grows on the server), repeat, export.
//
// Coordinates are "world" pixels: the stored picture's top-left corner sits
// at (origin_x, origin_y), and frames are placed in the same space.
(function () {
  "use strict";
  var root = document.getElementById("outpaint");
  if (!root) return;
  var st = JSON.parse(document.getElementById("canvas-state").textContent);
  var F = st.frame;
  var viewport = document.getElementById("viewport");
  var world = document.getElementById("world");
  var picture = document.getElementById("canvas-image");
  var frameEl = document.getElementById("gen-frame");
  var layer = document.getElementById("candidate-layer");
  var zoomLabel = document.getElementById("zoom-level");
  var form = document.getElementById("frame-form");
  var errorBox = document.getElementById("frame-error");
  var generateButton = document.getElementById("frame-generate");
  var panel = document.getElementById("candidates");
  var keepButton = document.getElementById("keep-button");
  var discardButton = document.getElementById("discard-button");
  var stateLabel = document.getElementById("candidate-state");
  var fill = document.getElementById("candidate-progress");

  var view = { x: 0, y: 0, z: 0.4 };
  var frame = { x: st.origin_x + Math.round(st.width / 2), y: st.origin_y };
  var locked = false;  // while candidates are shown, the frame stays where they belong

  function place(el, x, y, w, h) {
    el.style.left = x + "px"; el.style.top = y + "px"; el.style.width = w + "px"; el.style.height = h + "px";
  }
  function clampFrame() {
    // Keep at least a strip of the frame over the picture: a frame beside it has nothing to continue.
    var m = 64;
    frame.x = Math.round(Math.min(Math.max(frame.x, st.origin_x - F + m), st.origin_x + st.width - m));
    frame.y = Math.round(Math.min(Math.max(frame.y, st.origin_y - F + m), st.origin_y + st.height - m));
  }
  function render() {
    place(picture, st.origin_x, st.origin_y, st.width, st.height);
    place(frameEl, frame.x, frame.y, F, F);
    place(layer, frame.x, frame.y, F, F);
    world.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.z + ")";
    // The frame's outline and label keep the same size on screen at any zoom.
    frameEl.style.borderWidth = (3 / view.z) + "px";
    frameEl.style.setProperty("--label-scale", String(1 / view.z));
    zoomLabel.textContent = Math.round(view.z * 100) + "%";
    frameEl.setAttribute("aria-valuetext", "frame at " + (frame.x - st.origin_x) + ", " + (frame.y - st.origin_y) + " from the picture's top-left corner");
    frameEl.classList.toggle("locked", locked);
  }
  function fit() {
    var left = Math.min(st.origin_x, frame.x), top = Math.min(st.origin_y, frame.y);
    var right = Math.max(st.origin_x + st.width, frame.x + F), bottom = Math.max(st.origin_y + st.height, frame.y + F);
    var r = viewport.getBoundingClientRect(), pad = 0.08;
    var bw = (right - left) * (1 + 2 * pad), bh = (bottom - top) * (1 + 2 * pad);
    view.z = Math.min(r.width / bw, r.height / bh);
    view.x = (r.width - (right - left) * view.z) / 2 - left * view.z;
    view.y = (r.height - (bottom - top) * view.z) / 2 - top * view.z;
    render();
  }
  function zoomAt(factor, cx, cy) {
    var z = Math.min(4, Math.max(0.05, view.z * factor));
    view.x = cx - (cx - view.x) * z / view.z;
    view.y = cy - (cy - view.y) * z / view.z;
    view.z = z;
    render();
  }

  // Pan (background) and drag (frame) with pointers.
  var drag = null;
  viewport.addEventListener("pointerdown", function (e) {
    var onFrame = e.target === frameEl || frameEl.contains(e.target);
    if (onFrame && locked) return;
    viewport.setPointerCapture(e.pointerId);
    drag = { kind: onFrame ? "frame" : "pan", sx: e.clientX, sy: e.clientY, fx: frame.x, fy: frame.y, vx: view.x, vy: view.y };
    if (onFrame) frameEl.focus();
    viewport.classList.add(onFrame ? "dragging-frame" : "panning");
  });
  viewport.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var dx = e.clientX - drag.sx, dy = e.clientY - drag.sy;
    if (drag.kind === "pan") { view.x = drag.vx + dx; view.y = drag.vy + dy; }
    else { frame.x = drag.fx + dx / view.z; frame.y = drag.fy + dy / view.z; clampFrame(); }
    render();
  });
  function endDrag() { drag = null; viewport.classList.remove("dragging-frame", "panning"); }
  viewport.addEventListener("pointerup", endDrag);
  viewport.addEventListener("pointercancel", endDrag);
  viewport.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = viewport.getBoundingClientRect();
    zoomAt(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  frameEl.addEventListener("keydown", function (e) {
    var step = e.shiftKey ? 256 : 64;
    var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (!moves[e.key] || locked) return;
    e.preventDefault();
    frame.x += moves[e.key][0]; frame.y += moves[e.key][1];
    clampFrame(); render();
  });
  function center() { var r = viewport.getBoundingClientRect(); return [r.width / 2, r.height / 2]; }
  document.getElementById("zoom-in").addEventListener("click", function () { var c = center(); zoomAt(1.25, c[0], c[1]); });
  document.getElementById("zoom-out").addEventListener("click", function () { var c = center(); zoomAt(1 / 1.25, c[0], c[1]); });
  document.getElementById("zoom-fit").addEventListener("click", fit);
  window.addEventListener("resize", fit);

  function loadPicture(url) {
    return new Promise(function (resolve) {
      var next = new Image();
      next.onload = next.onerror = function () { picture.src = url; resolve(); };
      next.src = url;
    });
  }

  // Candidates.
  var strip = new Easel.CandidateStrip(document.getElementById("candidate-strip"), function (im) {
    layer.src = im.url;
    layer.hidden = false;
    keepButton.disabled = false;
  });
  function setBusy(busy) {
    generateButton.disabled = busy;
    generateButton.firstChild.textContent = busy ? "Working… " : "Generate ";
  }
  function follow(statusUrl) {
    locked = true;
    strip.reset();
    keepButton.disabled = true;
    panel.hidden = false;
    setBusy(true);
    render();
    Easel.poll(statusUrl, function (data) {
      stateLabel.textContent = data.status === "succeeded" ? "Pick a candidate (arrow keys switch), then keep it" : Easel.describe(data);
      fill.style.width = Easel.percent(data) + "%";
      data.images.slice(strip.items.length).forEach(function (im) { strip.add(im); });
      var done = data.status === "succeeded" || data.status === "failed";
      if (data.status === "failed") { Easel.showError(errorBox, { error: data.error }); closePanel(); }
      if (done) setBusy(false);
      return done;
    });
  }
  function closePanel() {
    panel.hidden = true;
    layer.hidden = true;
    layer.removeAttribute("src");
    locked = false;
    render();
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    errorBox.hidden = true;
    setBusy(true);
    var body = new FormData(form);
    body.append("x", frame.x);
    body.append("y", frame.y);
    Easel.post(root.dataset.frameUrl, body).then(function (reply) {
      if (!reply.ok) { setBusy(false); Easel.showError(errorBox, reply.data); return; }
      follow(reply.data.status_url);
    });
  });
  discardButton.addEventListener("click", closePanel);
  keepButton.addEventListener("click", function () {
    var im = strip.selected();
    if (!im) return;
    keepButton.disabled = true;
    var body = new FormData();
    body.append("image", im.id);
    Easel.post(root.dataset.keepUrl, body).then(function (reply) {
      if (!reply.ok) { keepButton.disabled = false; Easel.showError(errorBox, reply.data); return; }
      st = reply.data;
      loadPicture(st.url).then(function () {
        closePanel();
        // Suggest the next frame further along the same side.
        frame.x += frame.x > st.origin_x ? F / 2 : frame.x < st.origin_x ? -F / 2 : 0;
        clampFrame();
        fit();
        root.dataset.version = st.version;
      });
    });
  });

  picture.src = st.url;
  root.dataset.version = st.version;
  if (root.dataset.pendingStatusUrl) {
    frame.x = parseInt(root.dataset.pendingX, 10); frame.y = parseInt(root.dataset.pendingY, 10);
    fit();
    follow(root.dataset.pendingStatusUrl);
  } else {
    fit();
  }
})();

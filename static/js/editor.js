// The editor (inpainting): erase with a brush, describe the whole new picture,
// pick one of three candidates shown over the original, and keep it.
//
// The image is drawn into a canvas for display only; the mask sent to the
// server is drawn from the recorded strokes on a separate canvas, so it works
// even when the image comes from another origin (a presigned S3 URL).
(function () {
  "use strict";
  var root = document.getElementById("editor");
  if (!root) return;
  var W = parseInt(root.dataset.width, 10), H = parseInt(root.dataset.height, 10);
  var canvas = document.getElementById("edit-canvas");
  var ctx = canvas.getContext("2d");
  var stage = document.getElementById("edit-stage");
  var cursor = document.getElementById("brush-cursor");
  var sizeInput = document.getElementById("brush-size");
  var sizeOut = document.getElementById("brush-size-value");
  var undoButton = document.getElementById("undo-button");
  var redoButton = document.getElementById("redo-button");
  var clearButton = document.getElementById("erase-all-button");
  var form = document.getElementById("edit-form");
  var errorBox = document.getElementById("edit-error");
  var generateButton = document.getElementById("edit-generate");
  var panel = document.getElementById("candidates");
  var candidateView = document.getElementById("candidate-view");
  var compareButton = document.getElementById("compare-button");
  var keepButton = document.getElementById("keep-button");
  var discardButton = document.getElementById("discard-button");
  var stateLabel = document.getElementById("candidate-state");
  var fill = document.getElementById("candidate-progress");

  canvas.width = W; canvas.height = H;
  var image = new Image();
  var strokes = [], redo = [], current = null;
  var showingOriginal = false;  // "Show the original": the image as it was, before erasing

  function scale() { return W / canvas.getBoundingClientRect().width; }

  function drawStroke(c, s) {
    c.save();
    c.globalCompositeOperation = "destination-out";
    c.lineCap = "round"; c.lineJoin = "round"; c.lineWidth = s.size;
    c.strokeStyle = "#000"; c.fillStyle = "#000";
    if (s.points.length === 1) {
      c.beginPath(); c.arc(s.points[0][0], s.points[0][1], s.size / 2, 0, Math.PI * 2); c.fill();
    } else {
      c.beginPath(); c.moveTo(s.points[0][0], s.points[0][1]);
      for (var i = 1; i < s.points.length; i++) c.lineTo(s.points[i][0], s.points[i][1]);
      c.stroke();
    }
    c.restore();
  }

  function redraw() {
    ctx.globalCompositeOperation = "source-over";
    ctx.clearRect(0, 0, W, H);
    if (image.complete && image.naturalWidth) ctx.drawImage(image, 0, 0, W, H);
    if (!showingOriginal) strokes.forEach(function (s) { drawStroke(ctx, s); });
    if (current) drawStroke(ctx, current);
    undoButton.disabled = !strokes.length;
    redoButton.disabled = !redo.length;
    root.dataset.strokes = strokes.length;
  }

  image.onload = redraw;
  image.src = root.dataset.imageUrl;

  function point(e) {
    var r = canvas.getBoundingClientRect();
    return [Math.round((e.clientX - r.left) * W / r.width), Math.round((e.clientY - r.top) * H / r.height)];
  }
  function showCursor(e) {
    var r = stage.getBoundingClientRect(), d = parseInt(sizeInput.value, 10);
    cursor.style.width = cursor.style.height = d + "px";
    cursor.style.transform = "translate(" + (e.clientX - r.left - d / 2) + "px," + (e.clientY - r.top - d / 2) + "px)";
    cursor.hidden = false;
  }
  canvas.addEventListener("pointerdown", function (e) {
    if (!panel.hidden) return;
    canvas.setPointerCapture(e.pointerId);
    current = { size: Math.max(1, Math.round(parseInt(sizeInput.value, 10) * scale())), points: [point(e)] };
    redraw();
  });
  canvas.addEventListener("pointermove", function (e) {
    showCursor(e);
    if (!current) return;
    current.points.push(point(e));
    redraw();
  });
  function endStroke() {
    if (!current) return;
    strokes.push(current); current = null; redo = [];
    redraw();
  }
  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);
  canvas.addEventListener("pointerleave", function () { cursor.hidden = true; });

  // The keyboard: with the image focused, arrow keys move the brush (Shift: further)
  // and Space erases under it, so the eraser works without a pointer too.
  var key = { x: Math.round(W / 2), y: Math.round(H / 2) };
  function showKeyCursor() {
    var r = canvas.getBoundingClientRect();
    showCursor({ clientX: r.left + key.x * r.width / W, clientY: r.top + key.y * r.height / H });
  }
  canvas.tabIndex = 0;
  canvas.addEventListener("focus", showKeyCursor);
  canvas.addEventListener("blur", function () { cursor.hidden = true; });
  canvas.addEventListener("keydown", function (e) {
    if (!panel.hidden) return;
    var step = (e.shiftKey ? 32 : 8) * Math.max(1, Math.round(scale()));
    var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) {
      e.preventDefault();
      key.x = Math.min(W, Math.max(0, key.x + moves[e.key][0]));
      key.y = Math.min(H, Math.max(0, key.y + moves[e.key][1]));
      showKeyCursor();
    } else if (e.key === " " || e.key === "Enter") {
      e.preventDefault();
      strokes.push({ size: Math.max(1, Math.round(parseInt(sizeInput.value, 10) * scale())), points: [[key.x, key.y]] });
      redo = [];
      redraw();
    }
  });

  sizeInput.addEventListener("input", function () { sizeOut.textContent = sizeInput.value; });
  function undo() { if (strokes.length) { redo.push(strokes.pop()); redraw(); } }
  function redoStroke() { if (redo.length) { strokes.push(redo.pop()); redraw(); } }
  undoButton.addEventListener("click", undo);
  redoButton.addEventListener("click", redoStroke);
  clearButton.addEventListener("click", function () { if (strokes.length) { redo = strokes.reverse(); strokes = []; redraw(); } });
  document.addEventListener("keydown", function (e) {
    if (!(e.ctrlKey || e.metaKey) || e.target.tagName === "TEXTAREA") return;
    var k = e.key.toLowerCase();
    if (k === "z" && !e.shiftKey) { e.preventDefault(); undo(); }
    else if ((k === "z" && e.shiftKey) || k === "y") { e.preventDefault(); redoStroke(); }
  });

  // The mask: opaque everywhere, transparent where erased (OpenAI's convention).
  function maskBlob() {
    var m = document.createElement("canvas");
    m.width = W; m.height = H;
    var c = m.getContext("2d");
    c.fillStyle = "#000"; c.fillRect(0, 0, W, H);
    strokes.forEach(function (s) { drawStroke(c, s); });
    return new Promise(function (resolve) { m.toBlob(resolve, "image/png"); });
  }

  var strip = new Easel.CandidateStrip(document.getElementById("candidate-strip"), function (im) {
    candidateView.src = im.url;
    candidateView.hidden = compareButton.getAttribute("aria-pressed") === "true";
    keepButton.disabled = false;
    compareButton.disabled = false;
  });

  function setBusy(busy) {
    generateButton.disabled = busy;
    generateButton.firstChild.textContent = busy ? "Working… " : "Generate ";
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    errorBox.hidden = true;
    if (!strokes.length) { Easel.showError(errorBox, { error: "Erase the part of the image you want to repaint first." }); return; }
    setBusy(true);
    maskBlob().then(function (blob) {
      var body = new FormData();
      body.append("prompt", form.querySelector("textarea[name=prompt]").value);
      body.append("mask", blob, "mask.png");
      return Easel.post(root.dataset.submitUrl, body);
    }).then(function (reply) {
      if (!reply.ok) { setBusy(false); Easel.showError(errorBox, reply.data); return; }
      strip.reset();
      keepButton.disabled = true; compareButton.disabled = true;
      panel.hidden = false;
      stage.classList.add("reviewing");
      Easel.poll(reply.data.status_url, function (data) {
        stateLabel.textContent = data.status === "succeeded" ? "Pick the one you like (arrow keys switch)" : Easel.describe(data);
        fill.style.width = Easel.percent(data) + "%";
        data.images.slice(strip.items.length).forEach(function (im) { strip.add(im); });
        if (data.status === "failed") { Easel.showError(errorBox, { error: data.error }); closePanel(); }
        var done = data.status === "succeeded" || data.status === "failed";
        if (done) setBusy(false);
        return done;
      });
    });
  });

  function closePanel() {
    panel.hidden = true;
    showingOriginal = false;
    compareButton.setAttribute("aria-pressed", "false");
    compareButton.textContent = "Show the original";
    redraw();
    candidateView.hidden = true;
    stage.classList.remove("reviewing");
  }
  discardButton.addEventListener("click", closePanel);
  compareButton.addEventListener("click", function () {
    var on = compareButton.getAttribute("aria-pressed") !== "true";
    compareButton.setAttribute("aria-pressed", on ? "true" : "false");
    compareButton.textContent = on ? "Show the candidate" : "Show the original";
    candidateView.hidden = on;
    showingOriginal = on;
    redraw();
  });
  keepButton.addEventListener("click", function () {
    var im = strip.selected();
    if (!im) return;
    keepButton.disabled = true;
    var url = root.dataset.keepUrlTemplate.replace("00000000-0000-0000-0000-000000000000", im.id);
    Easel.post(url, new FormData()).then(function (reply) {
      if (reply.ok) window.location.href = reply.data.detail_url;
      else { keepButton.disabled = false; Easel.showError(errorBox, reply.data); }
    });
  });
})();

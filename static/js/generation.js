// A generation's page: polls its status and shows images as they arrive.
(function () {
  "use strict";
  var root = document.getElementById("generation");
  if (!root) return;
  var url = root.dataset.statusUrl;
  var grid = document.getElementById("image-grid");
  var state = document.getElementById("state");
  var fill = document.getElementById("progress-fill");
  var failure = document.getElementById("failure");
  var shown = {};
  var STAGES = { starting: "Starting", prior: "Imagining", decoder: "Drawing", super_res_256: "Adding detail", super_res_1024: "Adding fine detail", done: "Done" };

  function render(data) {
    if (data.status === "queued") state.textContent = "Waiting in the queue…";
    else if (data.status === "running") {
      var label = STAGES[data.stage] || data.stage || "Working";
      state.textContent = label + (data.total ? " — step " + data.step + " of " + data.total : "…");
      fill.style.width = (data.total ? Math.round(100 * data.step / data.total) : 5) + "%";
    } else if (data.status === "succeeded") {
      state.textContent = data.hidden ? "Done — " + data.hidden + " image(s) hidden by our content policy" : "Done";
      fill.style.width = "100%";
    } else if (data.status === "failed") {
      state.textContent = "Failed";
      failure.textContent = data.error;
      failure.hidden = false;
      grid.querySelectorAll(".tile.pending").forEach(function (t) { t.classList.add("failed"); });
    }
    data.images.forEach(function (im) {
      if (shown[im.index]) return;
      var tile = grid.querySelector('.tile[data-index="' + im.index + '"]');
      if (!tile) return;
      var link = document.createElement("a");
      link.href = im.url;
      link.target = "_blank";
      var img = document.createElement("img");
      img.src = im.url;
      img.alt = "Generated image " + (im.index + 1);
      img.loading = "lazy";
      link.appendChild(img);
      tile.replaceChildren(link);
      tile.classList.remove("pending");
      tile.classList.add("ready");
      shown[im.index] = true;
    });
    if (data.status === "succeeded") {
      grid.querySelectorAll(".tile.pending").forEach(function (t) { t.remove(); });
    }
    return data.status === "succeeded" || data.status === "failed";
  }

  function poll(delay) {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (!render(data)) setTimeout(function () { poll(1000); }, delay); })
      .catch(function () { setTimeout(function () { poll(Math.min(delay * 2, 8000)); }, delay); });
  }
  poll(800);
})();

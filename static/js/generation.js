// A generation's page: polls its status and fills the grid as images arrive.
(function () {
  "use strict";
  var root = document.getElementById("generation");
  if (!root) return;
  var url = root.dataset.statusUrl;
  var grid = document.getElementById("image-grid");
  var state = document.getElementById("state");
  var fill = document.getElementById("progress-fill");
  var failure = document.getElementById("failure");
  var progress = document.getElementById("progress");
  var shown = {};
  var prompt = (document.querySelector(".prompt-title") || {}).textContent || "Generated image";

  function render(data) {
    state.textContent = Easel.describe(data);
    fill.style.width = Easel.percent(data) + "%";
    if (data.status === "failed") {
      failure.textContent = data.error;
      failure.hidden = false;
      grid.querySelectorAll(".tile.pending").forEach(function (t) { t.classList.add("failed"); });
    }
    data.images.forEach(function (im) {
      if (shown[im.index]) return;
      var tile = grid.querySelector('.tile[data-index="' + im.index + '"]');
      if (!tile) return;
      var link = document.createElement("a");
      link.href = im.detail_url;
      var img = document.createElement("img");
      img.src = im.url;
      img.alt = prompt.trim() + " (" + (im.index + 1) + ")";
      link.appendChild(img);
      tile.replaceChildren(link);
      tile.classList.remove("pending");
      tile.classList.add("ready");
      shown[im.index] = true;
    });
    var meta = document.getElementById("generation-meta");
    if (data.model && meta && !meta.dataset.model) {
      meta.dataset.model = data.model;
      meta.textContent += " · " + data.model;
    }
    if (data.status === "succeeded") {
      grid.querySelectorAll(".tile.pending").forEach(function (t) { t.remove(); });
      progress.classList.add("done");
    }
    return data.status === "succeeded" || data.status === "failed";
  }

  Easel.poll(url, render);
})();

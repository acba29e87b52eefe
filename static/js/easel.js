// Shared helpers of the studio pages (no framework, no build step).
var Easel = (function () {
  "use strict";
  var STAGES = { starting: "Starting", prior: "Imagining", decoder: "Drawing", super_res_256: "Adding detail",
                 super_res_1024: "Adding fine detail", done: "Done" };

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Stage and step of a status payload, in words.
  function describe(data) {
    if (data.status === "queued") return "Waiting in the queue…";
    if (data.status === "running") {
      var label = STAGES[data.stage] || data.stage || "Working";
      return label + (data.total ? " — step " + data.step + " of " + data.total : "…");
    }
    if (data.status === "succeeded") {
      return data.hidden ? "Done — " + data.hidden + " image(s) hidden by our content policy" : "Done";
    }
    return "Failed";
  }

  function percent(data) {
    if (data.status === "succeeded") return 100;
    if (data.status !== "running") return 2;
    var stages = ["starting", "prior", "decoder", "super_res_256", "super_res_1024"];
    var i = Math.max(0, stages.indexOf(data.stage));
    var within = data.total ? data.step / data.total : 0;
    return Math.min(99, Math.round(100 * (i + within) / stages.length));
  }

  // Poll a status URL until render() returns true; back off on errors.
  function poll(url, render, delay) {
    delay = delay || 700;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (!render(data)) setTimeout(function () { poll(url, render, 800); }, delay); })
      .catch(function () { setTimeout(function () { poll(url, render, Math.min(delay * 2, 8000)); }, delay); });
  }

  // POST a FormData; resolves with {ok, status, data}.
  function post(url, body) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
    }).then(function (r) {
      return r.json().catch(function () { return { error: "Something went wrong. Please try again." }; })
        .then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    }, function () { return { ok: false, status: 0, data: { error: "Easel could not be reached. Please try again." } }; });
  }

  // Show an error from a JSON reply in `box`, with a "Buy credits" link when credits ran out.
  function showError(box, data) {
    box.replaceChildren(document.createTextNode(data.error || "Something went wrong."));
    if (data.buy_url) {
      var a = document.createElement("a");
      a.href = data.buy_url; a.className = "button small"; a.textContent = "Buy credits";
      box.appendChild(document.createTextNode(" "));
      box.appendChild(a);
    }
    box.hidden = false;
  }

  // A strip of candidate thumbnails; onPick(index) when one is chosen (click or arrow keys).
  function CandidateStrip(strip, onPick) {
    this.strip = strip; this.onPick = onPick; this.items = []; this.current = -1;
    var self = this;
    strip.addEventListener("keydown", function (e) {
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        e.preventDefault();
        var n = self.items.length; if (!n) return;
        self.pick((self.current + (e.key === "ArrowRight" ? 1 : n - 1)) % n, true);
      }
    });
  }
  CandidateStrip.prototype.reset = function () { this.strip.replaceChildren(); this.items = []; this.current = -1; };
  CandidateStrip.prototype.add = function (im) {
    var self = this, i = this.items.length;
    var b = document.createElement("button");
    b.type = "button"; b.className = "candidate"; b.setAttribute("role", "option");
    b.setAttribute("aria-label", "Candidate " + (i + 1)); b.setAttribute("aria-selected", "false");
    b.tabIndex = -1;
    var img = document.createElement("img"); img.src = im.url; img.alt = "";
    b.appendChild(img);
    b.addEventListener("click", function () { self.pick(i, false); });
    this.strip.appendChild(b);
    this.items.push({ im: im, el: b });
    if (this.current < 0) this.pick(0, false);
  };
  CandidateStrip.prototype.pick = function (i, focus) {
    this.items.forEach(function (it, j) {
      it.el.setAttribute("aria-selected", j === i ? "true" : "false");
      it.el.tabIndex = j === i ? 0 : -1;
    });
    this.current = i;
    if (focus) this.items[i].el.focus();
    this.onPick(this.items[i].im, i);
  };
  CandidateStrip.prototype.selected = function () { return this.current >= 0 ? this.items[this.current].im : null; };

  return { csrf: csrf, describe: describe, percent: percent, poll: poll, post: post, showError: showError,
           CandidateStrip: CandidateStrip };
})();

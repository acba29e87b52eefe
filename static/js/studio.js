// Prompt boxes: a live character counter, "Surprise me", Enter to submit,
// a busy state while submitting; and "Copy" buttons for share links.
(function () {
  "use strict";

  document.querySelectorAll("textarea[name=prompt]").forEach(function (box) {
    var form = box.form;
    var counter = form.querySelector(".counter");
    var max = parseInt(box.getAttribute("maxlength"), 10) || 400;
    function update() {
      if (!counter) return;
      counter.textContent = box.value.length + " / " + max;
      counter.classList.toggle("over", box.value.length > max);
    }
    box.addEventListener("input", update);
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
    update();
  });

  var form = document.getElementById("prompt-form");
  if (form) {
    var box = form.querySelector("textarea[name=prompt]");
    var surprise = document.getElementById("surprise-button");
    var examples = (form.dataset.examples || "").split("|").filter(Boolean);
    if (surprise) surprise.addEventListener("click", function () {
      var pick = surprise.dataset.example;
      // After the first click, never the same one twice in a row.
      if (surprise.dataset.used) {
        var others = examples.filter(function (e) { return e !== box.value; });
        pick = others[Math.floor(Math.random() * others.length)] || pick;
      }
      surprise.dataset.used = "1";
      box.value = pick;
      box.dispatchEvent(new Event("input"));
      box.focus();
    });
    form.addEventListener("submit", function () {
      var button = document.getElementById("generate-button");
      button.disabled = true;
      button.firstChild.textContent = "Starting… ";
    });
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.querySelector(button.dataset.copy);
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      else { document.execCommand("copy"); done(); }
    });
  });
})();

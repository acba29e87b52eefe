// The prompt box: a live character counter and a busy state while submitting.
(function () {
  "use strict";
  var form = document.getElementById("prompt-form");
  if (!form) return;
  var box = form.querySelector("textarea[name=prompt]");
  var counter = document.getElementById("prompt-counter");
  var max = parseInt(box.getAttribute("maxlength"), 10) || 400;
  function update() {
    var left = max - box.value.length;
    counter.textContent = box.value.length + " / " + max;
    counter.classList.toggle("over", left < 0);
  }
  box.addEventListener("input", update);
  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", function () {
    var button = document.getElementById("generate-button");
    button.disabled = true;
    button.firstChild.textContent = "Starting… ";
  });
  update();
})();

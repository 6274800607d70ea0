// Length counters (issue #10): every textarea, and every text input allowing 50 characters or
// more, shows "已输入 n / max" under it, read from its maxlength; no inline script.
(function () {
  "use strict";
  function attach(field) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!max || field.dataset.counted) return;
    if (field.tagName !== "TEXTAREA" && max < 50) return;
    field.dataset.counted = "1";
    var counter = document.createElement("div");
    counter.className = "form-text text-end length-counter";
    counter.setAttribute("aria-live", "polite");
    function update() {
      counter.textContent = "已输入 " + field.value.length + " / " + max + " 字";
      counter.classList.toggle("text-danger", field.value.length >= max);
    }
    field.addEventListener("input", update);
    field.insertAdjacentElement("afterend", counter);
    update();
  }
  function scan(root) {
    root.querySelectorAll("textarea[maxlength], input[type=text][maxlength]").forEach(attach);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:afterSwap", function (event) { scan(event.target); });
})();

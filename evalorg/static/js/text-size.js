// Text size 大/中/小 in the header (issue 22, elder-friendly use): the choice is kept in
// localStorage and applied to <html data-text-size> before the first paint (this script is
// loaded without defer in <head>); the CSS scales the root font size.
(function () {
  "use strict";
  var KEY = "evalorg-text-size";
  var SIZES = ["large", "medium", "small"];
  var root = document.documentElement;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return SIZES.indexOf(value) >= 0 ? value : "medium";
    } catch (e) {
      return "medium"; // storage disabled: the default size
    }
  }

  function apply(size) {
    root.setAttribute("data-text-size", size);
    document.querySelectorAll("button[data-text-size]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.textSize === size ? "true" : "false");
    });
  }

  apply(stored());

  document.addEventListener("DOMContentLoaded", function () {
    apply(stored());
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-text-size]");
    if (!button) return;
    var size = button.dataset.textSize;
    try {
      window.localStorage.setItem(KEY, size);
    } catch (e) {
      // not persisted, still applied to this page
    }
    apply(size);
  });
})();

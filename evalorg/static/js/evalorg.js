// EvalOrg page behaviour, kept out of the templates so the Content-Security-Policy can forbid
// inline scripts and event-handler attributes (issue 11). Hooks are data attributes.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  // <select data-autosubmit>: submit its form when the choice changes.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  // <button data-action="print"> and <a data-action="back">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-action]");
    if (!target) return;
    if (target.dataset.action === "print") {
      event.preventDefault();
      window.print();
    } else if (target.dataset.action === "back" && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // The navigation's "更多" <details>: Escape closes it (focus back on its summary), and so
  // does a click or a focus elsewhere, as a menu would (issue 22).
  function closeMenus(except) {
    document.querySelectorAll("details.nav-more[open]").forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details.nav-more[open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest("details.nav-more"));
  });
  document.addEventListener("focusin", function (event) {
    closeMenus(event.target.closest && event.target.closest("details.nav-more"));
  });

  // <input data-warn-prefix="11" data-warn-target="id">: the element shows while the typed
  // value starts with the prefix (the sign-up's government-body USCC warning, N-2.4.1).
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.dataset || !field.dataset.warnPrefix) return;
    var warning = document.getElementById(field.dataset.warnTarget);
    if (warning) warning.hidden = field.value.trim().indexOf(field.dataset.warnPrefix) !== 0;
  });

  // <span data-countdown-deadline="ISO time">: "还剩 d 天 h 小时 m 分", replacing the server's
  // "还剩 N 天" (one countdown per deadline, issue 22).
  function startCountdowns() {
    document.querySelectorAll("[data-countdown-deadline]").forEach(function (el) {
      var end = new Date(el.dataset.countdownDeadline).getTime();
      function tick() {
        var s = Math.max(0, Math.floor((end - Date.now()) / 1000));
        el.textContent = s === 0 ? "已截止" : "还剩 " + Math.floor(s / 86400) + " 天 " +
          Math.floor((s % 86400) / 3600) + " 小时 " + Math.floor((s % 3600) / 60) + " 分";
      }
      tick();
      window.setInterval(tick, 60000);
    });
  }
  onReady(startCountdowns);
})();

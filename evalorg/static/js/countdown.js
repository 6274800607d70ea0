// Live countdowns (issue #10, no inline script): any element with data-deadline="ISO time"
// shows "，d 天 h 小时 m 分" until then, refreshed every minute.
(function () {
  "use strict";
  function start(el) {
    var end = new Date(el.dataset.deadline).getTime();
    if (isNaN(end)) return;
    function tick() {
      var s = Math.max(0, Math.floor((end - Date.now()) / 1000));
      el.textContent = "，" + Math.floor(s / 86400) + " 天 " + Math.floor((s % 86400) / 3600) +
        " 小时 " + Math.floor((s % 3600) / 60) + " 分";
    }
    tick();
    setInterval(tick, 60000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-deadline]").forEach(start);
  });
})();

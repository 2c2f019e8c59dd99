// SLA countdowns: every element with data-due (ISO time) shows the minutes left, updated each 30 s.
(function () {
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var mins = Math.floor((due - now) / 60000);
      if (mins < 0) {
        el.textContent = "已超时 " + (-mins) + " 分钟";
        el.classList.remove("sla-running", "sla-near");
        el.classList.add("sla-breached");
      } else {
        el.textContent = "剩余 " + mins + " 分钟";
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
})();

// Console helpers (no inline scripts: the CSP allows only this file).
// 1. SLA countdowns: every element with data-due (ISO time) shows the minutes left, updated each 30 s.
// 2. The menu button on narrow screens.
// 3. After a refused POST the page comes back with #form-state: the form that was sent is filled
//    again with what was typed, and each message is shown at its field.
// 4. Buttons with data-confirm ask before they submit.
document.documentElement.classList.add("js");
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

  function menu() {
    var btn = document.querySelector(".nav-toggle"), nav = document.getElementById("main-nav");
    if (!btn || !nav) return;
    btn.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      btn.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function cssEscape(s) { return window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, "\\$&"); }

  function refill() {
    var blob = document.getElementById("form-state");
    if (!blob) return;
    var state;
    try { state = JSON.parse(blob.textContent); } catch (e) { return; }
    var form = null;
    document.querySelectorAll("form[method=post], form[method=POST]").forEach(function (f) {
      if (!form && f.getAttribute("action") === state.action) form = f;
    });
    if (!form) {  // a form posting to its own page has no action attribute
      document.querySelectorAll("form[method=post]:not([action])").forEach(function (f) { if (!form) form = f; });
    }
    if (!form) return;
    var values = state.values || {};
    Object.keys(values).forEach(function (name) {
      var list = values[name];
      var els = form.querySelectorAll('[name="' + cssEscape(name) + '"]');
      els.forEach(function (el) {
        if (el.type === "hidden" || el.type === "file" || el.type === "password") return;
        if (el.type === "checkbox" || el.type === "radio") { el.checked = list.indexOf(el.value) >= 0; return; }
        if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = list.indexOf(o.value) >= 0; });
          return;
        }
        el.value = list[0] == null ? "" : list[0];
      });
    });
    // a checkbox group sent with nothing ticked is absent from the values: untick it
    form.querySelectorAll("input[type=checkbox]").forEach(function (el) {
      if (!(el.name in values)) el.checked = false;
    });
    var first = null;
    var errors = state.errors || {};
    Object.keys(errors).forEach(function (name) {
      var msgs = errors[name];
      var text = Array.isArray(msgs) ? msgs.join("；") : (typeof msgs === "object" ? JSON.stringify(msgs) : String(msgs));
      var els = form.querySelectorAll('[name="' + cssEscape(name) + '"]');
      var target = els.length ? els[els.length - 1] : null;
      var id = "err-" + name.replace(/[^a-zA-Z0-9_-]/g, "_");
      var msg = document.createElement("span");
      msg.className = "field-error"; msg.id = id; msg.textContent = text;
      if (target) {
        els.forEach(function (el) {
          el.setAttribute("aria-invalid", "true");
          var d = el.getAttribute("aria-describedby");
          el.setAttribute("aria-describedby", d ? d + " " + id : id);
        });
        var anchor = target.closest("fieldset") || target.closest("label") || target;
        anchor.insertAdjacentElement(anchor === target ? "afterend" : "beforeend", msg);
        if (!first) first = els[0];
      } else {
        msg.textContent = text;
        form.insertAdjacentElement("afterbegin", msg);
      }
    });
    form.classList.add("has-errors");
    (first || form.querySelector("input:not([type=hidden]), textarea, select") || form).focus({preventScroll: false});
    if (first && first.scrollIntoView) first.scrollIntoView({block: "center"});
  }

  function confirms() {
    document.addEventListener("submit", function (ev) {
      var btn = ev.submitter || ev.target.querySelector("[data-confirm]");
      var text = btn && btn.getAttribute && btn.getAttribute("data-confirm");
      if (!text) text = ev.target.getAttribute("data-confirm");
      if (text && !window.confirm(text)) ev.preventDefault();
    });
  }

  // a table that scrolls sideways inside its box must be reachable by keyboard (arrow keys scroll it)
  function scrollables() {
    document.querySelectorAll("table").forEach(function (t) {
      var scrolls = t.scrollWidth > t.clientWidth + 1 && getComputedStyle(t).overflowX !== "visible";
      if (scrolls && !t.hasAttribute("tabindex")) {
        t.setAttribute("tabindex", "0");
        if (!t.getAttribute("aria-label")) {
          var cap = t.querySelector("caption"), h = t.closest("section") && t.closest("section").querySelector("h2");
          t.setAttribute("aria-label", (cap || h || {textContent: "表格"}).textContent.trim() + "（可左右滚动）");
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick(); setInterval(tick, 30000); menu(); refill(); confirms(); scrollables();
    window.addEventListener("resize", scrollables);
  });
})();

// The centre filter (city-level roles): choosing a centre reloads the page filtered by it
document.querySelectorAll('.centre-filter select').forEach(function (sel) {
  sel.addEventListener('change', function () { sel.form.submit(); });
});

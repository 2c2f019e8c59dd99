/* The live hotline on every console page of a duty lawyer or manager (app/telephony/console.py):
   one EventSource; a `pop` event shows the caller (来电弹屏), a `wallboard` event updates every
   [data-fig] on the page (the wallboard, the manager's home). Text only: never innerHTML. */
(function () {
  "use strict";
  var box = document.getElementById("screen-pop");
  if (!box || !window.EventSource) return;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function section(title, items, render) {
    var s = el("section", "pop-section");
    s.appendChild(el("h3", null, title + "（" + items.length + "）"));
    if (!items.length) { s.appendChild(el("p", "muted", "无")); return s; }
    var ul = el("ul");
    items.forEach(function (it) { ul.appendChild(el("li", null, render(it))); });
    s.appendChild(ul);
    return s;
  }

  function showPop(d) {
    box.textContent = "";
    box.dataset.callId = d.call_id;
    box.dataset.consultationId = d.consultation_id;
    var head = el("header", "pop-head");
    head.appendChild(el("h2", null, "来电 " + d.caller_masked));
    head.appendChild(el("p", "pop-region", d.region + (d.queue ? " · 队列 " + d.queue : "")));
    var close = el("button", "link pop-close", "关闭");
    close.type = "button";
    close.addEventListener("click", function () { box.hidden = true; });
    head.appendChild(close);
    box.appendChild(head);
    var flags = el("div", "pop-flags");
    if (d.repeat_caller) flags.appendChild(el("span", "badge danger", "重复来电预警（近期 " + d.repeat_calls + " 次）"));
    if (d.do_not_call) flags.appendChild(el("span", "badge warn", "勿回拨" + (d.do_not_call_note ? "：" + d.do_not_call_note : "")));
    flags.appendChild(el("span", "badge", "近 7 天 " + d.calls_7d + " 次 · 近 30 天 " + d.calls_30d + " 次"));
    box.appendChild(flags);
    box.appendChild(section("进行中的援助申请", d.applications, function (a) {
      var dl = (a.deadlines || []).map(function (x) { return x.label + " " + x.date; }).join("，");
      return (a.reference || ("#" + a.id)) + " " + (a.name || "") + " · " + a.status +
        (a.deadline ? " · 期限 " + a.deadline : "") + (dl ? " · " + dl : "");
    }));
    box.appendChild(section("待回访", d.callbacks, function (c) {
      return c.reason + " · 到期 " + c.due + (c.overdue ? "（已逾期）" : "") + (c.note ? " · " + c.note : "");
    }));
    box.appendChild(section("最近来电", d.recent_calls, function (r) {
      return r.at + " · " + r.topic + " · " + r.outcome + (r.lawyer ? " · " + r.lawyer : "");
    }));
    box.hidden = false;
    box.setAttribute("data-shown-at", String(Date.now() / 1000));
    box.dataset.pops = String((+box.dataset.pops || 0) + 1);  // pops this page has shown (one per ring)
  }

  function pct(v) { return v === null || v === undefined ? "—" : Math.round(v * 100) + "%"; }

  function updateBoard(f) {
    document.querySelectorAll("[data-fig]").forEach(function (node) {
      var key = node.getAttribute("data-fig");
      if (key === "clock") { node.textContent = (f.at || "").substr(11, 8); return; }
      if (key === "calls_per_hour") {
        var top = Math.max.apply(null, f.calls_per_hour.concat([1]));
        Array.prototype.forEach.call(node.children, function (li, h) {
          var n = f.calls_per_hour[h] || 0;
          li.setAttribute("data-n", n);
          li.title = h + " 时：" + n + " 个";
          li.style.setProperty("--h", Math.round(n * 100 / top) + "%");
        });
        return;
      }
      var v = key.split(".").reduce(function (o, k) { return o == null ? o : o[k]; }, f);
      node.textContent = node.getAttribute("data-format") === "pct" ? pct(v) : (v === null || v === undefined ? "—" : v);
    });
    var wb = document.getElementById("wallboard");
    if (wb) wb.setAttribute("data-at", f.at);
  }

  document.querySelectorAll(".bars").forEach(function (ol) {
    var ns = Array.prototype.map.call(ol.children, function (li) { return +li.getAttribute("data-n") || 0; });
    var top = Math.max.apply(null, ns.concat([1]));
    Array.prototype.forEach.call(ol.children, function (li, i) { li.style.setProperty("--h", Math.round(ns[i] * 100 / top) + "%"); });
  });

  var es = new EventSource(box.getAttribute("data-stream"));
  es.addEventListener("pop", function (e) { showPop(JSON.parse(e.data)); });
  es.addEventListener("wallboard", function (e) { updateBoard(JSON.parse(e.data)); });
  window.addEventListener("beforeunload", function () { es.close(); });
})();

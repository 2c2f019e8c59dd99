// CDR import: the progress bar of the import just uploaded polls its JSON until it is done or failed, and
// every unfinished row of the history polls one small status endpoint for all of them (bounded: at most
// data-poll-max polls, then the page says to reload), so no row shows "导入中 0 0 0" until a reload.
(function () {
  var box = document.getElementById("import-progress");
  if (box) {
    var bar = box.querySelector("progress"), msg = box.querySelector(".import-message"),
        errs = box.querySelector(".import-errors"), tries = 0;
    var poll = function () {
      tries += 1;
      fetch(box.getAttribute("data-status-url"), {credentials: "same-origin"}).then(function (r) { return r.json(); })
        .then(function (d) {
          bar.value = d.progress || 0;
          msg.textContent = d.message || ("已处理 " + d.processed_rows + " / " + d.total_rows + " 行");
          errs.textContent = "";
          (d.errors || []).forEach(function (e) {
            var tr = document.createElement("tr"), a = document.createElement("td"), b = document.createElement("td");
            a.textContent = e.line; b.textContent = e.reason; tr.appendChild(a); tr.appendChild(b); errs.appendChild(tr);
          });
          if (d.status !== "done" && d.status !== "failed" && tries < 600) setTimeout(poll, 1000);
        }).catch(function () { if (tries < 600) setTimeout(poll, 3000); });
    };
    poll();
  }

  var table = document.getElementById("import-history");
  if (!table) return;
  var url = table.getAttribute("data-status-url"), max = parseInt(table.getAttribute("data-poll-max"), 10) || 600,
      polls = 0;
  function pending() { return table.querySelectorAll("tr[data-pending]"); }
  function set(tr, field, text) { var td = tr.querySelector('[data-field="' + field + '"]'); if (td) td.textContent = text; }
  function refresh() {
    var rows = pending();
    if (!rows.length) return;
    if (polls >= max) {
      rows.forEach(function (tr) { set(tr, "status", "导入中（请刷新页面查看）"); });
      return;
    }
    polls += 1;
    var ids = Array.prototype.map.call(rows, function (tr) { return tr.getAttribute("data-import-id"); });
    fetch(url + "?ids=" + ids.join(","), {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (d) {
        (d.items || []).forEach(function (it) {
          var tr = table.querySelector('tr[data-import-id="' + it.id + '"]');
          if (!tr) return;
          var finished = it.status === "done" || it.status === "failed";
          var label = it.status_label + (it.status === "running" && it.total_rows ?
            "（" + it.processed_rows + " / " + it.total_rows + " 行）" : "");
          set(tr, "status", label);
          set(tr, "inserted", finished ? it.inserted : "—");
          set(tr, "duplicates", finished ? it.duplicates : "—");
          set(tr, "error_count", finished ? it.error_count : "—");
          if (finished) tr.removeAttribute("data-pending");
        });
        setTimeout(refresh, 2000);
      }).catch(function () { setTimeout(refresh, 5000); });
  }
  refresh();
})();

// CDR import progress bar: polls the import's JSON until it is done or failed.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = box.querySelector("progress"), msg = box.querySelector(".import-message"),
      errs = box.querySelector(".import-errors");
  function poll() {
    fetch(box.getAttribute("data-status-url"), {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (d) {
        bar.value = d.progress || 0;
        msg.textContent = d.message || ("已处理 " + d.processed_rows + " / " + d.total_rows + " 行");
        errs.textContent = "";
        (d.errors || []).forEach(function (e) {
          var tr = document.createElement("tr"), a = document.createElement("td"), b = document.createElement("td");
          a.textContent = e.line; b.textContent = e.reason; tr.appendChild(a); tr.appendChild(b); errs.appendChild(tr);
        });
        if (d.status !== "done" && d.status !== "failed") setTimeout(poll, 1000);
      }).catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();

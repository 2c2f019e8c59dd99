// Hotline dashboard: one JSON endpoint per chart (same queries as /api/v1/analytics/...), drawn with
// the vendored ECharts. Each container gets data-rendered="1" once its chart is drawn.
(function () {
  var root = document.getElementById("dashboard");
  if (!root || !window.echarts) return;
  var qs = window.location.search;
  var charts = [];
  function url(name) { return root.getAttribute("data-base").replace("CHART", name) + qs; }
  function get(name) {
    return fetch(url(name), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  function el(name) { return root.querySelector('[data-chart="' + name + '"]'); }
  function empty(name, text) {
    // no data in the range: say so instead of drawing empty axes or a solid heatmap
    var box = el(name);
    box.innerHTML = "";
    var p = document.createElement("p");
    p.className = "chart-empty";
    p.textContent = text || "暂无数据";
    box.appendChild(p);
    box.setAttribute("data-rendered", "empty");
  }
  var narrow = root.clientWidth < 520;  // a phone: legends below the charts, no slice labels
  function sum(list) { return list.reduce(function (a, b) { return a + (b || 0); }, 0); }
  function draw(name, option) {
    var box = el(name);
    var chart = echarts.init(box, null, {renderer: "canvas"});
    chart.setOption(Object.assign({animation: false, tooltip: {trigger: "axis"}, grid: {left: 60, right: 30, top: 40, bottom: 40}}, option));
    charts.push(chart);
    box.setAttribute("data-rendered", "1");
  }
  function pct(v) { return v == null ? "—" : (v * 100).toFixed(1) + "%"; }

  get("overview").then(function (d) {
    var set = function (k, v) { var e = document.querySelector('[data-kpi="' + k + '"]'); if (e) e.textContent = v; };
    set("calls", d.calls.toLocaleString("zh-CN")); set("answer_rate", pct(d.answer_rate));
    set("share_within_target", pct(d.share_within_target));
    set("avg_answer_seconds", d.avg_answer_seconds == null ? "—" : d.avg_answer_seconds);
    set("avg_duration_minutes", d.avg_duration_seconds == null ? "—" : (d.avg_duration_seconds / 60).toFixed(1));
  });
  get("regions").then(function (d) {
    if (!d.regions.length) return empty("regions");
    var top = d.regions.slice(0, 15).reverse();
    draw("regions", {tooltip: {trigger: "axis", axisPointer: {type: "shadow"}}, grid: {left: 130, right: 30, top: 20, bottom: 30},
      xAxis: {type: "value"}, yAxis: {type: "category", data: top.map(function (r) { return r.region; })},
      series: [{type: "bar", name: "来电量", data: top.map(function (r) { return r.calls; })}]});
  });
  get("heatmap").then(function (d) {
    var data = [], max = 0;
    d.matrix.forEach(function (row, day) { row.forEach(function (v, h) { data.push([h, day, v]); if (v > max) max = v; }); });
    if (!max) return empty("heatmap");
    draw("heatmap", {tooltip: {position: "top"}, grid: {left: 50, right: 20, top: 10, bottom: 70},
      xAxis: {type: "category", data: d.hours.map(function (h) { return h + "时"; }), splitArea: {show: true}},
      yAxis: {type: "category", data: d.weekdays, splitArea: {show: true}},
      visualMap: {min: 0, max: max || 1, calculable: true, orient: "horizontal", left: "center", bottom: 0},
      series: [{type: "heatmap", name: "来电量", data: data}]});
  });
  get("durations").then(function (d) {
    var rows = d.series.filter(function (s) { return s.avg_duration_seconds != null || s.avg_answer_seconds != null; });
    if (!rows.length) return empty("durations");
    var days = d.series.map(function (s) { return s.day; });
    // talk time in minutes and answer time in seconds on their own axes: a 2-second answer time
    // must not sit flat at the bottom of a 0–350 s scale
    draw("durations", {legend: narrow ? {bottom: 0} : {top: 0}, grid: {left: 50, right: 60, top: 40, bottom: narrow ? 60 : 40},
      xAxis: {type: "category", data: days},
      yAxis: [{type: "value", name: "通话（分钟）", position: "left"},
              {type: "value", name: "应答（秒）", position: "right", minInterval: 1}],
      series: [
        {type: "line", name: "平均通话（分钟）", data: d.series.map(function (s) {
          return s.avg_duration_seconds == null ? null : +(s.avg_duration_seconds / 60).toFixed(1); })},
        {type: "line", name: "平均应答（秒）", yAxisIndex: 1, data: d.series.map(function (s) { return s.avg_answer_seconds; })}]});
  });
  get("topics").then(function (d) {
    if (!d.share.length) { empty("topics"); empty("topics-weekly"); return; }
    draw("topics", {tooltip: {trigger: "item"},
      legend: narrow ? {type: "scroll", bottom: 0} : {type: "scroll", orient: "vertical", right: 0, top: 10},
      series: [{type: "pie", name: "咨询类别", radius: narrow ? ["30%", "60%"] : ["35%", "70%"],
        center: narrow ? ["50%", "45%"] : ["40%", "50%"], label: {show: !narrow},
        data: d.share.map(function (s) { return {name: s.topic, value: s.calls}; })}]});
    // a first or last week cut by the date range is marked "部分（N 天）" and shaded, not read as a drop
    var cov = d.weekly.coverage || [];
    var labels = d.weekly.weeks.map(function (w, i) {
      var c = cov[i];
      return w.slice(5) + "周" + (c && c.partial ? "\n（部分，" + c.days + " 天）" : "");
    });
    var partial = [];
    cov.forEach(function (c, i) { if (c.partial) partial.push([{xAxis: labels[i]}, {xAxis: labels[i]}]); });
    draw("topics-weekly", {legend: {type: "scroll", top: 0}, tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: labels, axisLabel: {interval: 0}},
      yAxis: {type: "value"}, series: d.weekly.series.map(function (s, k) {
        var line = {type: "line", name: s.topic, stack: "total", areaStyle: {}, data: s.calls};
        if (k === 0 && partial.length) {
          line.markArea = {silent: true, itemStyle: {color: "rgba(86,96,107,0.12)"},
            label: {show: true, position: "insideTop", color: "#56606b", formatter: "部分周"}, data: partial};
        }
        return line; })});
    var note = el("topics-weekly").parentNode.querySelector(".chart-note");
    if (note) note.textContent = cov.some(function (c) { return c.partial; }) ?
      "阴影标出首尾不满 7 天的周（只含所选日期范围内的天数），其来电量不能与整周直接比较。" : "";
  });
  get("rising-topics").then(function (d) {
    var items = d.topics.slice(0, 10);
    if (!items.length) return empty("rising-topics");
    draw("rising-topics", {legend: {top: 0}, tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      xAxis: {type: "category", data: items.map(function (i) { return i.topic + (i.rising ? "↑" : ""); }), axisLabel: {interval: 0, rotate: 30}},
      yAxis: {type: "value"}, series: [
        {type: "bar", name: "上周", data: items.map(function (i) { return i.last_week; })},
        {type: "bar", name: "本周", data: items.map(function (i) { return i.this_week; })}]});
  });
  get("satisfaction").then(function (d) {
    if (!sum(d.distribution.map(function (x) { return x.count; }))) {
      return empty("satisfaction", "暂无数据（待回访 " + d.callbacks.open + "，逾期 " + d.callbacks.overdue + "）");
    }
    draw("satisfaction", {title: {text: "平均 " + (d.avg_stars == null ? "—" : d.avg_stars) + " 星，满意 " + pct(d.share_satisfied) +
        "，待回访 " + d.callbacks.open + "（逾期 " + d.callbacks.overdue + "）", textStyle: {fontSize: 13}},
      xAxis: {type: "category", data: d.distribution.map(function (x) { return x.stars + "星"; })}, yAxis: {type: "value", minInterval: 1},
      series: [{type: "bar", name: "评价数", data: d.distribution.map(function (x) { return x.count; })}]});
  });
  get("sla").then(function (d) {
    if (!d.cases) return empty("sla", d.waiting ? "暂无数据（" + d.waiting + " 件仍在计时）" : "暂无数据");
    draw("sla", {tooltip: {show: false}, series: [{type: "gauge", min: 0, max: 100, detail: {formatter: "{value}%"},
      title: {offsetCenter: [0, "75%"]},
      data: [{name: "按时指派 " + d.within_target + "/" + d.cases + (d.breached_waiting ? "（含超时未指派 " + d.breached_waiting + "）" : "") + "\n指派用时中位 " + (d.median_minutes == null ? "—" : d.median_minutes) + " 分钟",
              value: d.compliance == null ? 0 : +(d.compliance * 100).toFixed(1)}]}]});
  });
  get("repeat-callers").then(function (d) {
    if (!d.episodes) return empty("repeat-callers");
    draw("repeat-callers", {title: {text: "预警 " + d.episodes + " 次，涉及 " + d.callers + " 个号码", textStyle: {fontSize: 13}},
      xAxis: {type: "category", data: d.weekly.map(function (w) { return w.week; })}, yAxis: {type: "value", minInterval: 1},
      series: [{type: "bar", name: "重复来电预警", data: d.weekly.map(function (w) { return w.episodes; })}]});
  });
  get("workload").then(function (d) {
    var l = d.lawyers.slice(0, 40).reverse();
    if (!l.length) return empty("workload");
    draw("workload", {legend: {top: 0}, tooltip: {trigger: "axis", axisPointer: {type: "shadow"}}, grid: {left: 110, right: 30, top: 30, bottom: 30},
      xAxis: {type: "value"}, yAxis: {type: "category", data: l.map(function (x) { return x.lawyer_name; })},
      series: [{type: "bar", name: "接通量", data: l.map(function (x) { return x.answered; })},
               {type: "bar", name: "通话分钟", data: l.map(function (x) { return x.talk_minutes; })}]});
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();

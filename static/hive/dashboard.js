/* Staff dashboard charts. Data comes from a json_script element (no inline script on the
   page); every point carries the URL of the list it counts, and a click opens it. */
(function () {
  "use strict";
  var COLOURS = ["#c0392b", "#e6a23c", "#409eff", "#67c23a", "#909399", "#8e44ad", "#16a085", "#d35400"];

  function option(spec, horizontal) {
    var series = spec.series.map(function (s) {
      return { name: s.name, type: spec.kind, data: s.data, smooth: false, barMaxWidth: 28 };
    });
    var categoryAxis = { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 110, overflow: "truncate" } };
    if (spec.kind === "line") {
      // Twelve months side by side: slanted, so the labels do not run into each other.
      categoryAxis.axisLabel = { interval: 0, rotate: 45 };
      categoryAxis.boundaryGap = false;
    }
    var valueAxis = { type: "value", minInterval: 1 };
    return {
      animation: false,
      color: COLOURS,
      tooltip: { trigger: "axis", axisPointer: { type: spec.kind === "line" ? "line" : "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? Object.assign({ inverse: true }, categoryAxis) : valueAxis,
      series: series
    };
  }

  function draw() {
    var source = document.getElementById("dashboard-chart-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (target) {
      var spec = data[target.getAttribute("data-chart")];
      if (!spec) return;
      var horizontal = spec.kind === "bar" && spec.categories.length > 6;
      if (horizontal) {
        target.style.height = Math.max(280, spec.categories.length * (14 + 10 * spec.series.length) + 60) + "px";
      }
      var chart = echarts.init(target);
      chart.setOption(option(spec, horizontal));
      chart.on("click", function (params) {
        if (params.data && params.data.url) window.location.href = params.data.url;
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

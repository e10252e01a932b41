/* Three-double evaluation results chart (staff results page).
   Data comes from a json_script element; no inline script on the page. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("evaluation-chart-data");
    var target = document.getElementById("evaluation-chart");
    if (!source || !target || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data.units.length) return;
    target.style.height = Math.max(240, data.units.length * 22 + 80) + "px";
    var chart = echarts.init(target);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: [data.labels.community, data.labels.peers, data.labels.score], top: 0 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", inverse: true, data: data.units },
      series: [
        { name: data.labels.community, type: "bar", data: data.community, itemStyle: { color: "#c0392b" } },
        { name: data.labels.peers, type: "bar", data: data.peers, itemStyle: { color: "#e6a23c" } },
        { name: data.labels.score, type: "scatter", data: data.score, symbolSize: 10, itemStyle: { color: "#303133" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

// Mutual-aid care's figures by area (ECharts, served locally). The data is the page's
// <script type="application/json" id="volunteer-figures">; the same numbers are in the table below.
(function () {
  "use strict";
  var source = document.getElementById("volunteer-figures");
  var target = document.getElementById("chart-volunteers");
  if (!source || !target || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(target);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 40, right: 20, top: 20, bottom: 70, containLabel: true },
    xAxis: { type: "category", data: data.areas, axisLabel: { interval: 0, rotate: data.areas.length > 4 ? 30 : 0 } },
    yAxis: { type: "value" },
    series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
  });
  document.body.setAttribute("data-charts", "1");
  window.addEventListener("resize", function () { chart.resize(); });
}());

// Home care's coverage chart (ECharts, served locally): the share of urban communities covered in each
// child area against the plan's target. Data from <script type="application/json" id="homecare-figures">;
// the same numbers are in the table below.
(function () {
  "use strict";
  var source = document.getElementById("homecare-figures");
  var box = document.getElementById("chart-coverage");
  if (!source || !box || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(box);
  var series = [{ name: data.labels.covered, type: "bar", data: data.covered }];
  if (data.target !== null) {
    series[0].markLine = { symbol: "none", data: [{ yAxis: data.target, name: data.labels.target }], label: { formatter: data.labels.target + " {c}%" } };
  }
  chart.setOption({
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 40, top: 30, bottom: 70, containLabel: true },
    xAxis: { type: "category", data: data.areas, axisLabel: { interval: 0, rotate: data.areas.length > 4 ? 30 : 0 } },
    yAxis: { type: "value", max: 100, name: "%" },
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

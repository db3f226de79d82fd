// The case figures' charts (ECharts, served locally). Data comes from the page's
// <script type="application/json" id="case-figures">; the same numbers are in the table below the charts.
(function () {
  "use strict";
  var source = document.getElementById("case-figures");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var channels = document.getElementById("chart-channels");
  if (channels) {
    var pie = echarts.init(channels);
    pie.setOption({
      title: { text: data.labels.channels, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "62%"], data: data.channels, label: { formatter: "{d}%" } }]
    });
    charts.push(pie);
  }
  var areas = document.getElementById("chart-areas");
  if (areas && data.areas.length) {
    var bars = echarts.init(areas);
    bars.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.on_time, data.labels.overdue], bottom: 0 },
      grid: { left: 40, right: 40, top: 20, bottom: 70, containLabel: true },
      xAxis: { type: "category", data: data.areas, axisLabel: { interval: 0, rotate: data.areas.length > 4 ? 30 : 0 } },
      yAxis: [{ type: "value", max: 100, name: "%" }, { type: "value", minInterval: 1 }],
      series: [
        { name: data.labels.on_time, type: "bar", data: data.on_time },
        { name: data.labels.overdue, type: "line", yAxisIndex: 1, data: data.overdue }
      ]
    });
    charts.push(bars);
  }
  document.body.setAttribute("data-charts", String(charts.length));
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());

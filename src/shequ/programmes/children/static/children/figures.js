// The children's figures as charts (ECharts, served locally). Data comes from the page's
// <script type="application/json" id="children-figures">; the same numbers are in the tables below.
(function () {
  "use strict";
  var source = document.getElementById("children-figures");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  // A bar per area with the target as a dashed line across them.
  function bars(id, name, values, target, unit) {
    var node = document.getElementById(id);
    if (!node || !data.areas.length) { return; }
    var chart = echarts.init(node);
    var series = { name: name, type: "bar", data: values };
    if (target !== null) {
      series.markLine = { symbol: "none", lineStyle: { type: "dashed" }, label: { formatter: data.labels.target + " {c}" },
                          data: [{ yAxis: target }] };
    }
    chart.setOption({
      title: { text: name, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 40, top: 40, bottom: 60, containLabel: true },
      xAxis: { type: "category", data: data.areas, axisLabel: { interval: 0, rotate: data.areas.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", name: unit, max: unit === "%" ? 100 : null },
      series: [series]
    });
    charts.push(chart);
  }
  bars("chart-stations", data.labels.stations, data.stations, data.station_target, "%");
  bars("chart-places", data.labels.places, data.places, data.places_target, "");
  var care = document.getElementById("chart-care");
  if (care && data.care.length) {
    var chart = echarts.init(care);
    chart.setOption({
      title: { text: data.labels.care, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 40, top: 40, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: data.care.map(function (c) { return c.name; }) },
      yAxis: { type: "value", max: 100, name: "%" },
      series: [{ name: data.labels.care, type: "bar", data: data.care.map(function (c) { return c.value; }),
                 markLine: data.care_target === null ? undefined : { symbol: "none", lineStyle: { type: "dashed" },
                   label: { formatter: data.labels.target + " {c}" }, data: [{ yAxis: data.care_target }] } }]
    });
    charts.push(chart);
  }
  document.body.setAttribute("data-charts", String(charts.length));
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());

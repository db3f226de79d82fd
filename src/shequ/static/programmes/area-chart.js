// Bar charts of a figure by area (ECharts, served locally), for every programme page that draws one:
// each <div class="chart" data-chart="ID"> is drawn from <script type="application/json" id="ID">
// holding {categories: [area names], series: [{name, data: [numbers], type?: "bar"|"line"}],
// unit?: "%", target?: number (a dashed line), target_label?: "Target" (the line's label, before its value),
// title?: "…" (above the chart; a titled chart of one series has no legend)}. The same numbers are in a
// table on the page. The body's data-charts holds the number of charts drawn.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    if (!data.categories || !data.categories.length) { element.hidden = true; return; }
    var chart = echarts.init(element);
    var series = data.series.map(function (s, index) {
      var entry = { name: s.name, type: s.type || "bar", data: s.data };
      if (index === 0 && data.target !== undefined && data.target !== null) {
        entry.markLine = { symbol: "none", lineStyle: { type: "dashed" }, data: [{ yAxis: data.target }] };
        if (data.target_label) {
          entry.markLine.label = { formatter: data.target_label + " {c}" + (data.unit === "%" ? "%" : "") };
        }
      }
      return entry;
    });
    var option = {
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 40, right: data.target_label ? 64 : 20, top: 20, bottom: 70, containLabel: true },
      xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", name: data.unit || "", minInterval: data.unit === "%" ? 0 : 1, max: data.unit === "%" ? 100 : null },
      series: series
    };
    if (data.title) {
      option.title = { text: data.title, left: "center", textStyle: { fontSize: 14 } };
      option.grid.top = 40;
      if (series.length === 1) { delete option.legend; option.grid.bottom = 40; }
    }
    chart.setOption(option);
    charts.push(chart);
  });
  document.body.setAttribute("data-charts", String(charts.length));
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());

// Draws the report page's charts from the JSON in #report-charts (no inline script: CSP).
(function () {
  "use strict";
  const COLOURS = ["#0d6efd", "#198754", "#ffc107", "#dc3545", "#6f42c1", "#20c997",
    "#fd7e14", "#6c757d", "#0dcaf0", "#d63384", "#6610f2", "#adb5bd"];

  function bar(id, labels, datasets, options) {
    const canvas = document.getElementById(id);
    if (!canvas || !window.Chart) { return; }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: datasets.map(function (d, i) {
          return { label: d.label, data: d.data, backgroundColor: COLOURS[i % COLOURS.length] };
        }),
      },
      options: Object.assign({ responsive: true, animation: false }, options || {}),
    });
  }

  function draw() {
    const source = document.getElementById("report-charts");
    if (!source) { return; }
    const charts = JSON.parse(source.textContent);
    const whole = { beginAtZero: true, ticks: { precision: 0 } };
    const stacked = { scales: { x: { stacked: true }, y: Object.assign({ stacked: true }, whole) } };
    bar("chart-states", charts.states.labels, charts.states.series, stacked);
    bar("chart-durations", charts.durations.labels,
      [{ label: "中位数（天）", data: charts.durations.data }], { plugins: { legend: { display: false } } });
    bar("chart-occupations", charts.occupations.labels,
      [{ label: "申请数", data: charts.occupations.data }],
      { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: whole } });
    bar("chart-rounds", charts.rounds.labels, charts.rounds.series, { scales: { y: whole } });
    document.body.dataset.chartsDrawn = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

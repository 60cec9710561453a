/* The race card's and My bets' charts (Chart.js, served by the app): the odds movement per runner, the model
 * against the market, the equity curve of the user's bets. Data comes from the pages' json_script blocks. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var lang = document.documentElement.lang || undefined;
  function clock(iso) {
    return new Date(iso).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
  }
  function day(iso) {
    return new Date(iso).toLocaleDateString(lang, { day: "numeric", month: "short" });
  }
  function percent(value) {
    return (value * 100).toLocaleString(lang, { maximumFractionDigits: 1 }) + " %";
  }
  var green = "#1f7a4d", blue = "#2f5fa8", grey = "#8a8f98";

  // The odds of the day, one small line per runner (a single quote is a single point).
  var moves = data("odds-movement");
  if (moves) {
    document.querySelectorAll("canvas[data-spark]").forEach(function (canvas) {
      var points = moves[canvas.getAttribute("data-spark")];
      if (!points || !points.length) return;
      new Chart(canvas, {
        type: "line",
        data: {
          labels: points.map(function (p) { return clock(p.x); }),
          datasets: [{ data: points.map(function (p) { return p.y; }), borderColor: green, backgroundColor: green,
            borderWidth: 1.5, pointRadius: points.length === 1 ? 3 : 1.5, tension: 0 }]
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          plugins: { legend: { display: false } },
          scales: { x: { display: false }, y: { display: false, grace: "10%" } }
        }
      });
    });
  }

  // The model's win and place probabilities beside the market's, per runner.
  var probabilities = data("card-probabilities");
  var chart = document.getElementById("card-probabilities-chart");
  if (probabilities && chart) {
    var narrow = window.matchMedia("(max-width: 700px)").matches;
    new Chart(chart, {
      type: "bar",
      data: {
        labels: probabilities.map(function (r) { return r.saddle + " · " + r.horse; }),
        datasets: [
          { label: chart.getAttribute("data-label-win"), data: probabilities.map(function (r) { return r.win; }), backgroundColor: green },
          { label: chart.getAttribute("data-label-place"), data: probabilities.map(function (r) { return r.place; }), backgroundColor: blue },
          { label: chart.getAttribute("data-label-market"), data: probabilities.map(function (r) { return r.market; }), backgroundColor: grey }
        ]
      },
      options: {
        indexAxis: narrow ? "y" : "x", responsive: true, maintainAspectRatio: false,
        scales: { [narrow ? "x" : "y"]: { beginAtZero: true, max: 1, ticks: { callback: percent } } },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + percent(c.raw); } } } }
      }
    });
  }

  // My bets: the cumulative profit after each settled bet.
  var equity = data("bets-equity");
  var curve = document.getElementById("bets-equity-chart");
  if (equity && curve && equity.length) {
    new Chart(curve, {
      type: "line",
      data: {
        labels: equity.map(function (p) { return day(p.x); }),
        datasets: [{ label: curve.getAttribute("data-label"), data: equity.map(function (p) { return p.y; }),
          borderColor: green, backgroundColor: green, borderWidth: 2, pointRadius: 2, tension: 0 }]
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { y: { ticks: { callback: function (v) { return v.toLocaleString(lang) + " €"; } } } }
      }
    });
  }
})();

/* The pro pages' charts (Chart.js, served by the app) and the backtest's progress poll.
   Data comes from json_script blocks; no inline code (the Content-Security-Policy allows none). */
(function () {
  "use strict";

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function lineChart(canvasId, labels, datasets, yTitle) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || typeof Chart === "undefined") { return null; }
    var existing = Chart.getChart(canvas);
    if (existing) { existing.destroy(); }
    return new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: window.innerWidth < 600 ? 1.3 : 2.2,
        animation: false,
        interaction: { mode: "index", intersect: false },
        elements: { point: { radius: labels.length > 60 ? 0 : 2 } },
        scales: { x: { ticks: { maxTicksLimit: 8, autoSkip: true } }, y: { title: { display: !!yTitle, text: yTitle || "" } } },
        plugins: { legend: { display: datasets.length > 1 } }
      }
    });
  }

  /* -- a backtest: progress, then equity and drawdown ------------------------------------------------ */
  function drawBacktest(data) {
    if (!data) { return; }
    if (!data.equity.length) {  // no bet: nothing to chart (the summary says so)
      var charts = document.querySelector(".charts");
      if (charts) { charts.hidden = true; }
      document.body.setAttribute("data-charts-drawn", "empty");
      return;
    }
    lineChart("equity-chart", data.labels, [
      { label: data.texts.bankroll, data: data.equity, borderColor: "#1f6f43", backgroundColor: "rgba(31,111,67,.12)", fill: true, tension: 0 }
    ], "€");
    lineChart("drawdown-chart", data.labels, [
      { label: data.texts.drawdown, data: data.drawdown, borderColor: "#b3261e", backgroundColor: "rgba(179,38,30,.15)", fill: true, tension: 0 }
    ], "€");
    document.body.setAttribute("data-charts-drawn", "true");
  }

  function showProgress(data) {
    var bar = document.getElementById("backtest-progress");
    var state = document.getElementById("backtest-state");
    if (bar) { bar.value = data.progress; bar.textContent = data.progress + " %"; }
    if (state) { state.textContent = data.progress + " % · " + data.status_label; }
  }

  function pollBacktest(box, data) {
    var url = box.getAttribute("data-status-url");
    var delay = 1000;
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 429) {  // the plan's request limit: wait as told
            delay = 1000 * (parseInt(response.headers.get("Retry-After"), 10) || 10);
            return null;
          }
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (next) {
          if (next === null) { setTimeout(tick, delay); return; }
          showProgress(next);
          if (next.status === "done" || next.status === "failed") {
            document.getElementById("backtest-results").innerHTML = next.html || "";
            drawBacktest(next);
          } else {
            setTimeout(tick, delay);
          }
        })
        .catch(function () { setTimeout(tick, Math.min(delay * 2, 30000)); });
    }
    setTimeout(tick, delay);
  }

  var backtest = readJSON("backtest-data");
  if (backtest) {
    if (backtest.status === "done" || backtest.status === "failed") {
      drawBacktest(backtest);
    } else {
      pollBacktest(document.getElementById("backtest"), backtest);
    }
  }

  /* -- the model: quality by month beside the market, calibration ----------------------------------- */
  var model = readJSON("model-data");
  if (model && model.months.length) {
    lineChart("log-loss-chart", model.months, [
      { label: model.texts.model, data: model.model_log_loss, borderColor: "#1f6f43", tension: 0 },
      { label: model.texts.market, data: model.market_log_loss, borderColor: "#5b6475", borderDash: [6, 4], tension: 0 }
    ], "log loss");
    lineChart("brier-chart", model.months, [
      { label: model.texts.model, data: model.model_brier, borderColor: "#1f6f43", tension: 0 },
      { label: model.texts.market, data: model.market_brier, borderColor: "#5b6475", borderDash: [6, 4], tension: 0 }
    ], "Brier");
  }
  if (model && model.counts.some(function (n) { return n > 0; })) {
    var canvas = document.getElementById("calibration-chart");
    if (canvas && typeof Chart !== "undefined") {
      var points = [];
      model.predicted.forEach(function (p, i) {
        if (p !== null) { points.push({ x: p, y: model.observed[i], n: model.counts[i] }); }
      });
      new Chart(canvas, {
        type: "scatter",
        data: {
          datasets: [
            { label: model.texts.observed, data: points, borderColor: "#1f6f43", backgroundColor: "#1f6f43", showLine: true },
            { label: model.texts.perfect, data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: "#5b6475",
              borderDash: [6, 4], showLine: true, pointRadius: 0 }
          ]
        },
        options: {
          responsive: true,
          maintainAspectRatio: true,
          aspectRatio: 1,
          animation: false,
          scales: {
            x: { min: 0, max: 1, title: { display: true, text: model.texts.predicted } },
            y: { min: 0, max: 1, title: { display: true, text: model.texts.observed } }
          },
          plugins: {
            tooltip: { callbacks: { label: function (c) {
              return (c.raw.n ? c.raw.n + " · " : "") + (100 * c.raw.x).toFixed(1) + " % → " + (100 * c.raw.y).toFixed(1) + " %";
            } } }
          }
        }
      });
    }
  }
  if (model) { document.body.setAttribute("data-charts-drawn", "true"); }
})();

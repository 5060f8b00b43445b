/*
 * The projection page's two charts, drawn from the JSON the view puts in
 * <script id="projection-data" type="application/json"> (docs/metrics.md, Projection).
 * Amounts arrive as decimal strings; the table beside the charts has the same
 * numbers. Colours come from the stylesheet's --chart-* properties, so the
 * charts follow the light and dark themes.
 */
(function () {
  "use strict";

  var source = document.getElementById("projection-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var css = window.getComputedStyle(document.documentElement);

  function colour(name) {
    return css.getPropertyValue(name).trim();
  }

  function numbers(values) {
    return values.map(function (value) {
      return value === null ? null : Number(value);
    });
  }

  var moneyFormat;
  try {
    moneyFormat = new Intl.NumberFormat(undefined, {
      style: "currency",
      currency: data.currency,
      notation: "compact",
      maximumFractionDigits: 1,
    });
  } catch (error) {
    moneyFormat = new Intl.NumberFormat(undefined, { notation: "compact" });
  }

  function money(value) {
    return moneyFormat.format(value);
  }

  window.Chart.defaults.color = colour("--chart-text");
  window.Chart.defaults.borderColor = colour("--chart-grid");
  window.Chart.defaults.font.family = colour("--font");

  var moneyTooltip = {
    callbacks: {
      label: function (item) {
        if (item.dataset.yAxisID === "ratio") {
          return item.dataset.label + ": " + item.formattedValue + "%";
        }
        return item.dataset.label + ": " + money(item.parsed.y);
      },
    },
  };

  var incomeCanvas = document.getElementById("projection-income-chart");
  if (incomeCanvas) {
    new window.Chart(incomeCanvas, {
      data: {
        labels: data.labels,
        datasets: [
          {
            type: "bar",
            label: "Passive income",
            data: numbers(data.passive),
            backgroundColor: colour("--chart-1"),
            yAxisID: "money",
            order: 2,
          },
          {
            type: "bar",
            label: "Earned income",
            data: numbers(data.earned),
            backgroundColor: colour("--chart-2"),
            yAxisID: "money",
            order: 3,
          },
          {
            type: "line",
            label: "Wealth ratio",
            data: numbers(data.ratio),
            borderColor: colour("--chart-3"),
            backgroundColor: colour("--chart-3"),
            pointRadius: 2,
            yAxisID: "ratio",
            order: 1,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: { tooltip: moneyTooltip },
        scales: {
          money: {
            position: "left",
            beginAtZero: true,
            title: { display: true, text: "Income a year" },
            ticks: { callback: money },
          },
          ratio: {
            position: "right",
            beginAtZero: true,
            title: { display: true, text: "Wealth ratio" },
            grid: { drawOnChartArea: false },
            ticks: {
              callback: function (value) {
                return value + "%";
              },
            },
          },
        },
      },
    });
  }

  var capitalCanvas = document.getElementById("projection-capital-chart");
  if (capitalCanvas) {
    new window.Chart(capitalCanvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: "Invested capital",
            data: numbers(data.capital),
            borderColor: colour("--chart-4"),
            backgroundColor: colour("--chart-4"),
            pointRadius: 2,
            yAxisID: "money",
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: { tooltip: moneyTooltip },
        scales: {
          money: { beginAtZero: true, ticks: { callback: money } },
        },
      },
    });
  }
})();

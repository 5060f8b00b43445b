/* The dashboard's history charts, drawn with the vendored Chart.js.
 *
 * Data comes from <script type="application/json" id="chart-data"> (Django's
 * json_script), built from snapshots by portfolio/charts.py: figures are decimal
 * strings, "Infinity" when unbounded and null when undefined. Numbers become
 * floats here only to be drawn; the tables beside the charts hold the exact ones.
 * The range buttons show the last 12 or 36 months, or everything, in the charts
 * and in their tables.
 */
(function () {
  "use strict";

  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var style = getComputedStyle(document.documentElement);

  function cssVar(name, fallback) {
    return style.getPropertyValue(name).trim() || fallback;
  }

  var palette = [1, 2, 3, 4, 5].map(function (n) {
    return cssVar("--chart-" + n, "#0b6b5c");
  });
  var gridColor = cssVar("--chart-grid", "#d6dcd8");
  var textColor = cssVar("--chart-text", "#535e69");

  // Unbounded ("fully passive", "free") and undefined figures leave a gap.
  function toNumber(value) {
    if (value === null || value === "Infinity") {
      return null;
    }
    return Number(value);
  }

  var money = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: "currency",
    currency: data.currency,
    maximumFractionDigits: 0,
  });
  var percent = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: "percent",
    maximumFractionDigits: 1,
  });
  var oneDecimal = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    maximumFractionDigits: 1,
  });

  function formatMonths(value) {
    return oneDecimal.format(value) + " mo";
  }

  function line(label, values, colour, extra) {
    var dataset = {
      label: label,
      data: values.map(toNumber),
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      pointRadius: 0,
      pointHitRadius: 6,
      spanGaps: false,
      tension: 0,
    };
    return Object.assign(dataset, extra || {});
  }

  // A plain note for the tooltip where a figure has no finite value.
  function unboundedNote(values, words) {
    return function (item) {
      var raw = values[item.dataIndex];
      if (raw === "Infinity") {
        return item.dataset.label + ": " + words;
      }
      return undefined;
    };
  }

  function options(formatTick, stacked) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { labels: { color: textColor, boxWidth: 12 } },
        tooltip: {
          callbacks: {
            label: function (item) {
              if (item.parsed.y === null) {
                return undefined;
              }
              return item.dataset.label + ": " + formatTick(item.parsed.y);
            },
          },
        },
      },
      scales: {
        x: {
          stacked: !!stacked,
          ticks: { color: textColor, maxRotation: 0, autoSkip: true, autoSkipPadding: 12 },
          grid: { color: gridColor },
        },
        y: {
          stacked: !!stacked,
          ticks: { color: textColor, callback: formatTick },
          grid: { color: gridColor },
        },
      },
    };
  }

  var definitions = {
    ratio: function () {
      var datasets = [line("Wealth ratio", data.ratio, palette[0])];
      // One dataset per goal, so one year's line never joins the next year's.
      data.goals.forEach(function (goal) {
        datasets.push(line("Goal path", goal.path, palette[2], { borderDash: [6, 4] }));
        datasets.push(
          line("Goal target", goal.target, palette[3], { borderDash: [2, 3], borderWidth: 1.5 })
        );
      });
      var config = {
        type: "line",
        data: { labels: data.labels, datasets: datasets },
        options: options(percent.format),
      };
      // The legend names "Goal path" and "Goal target" once, however many years.
      config.options.plugins.legend.labels.filter = function (item, chartData) {
        return chartData.datasets.findIndex(function (d) {
          return d.label === item.text;
        }) === item.datasetIndex;
      };
      config.options.plugins.tooltip.callbacks.label = (function (fallback) {
        var note = unboundedNote(data.ratio, "fully passive");
        return function (item) {
          return (item.datasetIndex === 0 && note(item)) || fallback(item);
        };
      })(config.options.plugins.tooltip.callbacks.label);
      return config;
    },
    passive: function () {
      var datasets = data.passive.map(function (series, i) {
        var colour = palette[i % palette.length];
        return {
          label: series.label,
          data: series.values.map(toNumber),
          backgroundColor: colour,
          borderColor: colour,
          borderWidth: 0,
          stack: "passive",
        };
      });
      return {
        type: "bar",
        data: { labels: data.labels, datasets: datasets },
        options: options(money.format, true),
      };
    },
    runway: function () {
      return {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            line("Runway", data.runway, palette[1]),
            line("With passive income", data.runway_with_passive, palette[0]),
          ],
        },
        options: options(formatMonths),
      };
    },
    balance: function () {
      return {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            line("Net worth", data.net_worth, palette[1]),
            line("Liquid assets", data.liquid_assets, palette[0]),
          ],
        },
        options: options(money.format),
      };
    },
  };

  // Marks each canvas once Chart.js has painted it (the browser test checks it).
  var drawnMarker = {
    id: "drawnMarker",
    afterRender: function (chart) {
      chart.canvas.dataset.drawn = "true";
    },
  };

  var charts = [];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var build = definitions[canvas.dataset.chart];
    if (!build) {
      return;
    }
    var config = build();
    config.plugins = [drawnMarker];
    var full = {
      labels: config.data.labels.slice(),
      series: config.data.datasets.map(function (d) { return d.data.slice(); }),
    };
    charts.push({ chart: new window.Chart(canvas, config), full: full });
  });

  function showLast(count) {
    charts.forEach(function (entry) {
      var start = count === null ? 0 : Math.max(entry.full.labels.length - count, 0);
      entry.chart.data.labels = entry.full.labels.slice(start);
      entry.chart.data.datasets.forEach(function (dataset, i) {
        dataset.data = entry.full.series[i].slice(start);
      });
      entry.chart.update();
    });
    document.querySelectorAll("[data-chart-table] tbody tr").forEach(function (row) {
      row.hidden = count !== null && Number(row.dataset.age) >= count;
    });
  }

  var range = document.querySelector("[data-chart-range]");
  if (range && charts.length) {
    range.hidden = false;
    range.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-range]");
      if (!button) {
        return;
      }
      range.querySelectorAll("button[data-range]").forEach(function (other) {
        other.setAttribute("aria-pressed", String(other === button));
      });
      showLast(button.dataset.range === "all" ? null : Number(button.dataset.range));
    });
  }
})();

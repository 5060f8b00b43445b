/* The dashboard's history charts, drawn with the vendored Chart.js.
 *
 * Data comes from <script type="application/json" id="chart-data"> (Django's
 * json_script) inside the [data-charts] section, built from snapshots by
 * dashboard/charts.py: figures are decimal strings, "Infinity" when unbounded and
 * null when undefined. Numbers become floats here only to be drawn; the tables
 * beside the charts hold the exact ones. The range buttons show the last 12 or 36
 * months, or everything, in the charts and in their tables.
 *
 * Without this script (or without Chart.js) the tables are open and the chart
 * boxes hidden; the class "js-charts" on <html> shows the boxes and folds the
 * tables (static/css/app.css).
 *
 * While the user's history is being recomputed the section says so
 * ([data-charts-pending]); this script then asks the status URL every few seconds,
 * a bounded number of times, and once nothing is pending fetches this same page
 * and replaces the section with the fresh one, without reloading the page.
 */
(function () {
  "use strict";

  var POLL_MS = 2500;
  // About a minute: a recompute waits at most that long for a user who keeps
  // editing (MAX_DEBOUNCE in portfolio/snapshots.py).
  var POLL_LIMIT = 24;

  var root = document.documentElement;
  var canDraw = typeof window.Chart !== "undefined";
  if (canDraw) {
    root.classList.add("js-charts");
  }
  var style = getComputedStyle(root);
  var locale = root.lang || undefined;

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

  var formatters = {};
  // kind: "money" (with a currency), "percent" or "number", with ``digits`` decimals.
  function formatter(kind, digits, currency) {
    var key = [kind, digits, currency].join(" ");
    if (!formatters[key]) {
      var settings = { minimumFractionDigits: digits, maximumFractionDigits: digits };
      if (kind === "money") {
        settings.style = "currency";
        settings.currency = currency;
      } else if (kind === "percent") {
        settings.style = "percent";
      }
      formatters[key] = new Intl.NumberFormat(locale, settings);
    }
    return formatters[key];
  }

  // The fewest decimals (up to ``most``) that write ``step`` exactly.
  function decimalsFor(step, most) {
    for (var digits = 0; digits < most; digits++) {
      var scaled = step * Math.pow(10, digits);
      if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) {
        return digits;
      }
    }
    return most;
  }

  /* How an axis of one kind of value reads. ``tick`` writes a tick label with the
   * decimals its step needs (no "$1, $1, $0") and leaves out a label equal to the
   * one before it; ``tooltip`` writes a value exactly enough to read. */
  function units(kind, currency) {
    // Percent values are fractions: a step of 0.005 is half a percentage point.
    var scale = kind === "percent" ? 100 : 1;
    var most = kind === "number" ? 1 : 2;
    function digitsOf(ticks) {
      var step = ticks.length > 1 ? Math.abs(ticks[1].value - ticks[0].value) * scale : 1;
      var digits = decimalsFor(step, most);
      // Money reads in whole units or in cents, never in tenths.
      return kind === "money" && digits > 0 ? 2 : digits;
    }
    function write(value, digits) {
      // Rounded first, so that -0.0000001 never reads "−$0"; "|| 0" drops -0.
      var rounded = Number((value * scale).toFixed(digits)) / scale || 0;
      var text = formatter(kind, digits, currency).format(rounded);
      return kind === "number" ? text + " mo" : text;
    }
    return {
      // Chart.js rounds its steps to this many decimals of the value itself.
      precision: kind === "percent" ? 4 : most,
      tick: function (value, index, ticks) {
        var digits = digitsOf(ticks);
        var text = write(value, digits);
        if (index > 0 && write(ticks[index - 1].value, digits) === text) {
          return "";
        }
        return text;
      },
      tooltip: function (value) {
        // Cents for money; a tenth of a unit, or a hundredth below 1 (a 0.05% ratio).
        var digits = kind === "money" || Math.abs(value * scale) < 1 ? 2 : 1;
        return write(value, digits);
      },
    };
  }

  /* Bounds of a percent axis that fit the data: a little room above and below,
   * never below 0 when no value is, and no "−100% to 100%" around a single value. */
  function fitPercent(datasets) {
    var values = [];
    datasets.forEach(function (dataset) {
      dataset.data.forEach(function (value) {
        if (value !== null && isFinite(value)) {
          values.push(value);
        }
      });
    });
    if (!values.length) {
      return { suggestedMin: 0, suggestedMax: 0.1 };
    }
    var low = Math.min.apply(null, values);
    var high = Math.max.apply(null, values);
    // A tenth of the span or of the value, so that 0.05% does not sit under an axis
    // to 0.6%; a percentage point around a ratio that is 0 throughout.
    var pad = Math.max((high - low) * 0.1, Math.abs(high) * 0.1) || 0.01;
    var min = low - pad;
    if (low >= 0 && min < 0) {
      min = 0;
    }
    return { suggestedMin: min, suggestedMax: high + pad };
  }

  /* Money and months from 0 up (and down to a negative net worth when there is
   * one), with some room above the highest value so a flat line never sits on the
   * top edge; Chart.js keeps 0 as the bottom when it is. */
  var FROM_ZERO = { beginAtZero: true, grace: "5%" };

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

  function options(unit, stacked, y) {
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
              return item.dataset.label + ": " + unit.tooltip(item.parsed.y);
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
        y: Object.assign(
          {
            stacked: !!stacked,
            ticks: { color: textColor, callback: unit.tick, precision: unit.precision },
            grid: { color: gridColor },
          },
          y || {}
        ),
      },
    };
  }

  // Each returns a Chart.js config, and ``fit`` when the y axis follows the data shown.
  var definitions = {
    ratio: function (data) {
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
        options: options(units("percent"), false, fitPercent(datasets)),
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
      config.fit = fitPercent;
      return config;
    },
    passive: function (data) {
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
        options: options(units("money", data.currency), true, FROM_ZERO),
      };
    },
    runway: function (data) {
      return {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            line("Runway", data.runway, palette[1]),
            line("With passive income", data.runway_with_passive, palette[0]),
          ],
        },
        options: options(units("number"), false, FROM_ZERO),
      };
    },
    balance: function (data) {
      return {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            line("Net worth", data.net_worth, palette[1]),
            line("Liquid assets", data.liquid_assets, palette[0]),
          ],
        },
        options: options(units("money", data.currency), false, FROM_ZERO),
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

  // Draws the charts of ``section`` and runs its range buttons.
  function draw(section) {
    var source = section.querySelector("#chart-data");
    if (!canDraw || !source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    section.querySelectorAll("details.chart-table").forEach(function (details) {
      details.open = false; // open for readers without the script
    });

    var charts = [];
    section.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var build = definitions[canvas.dataset.chart];
      if (!build) {
        return;
      }
      var config = build(data);
      var fit = config.fit;
      delete config.fit;
      config.plugins = [drawnMarker];
      var full = {
        labels: config.data.labels.slice(),
        series: config.data.datasets.map(function (d) {
          return d.data.slice();
        }),
      };
      charts.push({ chart: new window.Chart(canvas, config), full: full, fit: fit });
    });

    function showLast(count) {
      charts.forEach(function (entry) {
        var start = count === null ? 0 : Math.max(entry.full.labels.length - count, 0);
        entry.chart.data.labels = entry.full.labels.slice(start);
        entry.chart.data.datasets.forEach(function (dataset, i) {
          dataset.data = entry.full.series[i].slice(start);
        });
        if (entry.fit) {
          Object.assign(entry.chart.options.scales.y, entry.fit(entry.chart.data.datasets));
        }
        entry.chart.update();
      });
      section.querySelectorAll("[data-chart-table] tbody tr").forEach(function (row) {
        row.hidden = count !== null && Number(row.dataset.age) >= count;
      });
    }

    var range = section.querySelector("[data-chart-range]");
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
  }

  function get(url, accept) {
    return fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: accept },
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(url + ": " + response.status);
      }
      return accept === "application/json" ? response.json() : response.text();
    });
  }

  // Replaces ``section`` with the one of a fresh copy of this page, and draws it.
  function refresh(section) {
    return get(location.pathname + location.search, "text/html").then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-charts]");
      if (!fresh) {
        throw new Error("No charts in the page");
      }
      if (canDraw) {
        section.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
          var chart = window.Chart.getChart(canvas);
          if (chart) {
            chart.destroy();
          }
        });
      }
      fresh = document.importNode(fresh, true);
      section.replaceWith(fresh);
      start(fresh);
    });
  }

  // While the section says a recompute is pending, asks until it is done.
  function watch(section) {
    var note = section.querySelector("[data-charts-pending]");
    var url = section.dataset.statusUrl;
    if (!note || !url || typeof window.fetch === "undefined") {
      return;
    }
    var asked = 0;
    function later() {
      if (asked >= POLL_LIMIT) {
        note.textContent = "Figures are still being updated: reload the page in a minute to see them.";
        return;
      }
      window.setTimeout(ask, POLL_MS);
    }
    function ask() {
      asked += 1;
      get(url, "application/json")
        .then(function (status) {
          if (status.pending) {
            later();
            return undefined;
          }
          return refresh(section);
        })
        .catch(later);
    }
    later();
  }

  function start(section) {
    draw(section);
    watch(section);
  }

  var section = document.querySelector("[data-charts]");
  if (section) {
    start(section);
  }
})();

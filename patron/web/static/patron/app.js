/* Patron pages: the phone menu and ECharts widgets (drawn when a partial arrives). */
(function () {
  "use strict";

  var STAGE_COLORS = { new_customers: "#2563eb", accounts: "#16a34a", lapsed: "#dc2626" };
  var echartsLoading = null;

  function loadEcharts(url) {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!echartsLoading) {
      echartsLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = url;
        script.onload = function () { resolve(window.echarts); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return echartsLoading;
  }

  function historyOption(data) {
    var narrow = window.innerWidth < 640;
    return {
      animation: false,
      color: data.series.map(function (s) { return STAGE_COLORS[s.key] || "#64748b"; }),
      tooltip: { trigger: "axis" },
      legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 10 },
      grid: { top: 36, left: 8, right: 8, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: data.months,
        axisTick: { alignWithLabel: true },
        axisLabel: { hideOverlap: true, rotate: narrow ? 45 : 0 }
      },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef2f7" } } },
      series: data.series.map(function (s) {
        var item = { name: s.name, type: s.type, data: s.data };
        if (s.type === "line") {
          item.smooth = true;
          item.symbolSize = 5;
          item.lineStyle = { width: 3 };
        } else {
          item.barMaxWidth = 14;
          item.itemStyle = { borderRadius: [3, 3, 0, 0] };
        }
        return item;
      })
    };
  }

  function drawCharts(root) {
    var nodes = (root || document).querySelectorAll("[data-chart]:not([data-chart-ready])");
    if (!nodes.length) return;
    loadEcharts(nodes[0].getAttribute("data-echarts-src")).then(function (echarts) {
      nodes.forEach(function (node) {
        var source = document.getElementById(node.getAttribute("data-chart-source"));
        if (!source) return;
        var data = JSON.parse(source.textContent);
        var chart = echarts.init(node, null, { locale: data.locale || "EN", renderer: "canvas" });
        chart.setOption(historyOption(data));
        node.setAttribute("data-chart-ready", "true");
        window.addEventListener("resize", function () { chart.resize(); });
      });
    });
  }

  function setupNav() {
    var toggle = document.querySelector("[data-nav-toggle]");
    if (!toggle) return;
    toggle.addEventListener("click", function () {
      var open = document.body.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupNav();
    drawCharts(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    drawCharts(event.target);
  });
})();

/* Funnel pages: drag a card on the pipeline board to another stage (the server validates the
   move like the API and sends the board back), and the funnel and trend charts (ECharts). */
(function () {
  "use strict";

  var dragged = null;
  var echartsLoading = null;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function columnOf(node) {
    return node && node.closest ? node.closest(".board-column") : null;
  }

  function columnFor(stageId) {
    return document.querySelector('.board-column[data-stage-id="' + stageId + '"]');
  }

  // the keyboard way: choose the stage in the card's list
  document.addEventListener("change", function (event) {
    var select = event.target.closest ? event.target.closest("[data-move-select]") : null;
    if (!select) return;
    var card = select.closest(".board-card");
    var column = columnFor(select.value);
    if (card && column && columnOf(card) !== column) moveCard(card, column);
  });

  function moveCard(card, column) {
    var board = document.getElementById("board");
    var list = column.querySelector("[data-dropzone]");
    list.insertBefore(card, list.firstChild);
    card.classList.add("is-saving");
    var body = new FormData();
    body.append("stage", column.getAttribute("data-stage-id"));
    body.append("board", board ? board.getAttribute("data-board-query") || "" : "");
    return fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.text().then(function (html) {
        var current = document.getElementById("board");
        if (current) current.outerHTML = html;
        document.dispatchEvent(new CustomEvent("funnel:board-updated", { detail: { ok: response.ok } }));
      });
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".board-card") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-opportunity-id"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    document.querySelectorAll(".board-column.is-over").forEach(function (node) {
      node.classList.remove("is-over");
    });
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("is-over");
  });

  document.addEventListener("dragleave", function (event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("is-over");
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.remove("is-over");
    var card = dragged;
    dragged = null;
    if (columnOf(card) === column) return;
    moveCard(card, column);
  });

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

  var COLORS = ["#4f46e5", "#2563eb", "#0891b2", "#16a34a", "#d97706"];

  function funnelOption(data) {
    return {
      animation: false,
      color: COLORS,
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{
        type: "funnel",
        left: "2%", width: "58%", top: 8, bottom: 8,
        minSize: "10%", sort: "none", gap: 3,
        label: { show: true, position: "right", formatter: "{b}  {c}", color: "#0f172a", fontWeight: 600 },
        labelLine: { show: true, length: 12 },
        data: data.steps
      }]
    };
  }

  function trendOption(data) {
    var narrow = window.innerWidth < 640;
    return {
      animation: false,
      color: COLORS,
      tooltip: { trigger: "axis" },
      legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 10 },
      grid: { top: 40, left: 8, right: 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.periods, axisLabel: { hideOverlap: true, rotate: narrow ? 45 : 0 } },
      yAxis: [
        { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef2f7" } } },
        { type: "value", max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } }
      ],
      series: data.series.map(function (s) {
        if (s.percent) {
          return { name: s.name, type: "line", yAxisIndex: 1, data: s.data, smooth: true, symbolSize: 5, connectNulls: true };
        }
        return { name: s.name, type: "bar", data: s.data, barMaxWidth: 14, itemStyle: { borderRadius: [3, 3, 0, 0] } };
      })
    };
  }

  function drawCharts(root) {
    var nodes = (root || document).querySelectorAll("[data-funnel-chart]:not([data-chart-ready])");
    if (!nodes.length) return;
    loadEcharts(nodes[0].getAttribute("data-echarts-src")).then(function (echarts) {
      nodes.forEach(function (node) {
        var source = document.getElementById(node.getAttribute("data-chart-source"));
        if (!source) return;
        var data = JSON.parse(source.textContent);
        var chart = echarts.init(node, null, { locale: data.locale || "EN", renderer: "canvas" });
        var kind = node.getAttribute("data-funnel-chart");
        chart.setOption(kind === "funnel" ? funnelOption(data) : trendOption(data));
        node.setAttribute("data-chart-ready", "true");
        window.addEventListener("resize", function () { chart.resize(); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });
})();

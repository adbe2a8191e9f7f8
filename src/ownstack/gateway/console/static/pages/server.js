// Server: health (/_ownstack/health), what the server is (/_ownstack/info, signed: version,
// region, engines, data dir), and live request rates read from /metrics (Prometheus text,
// the counter http_server_requests_total by service), drawn as an SVG line chart.
// Route: #/server, or #/server?interval=MS to sample more often (tests use it).

import { parse, sumBy } from "../js/prometheus.js";

export const title = "Server";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 860;
const HEIGHT = 240;
const PAD = { left: 48, right: 12, top: 12, bottom: 24 };
const KEEP = 60; // samples on the chart
const COLORS = ["#1f6feb", "#d2691e", "#2da44e", "#8250df", "#cf222e", "#9a6700", "#0b7285"];
const METRIC = "http_server_requests_total";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

function niceMax(value) {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

/** points: [{t, rates: {series: perSecond}}]; series: names in legend order. */
export function drawChart(chart, points, series) {
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const top = niceMax(Math.max(0, ...points.flatMap((p) => series.map((s) => p.rates[s] || 0))));
  const x = (i) => PAD.left + (points.length <= 1 ? innerW : (innerW * i) / (points.length - 1));
  const y = (v) => PAD.top + innerH - (innerH * v) / top;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) =>
    svg(
      "g",
      { class: "grid" },
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(top * f), y2: y(top * f) }),
      svg("text", { x: PAD.left - 6, y: y(top * f) + 4, "text-anchor": "end" }, formatRate(top * f)),
    ),
  );
  // "all" is drawn last, dashed, so a single busy service does not hide it (or it that).
  const lines = series.map((name, i) => {
    const coords = points.map((p, j) => `${x(j).toFixed(1)},${y(p.rates[name] || 0).toFixed(1)}`);
    return svg("polyline", {
      points: coords.join(" "),
      fill: "none",
      stroke: COLORS[i % COLORS.length],
      "stroke-width": name === "all" ? 2 : 1.5,
      "stroke-dasharray": name === "all" ? "6 4" : "none",
      "data-series": name,
    });
  });
  lines.push(lines.shift());
  const span = points.length > 1 ? (points.at(-1).t - points[0].t) / 1000 : 0;
  const labels = [
    svg(
      "text",
      { x: PAD.left, y: HEIGHT - 6, class: "axis" },
      points.length < 2 ? "collecting samples…" : `${span.toFixed(0)} s ago`,
    ),
    svg("text", { x: WIDTH - PAD.right, y: HEIGHT - 6, "text-anchor": "end", class: "axis" }, "now"),
    svg(
      "text",
      { x: PAD.left + innerW / 2, y: HEIGHT - 6, "text-anchor": "middle", class: "axis" },
      "requests per second",
    ),
  ];
  chart.replaceChildren(...grid, ...lines, ...labels);
}

function formatRate(v) {
  if (v >= 10 || v === 0) return v.toFixed(0);
  return v >= 1 ? v.toFixed(1) : v.toFixed(2);
}

function legend(ui, series) {
  return ui.h(
    "p",
    { class: "legend" },
    series.map((name, i) =>
      ui.h("span", { class: "key" }, ui.h("i", { style: `background:${COLORS[i % COLORS.length]}` }), name),
    ),
  );
}

function sampler(ctx, chart, legendBox, totalsBox) {
  const { ui, api } = ctx;
  const points = [];
  let previous = null;
  return async function sample() {
    const totals = sumBy(parse(await api.metrics()), METRIC, "service");
    const now = performance.now();
    if (previous) {
      const seconds = Math.max((now - previous.t) / 1000, 0.001);
      const rates = {};
      let all = 0;
      for (const [service, count] of Object.entries(totals)) {
        const rate = Math.max(0, count - (previous.totals[service] || 0)) / seconds;
        rates[service] = rate;
        all += rate;
      }
      rates.all = all;
      points.push({ t: now, rates });
      if (points.length > KEEP) points.shift();
    }
    previous = { t: now, totals };
    const busiest = Object.entries(totals)
      .sort(([, a], [, b]) => b - a)
      .slice(0, COLORS.length - 1)
      .map(([name]) => name);
    const series = ["all", ...busiest];
    drawChart(chart, points, series);
    chart.dataset.points = String(points.length);
    legendBox.replaceChildren(legend(ui, series));
    totalsBox.replaceChildren(
      ui.table(
        [
          { label: "Service", render: ([name]) => name || "(unknown)" },
          { label: "Requests since start", render: ([, count]) => String(count) },
        ],
        Object.entries(totals).sort(([, a], [, b]) => b - a),
        { empty: "No requests counted yet." },
      ),
    );
  };
}

export async function render(root, ctx) {
  const { ui, api } = ctx;
  const [health, info] = await Promise.all([api.health(), api.info()]);
  const backends = Object.entries(health.body.backends || {});
  const status = health.body.status || String(health.status);
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: "chart",
    role: "img",
    "aria-label": "Requests per second",
    "data-test": "chart",
  });
  const legendBox = ui.h("div");
  const totalsBox = ui.h("div");
  root.append(
    ui.h(
      "div",
      { class: "columns" },
      ui.section(
        "Health",
        ui.h("p", {}, ui.h("span", { class: `badge ${status === "ok" ? "ok" : "bad"}`, "data-test": "health" }, status)),
        ui.table(
          [
            { label: "Port", render: ([port]) => port },
            { label: "Engine", render: ([, b]) => b.engine },
            { label: "Ready", render: ([, b]) => (b.ready ? "yes" : "no") },
          ],
          backends,
        ),
      ),
      ui.section(
        "Server",
        ui.kv(
          [
            ["Version", info.version],
            ["Region", info.region],
            ["Data dir", ui.h("code", {}, info.dataDir)],
            ["Engines", Object.entries(info.engines).map(([p, e]) => `${p}: ${e}`).join(", ")],
            ["Signed in as", info.identity],
          ],
          { test: "info" },
        ),
      ),
    ),
    ui.section("Request rates", chart, legendBox, ui.h("h3", {}, "Totals"), totalsBox),
  );
  const sample = sampler(ctx, chart, legendBox, totalsBox);
  await sample();
  const interval = Math.max(250, Number(ctx.params.interval) || 2000);
  ctx.every(interval, sample);
}

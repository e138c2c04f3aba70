// Draws the report's charts with uPlot from the JSON embedded in the page (its shape is described
// in crates/report/src/html/data.rs). Labels reach the page only as text (uPlot's legend and the
// <option>s use textContent), never as markup.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const palette = ["#2f6fed", "#1f9d55", "#c27c0e", "#d23f3f", "#8a63d2", "#0f9fb5", "#b8479b", "#6b7385"];
  const axis = { stroke: "#6b7385", grid: { stroke: "#eef0f4" }, ticks: { stroke: "#e3e6ec" } };
  // Times of day in UTC, 24-hour, as the page's header states them.
  const tzDate = (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");
  const clock = uPlot.fmtDate("{HH}:{mm}:{ss}");
  const timeAxis = { ...axis, space: 80, values: (u, ticks) => ticks.map((t) => clock(tzDate(t))) };
  const timeSeries = { value: (u, t) => (t == null ? "--" : clock(tzDate(t)) + " UTC") };
  // Counts and times start at zero, so a flat line reads as flat, not as noise.
  const fromZero = { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] };
  const height = 260;
  const plots = [];
  const widthOf = (el) => Math.max(320, el.clientWidth);
  const show = (unit, digits) => (u, v) => (v == null ? "--" : v.toFixed(digits) + unit);
  // A point can cover several seconds in a long test: rates are per second of the point.
  const perSecond = (counts) => counts.map((v, i) => v / data.width[i]);
  const longest = Math.max(1, ...data.width);

  function plot(id, opts, rows) {
    const el = document.getElementById(id);
    if (!el) return null;
    const p = new uPlot({ width: widthOf(el), height, tzDate, ...opts }, rows, el);
    plots.push([p, el]);
    return p;
  }

  plot("chart-load", {
    scales: { x: { time: true }, rate: fromZero, users: fromZero },
    series: [timeSeries,
      { label: "hits/s", stroke: palette[0], width: 2, scale: "rate", value: show(" /s", 1) },
      { label: "errors/s", stroke: palette[3], width: 2, scale: "rate", fill: "rgba(210,63,63,.08)", value: show(" /s", 1) },
      { label: "users", stroke: palette[4], width: 2, scale: "users", paths: uPlot.paths.stepped({ align: 1 }), value: show("", 0) }],
    axes: [timeAxis, { ...axis, scale: "rate", label: "per second" },
      { ...axis, scale: "users", side: 1, label: "users", grid: { show: false } }],
  }, [data.t, perSecond(data.hits), perSecond(data.fail), data.users]);

  const ms = show(" ms", 1);
  plot("chart-rt", {
    scales: { x: { time: true }, y: fromZero },
    series: [timeSeries, { label: "avg", stroke: palette[7], width: 1.5, value: ms },
      { label: "p50", stroke: palette[1], width: 2, value: ms },
      { label: "p95", stroke: palette[2], width: 2, value: ms },
      { label: "p99", stroke: palette[3], width: 2, value: ms }],
    axes: [timeAxis, { ...axis, label: "ms" }],
  }, [data.t, data.all.avg, data.all.p50, data.all.p95, data.all.p99]);

  const metric = document.getElementById("label-metric");
  if (metric && data.labels.length) {
    const rows = (m) => [data.t, ...data.labels.map((l) => l[m])];
    const byLabel = plot("chart-labels", {
      scales: { x: { time: true }, y: fromZero },
      series: [timeSeries, ...data.labels.map((l, i) => ({
        label: l.name, stroke: palette[i % palette.length], width: 2, spanGaps: true, value: ms,
      }))],
      axes: [timeAxis, { ...axis, label: "ms" }],
    }, rows(metric.value));
    metric.addEventListener("change", () => byLabel.setData(rows(metric.value)));
    const total = data.dist.length - 1;
    document.getElementById("labels-note").textContent =
      "The " + data.labels.length + " busiest labels" + (total > data.labels.length ? " (of " + total + " or more)" : "") +
      ", one value per second" + (longest > 1 ? " (per " + longest + " s in this long test: the worst second of each)" : "") +
      ". Click a label in the legend to hide it.";
  }

  // Bins of a nice width (1, 2 or 5 × 10^k ms) over the exact buckets up to the 99.9th percentile.
  function bins(d) {
    const b = d.buckets;
    let cum = 0, last = b.length - 1;
    for (let i = 0; i < b.length; i++) {
      cum += b[i][2];
      if (cum >= d.samples * 0.999) { last = i; break; }
    }
    const lo = b[0][0], hi = b[last][0] + b[last][1];
    const raw = (hi - lo) / 80;
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    const step = raw <= 1 ? 1 : [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
    const start = Math.floor(lo / step) * step;
    const n = Math.max(1, Math.ceil((hi - start) / step));
    const xs = Array.from({ length: n }, (_, i) => start + (i + 0.5) * step);
    const ys = new Array(n).fill(0);
    let tail = 0;
    for (const [low, , count] of b) {
      const k = Math.floor((low - start) / step);
      if (k < n) ys[k] += count; else tail += count;
    }
    return { xs, ys, step, start, end: start + n * step, tail };
  }

  function markers(d) {
    return (u) => {
      const ctx = u.ctx, dpr = devicePixelRatio || 1;
      ctx.save();
      ctx.font = 12 * dpr + "px system-ui, sans-serif";
      // uPlot leaves its axis text settings on the context.
      ctx.textAlign = "left";
      ctx.textBaseline = "alphabetic";
      [["p50", d.p50, palette[1]], ["p95", d.p95, palette[2]], ["p99", d.p99, palette[3]]].forEach(([name, v, colour], k) => {
        if (v == null || v > u.scales.x.max) return;
        const x = u.valToPos(v, "x", true);
        ctx.strokeStyle = ctx.fillStyle = colour;
        ctx.setLineDash([5 * dpr, 4 * dpr]);
        ctx.lineWidth = 1.5 * dpr;
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        // The text on a light patch, so a tall bar behind it does not hide it.
        const text = name + " " + v + " ms", y = u.bbox.top + (14 + 15 * k) * dpr;
        ctx.fillStyle = "rgba(255,255,255,.85)";
        ctx.fillRect(x + 3 * dpr, y - 11 * dpr, ctx.measureText(text).width + 4 * dpr, 14 * dpr);
        ctx.fillStyle = colour;
        ctx.fillText(text, x + 5 * dpr, y);
      });
      ctx.restore();
    };
  }

  const pick = document.getElementById("dist-label");
  let dist = null;
  function drawDist(i) {
    const d = data.dist[i];
    const el = document.getElementById("chart-dist");
    if (dist) { plots.splice(plots.findIndex(([p]) => p === dist), 1); dist.destroy(); dist = null; }
    const note = document.getElementById("dist-note");
    if (!d || !d.buckets.length) { note.textContent = "No response times were recorded."; return; }
    const b = bins(d);
    const range = (v) => v == null ? "--" : (v - b.step / 2) + (b.step > 1 ? "–" + (v + b.step / 2) : "") + " ms";
    dist = plot("chart-dist", {
      scales: { x: { time: false, range: () => [b.start, b.end] }, y: fromZero },
      series: [{ label: "response time", value: (u, v) => range(v) },
        { label: "samples", stroke: palette[0], fill: "rgba(47,111,237,.35)", width: 1,
          paths: uPlot.paths.bars({ size: [1, Infinity], gap: 1 }), points: { show: false }, value: show("", 0) }],
      axes: [{ ...axis, label: "response time, ms" }, { ...axis, label: "samples" }],
      hooks: { draw: [markers(d)] },
    }, [b.xs, b.ys]);
    const share = (n) => (100 * n / d.samples).toFixed(2) + "%";
    note.textContent = d.samples + " timed samples in bars " + b.step + " ms wide; max " + d.max + " ms." +
      (b.tail ? " " + b.tail + " samples (" + share(b.tail) + ") above " + b.end + " ms are not drawn." : "");
  }
  data.dist.forEach((d, i) => {
    const o = document.createElement("option");
    o.value = String(i);
    o.textContent = d.name === "" ? "All labels" : d.name;
    pick.appendChild(o);
  });
  pick.addEventListener("change", () => drawDist(Number(pick.value)));
  drawDist(0);

  addEventListener("resize", () => {
    for (const [p, el] of plots) p.setSize({ width: widthOf(el), height });
  });
})();

// Stampede hub console: a few views over DLT's API. Every user-supplied string reaches the page
// through text nodes (h() below), never as HTML.
"use strict";

const app = document.getElementById("app");
let cleanups = [];

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid == null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

function token() { return localStorage.getItem("stampedeToken") || ""; }

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (token()) headers.Authorization = "Bearer " + token();
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) { askToken(); throw new Error("this hub needs a token"); }
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
  return { status: r.status, data };
}

function askToken() {
  const input = h("input", { type: "password", placeholder: "token", size: 40 });
  show(h("div", { class: "card" }, h("h1", {}, "This hub needs a token"),
    h("p", { class: "muted" }, "It was started with --token (or STAMPEDE_HUB_TOKEN). The token stays in this browser."),
    h("form", { class: "row", onsubmit: (e) => { e.preventDefault(); localStorage.setItem("stampedeToken", input.value); route(); } },
      input, h("button", { class: "btn primary" }, "Save"))));
}

function show(...nodes) {
  app.replaceChildren(...nodes);
}

function badge(status) { return h("span", { class: "badge " + (status || ""), "data-status": status || "" }, status || "—"); }
const n = (v) => (v == null || v === "" ? NaN : Number(v));
function fmt(v, digits) {
  const x = n(v);
  if (!isFinite(x)) return "—";
  return x.toLocaleString(undefined, { maximumFractionDigits: digits ?? 0, minimumFractionDigits: digits ?? 0 });
}
const ms = (secs) => fmt(n(secs) * 1000, 1);
const active = (s) => s === "running" || s === "cancelling";

// ---- Dashboard ----------------------------------------------------------------------------------

async function dashboard() {
  const { data } = await api("GET", "/api/scenarios");
  const items = (data && data.Items) || [];
  if (!items.length) {
    show(h("div", { class: "card empty" }, h("p", {}, "No tests yet."), h("a", { class: "btn primary", href: "#/new" }, "Create your first test")));
    return;
  }
  const rows = items.map((t) => {
    const last = h("td", { class: "muted" }, "…");
    api("GET", `/api/scenarios/${encodeURIComponent(t.testId)}/testruns?limit=1`).then(({ data }) => {
      const r = data && data.testRuns && data.testRuns[0];
      last.replaceChildren(r && active(r.status) ? "running…" : r && r.requests != null
        ? `${fmt(r.requests)} requests · ${fmt(r.requestsPerSecond, 1)}/s · p95 ${fmt((r.exactPercentiles || r.percentiles).p95, 0)} ms · ${fmt(r.requests ? (100 * r.errors) / r.requests : 0, 2)}% errors`
        : "no results");
    });
    return h("tr", { "data-test": t.testId },
      h("td", {}, h("a", { href: "#/test/" + encodeURIComponent(t.testId) }, t.testName)),
      h("td", {}, badge(t.status)),
      h("td", {}, t.startTime || "—"),
      h("td", { class: "num" }, t.totalTestRuns ?? 0),
      last);
  });
  show(h("div", { class: "card" }, h("h2", {}, "Tests"),
    h("table", { id: "tests" }, h("thead", {}, h("tr", {}, ["Name", "Status", "Last start", "Runs", "Last result"].map((c) => h("th", { class: c === "Runs" ? "num" : "" }, c)))),
      h("tbody", {}, rows))));
  if (items.some((t) => active(t.status))) later(dashboard, 3000);
}

function later(fn, ms) {
  const id = setTimeout(fn, ms);
  cleanups.push(() => clearTimeout(id));
}

// ---- Create -------------------------------------------------------------------------------------

const FIELD_INPUTS = {
  testName: "name", testDescription: "description",
  "testTaskConfigs[0].taskCount": "tasks", "testTaskConfigs[0].concurrency": "users",
  "testScenario.execution[0].hold-for": "holdFor", "testScenario.execution[0].ramp-up": "rampUp",
  "testScenario.scenarios.console.requests[0].url": "url",
};

// `edit`: an existing test, shown as its Taurus config (secrets masked; the hub keeps the stored
// values for masked fields when the test is saved under its id).
function createForm(edit) {
  const f = {};
  const input = (name, attrs) => (f[name] = h("input", { name, ...attrs }));
  let mode = "form";
  const yaml = h("textarea", { class: "yaml", name: "yaml", placeholder: "execution:\n- concurrency: 10\n  hold-for: 1m\n  scenario: home\nscenarios:\n  home:\n    requests:\n    - https://example.com/" });
  const method = h("select", { name: "method" }, ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].map((m) => h("option", {}, m)));
  const headers = h("textarea", { name: "headers", placeholder: "Accept: application/json" });
  const body = h("textarea", { name: "body", placeholder: "request body (optional)" });
  const errors = h("div");
  const simple = h("div", { class: "grid" },
    h("label", { class: "full" }, "URL", input("url", { type: "url", required: true, placeholder: "https://staging.example.com/api/health" })),
    h("label", {}, "Method", method),
    h("label", { class: "wide" }, h("span", {}, "Headers ", h("span", { class: "hint" }, "one 'Name: value' per line")), headers),
    h("label", {}, "Body", body));
  const paste = h("div", { hidden: true }, h("label", {}, h("span", {}, "Taurus config ", h("span", { class: "hint" }, "YAML or JSON, as for stampede run / bzt")), yaml));
  const tabs = h("div", { class: "tabs" });
  const setMode = (m) => {
    mode = m;
    simple.hidden = m !== "form";
    paste.hidden = m !== "yaml";
    f.url.required = m === "form";
    // A pasted config has its own load profile; tasks and users per task still apply.
    for (const el of [f.rampUp, f.holdFor]) if (el) el.closest("label").hidden = m !== "form";
    tabs.replaceChildren(
      h("button", { type: "button", class: m === "form" ? "on" : "", onclick: () => setMode("form") }, "Simple form"),
      h("button", { type: "button", class: m === "yaml" ? "on" : "", onclick: () => setMode("yaml") }, "Taurus YAML/JSON"));
  };
  const form = h("form", { id: "create", onsubmit: (e) => { e.preventDefault(); submit(); } },
    h("div", { class: "grid" },
      h("label", { class: "wide" }, "Name", input("name", { required: true, placeholder: "Checkout API smoke" })),
      h("label", { class: "wide" }, "Description", input("description", { value: "Created in the console" }))),
    h("br"), tabs, simple, paste, h("br"),
    h("div", { class: "grid" },
      h("label", {}, "Tasks", input("tasks", { type: "number", min: 1, value: 1 })),
      h("label", {}, "Users per task", input("users", { type: "number", min: 1, value: 5 })),
      h("label", {}, h("span", {}, "Ramp-up ", h("span", { class: "hint" }, "e.g. 10s")), input("rampUp", { value: "0s" })),
      h("label", {}, h("span", {}, "Hold for ", h("span", { class: "hint" }, "e.g. 1m")), input("holdFor", { value: "30s" }))),
    errors,
    h("div", { class: "row" }, h("button", { class: "btn primary", type: "submit", id: "run" }, edit ? "Save and run" : "Create and run"), h("a", { href: "#/" }, "Cancel")));
  setMode("form");
  if (edit) {
    const tc = (edit.testTaskConfigs || [])[0] || {};
    f.name.value = edit.testName;
    f.description.value = edit.testDescription;
    f.tasks.value = tc.taskCount || 1;
    f.users.value = tc.concurrency || 1;
    yaml.value = JSON.stringify(edit.testScenario, null, 2);
    setMode("yaml");
  }
  show(h("h1", {}, edit ? "Edit test" : "New test"), h("div", { class: "card" }, form));

  async function submit() {
    for (const el of Object.values(f)) el.classList.remove("invalid");
    let scenario;
    if (mode === "yaml") {
      scenario = yaml.value;
    } else {
      const hdrs = {};
      for (const line of headers.value.split("\n")) {
        const i = line.indexOf(":");
        if (i > 0) hdrs[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      const req = { url: f.url.value, method: method.value };
      if (Object.keys(hdrs).length) req.headers = hdrs;
      if (body.value) req.body = body.value;
      const exec = { "hold-for": f.holdFor.value, scenario: "console" };
      if (f.rampUp.value && f.rampUp.value !== "0" && f.rampUp.value !== "0s") exec["ramp-up"] = f.rampUp.value;
      scenario = { execution: [exec], scenarios: { console: { requests: [req] } } };
    }
    const payload = {
      testId: edit ? edit.testId : undefined,
      testName: f.name.value, testDescription: f.description.value, testType: "simple",
      testTaskConfigs: [{ region: "local", taskCount: Number(f.tasks.value), concurrency: Number(f.users.value) }],
      testScenario: scenario,
    };
    const { status, data } = await api("POST", "/api/scenarios", payload);
    if (status === 200) { location.hash = "#/test/" + encodeURIComponent(data.testId); return; }
    const list = (data && data.errors) || [{ field: "", message: (data && data.message) || "HTTP " + status }];
    for (const e of list) { const el = f[FIELD_INPUTS[e.field]]; if (el) el.classList.add("invalid"); }
    errors.replaceChildren(h("div", { class: "errors", id: "errors" }, h("strong", {}, "The test was not created:"),
      h("ul", {}, list.map((e) => h("li", {}, e.field ? h("code", {}, e.field) : null, e.field ? ": " : "", e.message)))));
  }
}

// ---- Charts -------------------------------------------------------------------------------------

function chartPair(seconds) {
  const box1 = h("div", { class: "chart", id: "chart-load" }, h("div", { class: "title" }, "Users, requests and errors per second"));
  const box2 = h("div", { class: "chart", id: "chart-rt" }, h("div", { class: "title" }, "Response time (ms, merged across tasks)"));
  const wrap = h("div", { class: "charts" }, box1, box2);
  const data = { t: [], vu: [], rps: [], err: [], avg: [], p50: [], p95: [], p99: [] };
  let plots = null;
  const width = () => Math.max(320, Math.floor((app.clientWidth - 80) / (innerWidth > 900 ? 2 : 1)));
  const axis = { stroke: "#6b7385", grid: { stroke: "#eef0f4" } };
  // Counts and times start at zero, so a flat line reads as flat, not as noise.
  const fromZero = { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] };
  function build() {
    const o1 = {
      width: width(), height: 230, scales: { x: { time: true }, vu: fromZero, rps: fromZero },
      series: [{}, { label: "users", stroke: "#8a63d2", width: 2, scale: "vu" },
        { label: "req/s", stroke: "#2f6fed", width: 2, scale: "rps" },
        { label: "errors/s", stroke: "#d23f3f", width: 2, scale: "rps" }],
      axes: [axis, { ...axis, scale: "vu", label: "users" }, { ...axis, scale: "rps", side: 1, label: "per second", grid: { show: false } }],
    };
    const o2 = {
      width: width(), height: 230, scales: { x: { time: true }, y: fromZero },
      series: [{}, { label: "avg", stroke: "#6b7385", width: 1.5 }, { label: "p50", stroke: "#1f9d55", width: 2 },
        { label: "p95", stroke: "#c27c0e", width: 2 }, { label: "p99", stroke: "#d23f3f", width: 2 }],
      axes: [axis, { ...axis, label: "ms" }],
    };
    plots = [new uPlot(o1, [data.t, data.vu, data.rps, data.err], box1), new uPlot(o2, [data.t, data.avg, data.p50, data.p95, data.p99], box2)];
  }
  function redraw() {
    if (!plots) return;
    plots[0].setData([data.t, data.vu, data.rps, data.err]);
    plots[1].setData([data.t, data.avg, data.p50, data.p95, data.p99]);
  }
  function put(s) {
    const t = s.timestamp / 1000;
    let i = data.t.length;
    while (i > 0 && data.t[i - 1] > t) i--;
    const replace = i > 0 && data.t[i - 1] === t;
    const at = replace ? i - 1 : i;
    const vals = { t, vu: s.vu, rps: s.succ + s.fail, err: s.fail, avg: s.avgRt, p50: s.p50, p95: s.p95, p99: s.p99 };
    for (const k of Object.keys(data)) data[k].splice(at, replace ? 1 : 0, vals[k]);
  }
  for (const s of seconds) put(s);
  requestAnimationFrame(build);
  return { node: wrap, add(s) { put(s); redraw(); }, data };
}

// ---- Test details -------------------------------------------------------------------------------

async function details(testId, runId) {
  for (const c of cleanups) c();
  cleanups = [];
  const base = "/api/scenarios/" + encodeURIComponent(testId);
  // The console pages the runs itself (historyCard), so the item comes without history[].
  const { status, data: test } = await api("GET", base + "?history=false");
  if (status !== 200) { show(h("div", { class: "card errors" }, (test && test.message) || "HTTP " + status)); return; }
  const running = active(test.status);
  const currentRun = runId || test.testRunId;
  // The run item has what the test item lacks (validity, per-task rows).
  const run = currentRun && !running ? (await api("GET", `${base}/testruns/${encodeURIComponent(currentRun)}`)).data : test;
  const tc = (test.testTaskConfigs || [])[0] || {};
  const actions = h("div", { class: "row" },
    running ? h("button", { class: "btn danger", id: "cancel", onclick: async (e) => { e.target.disabled = true; await api("POST", base); details(testId); } }, "Cancel") : null,
    !running ? h("button", { class: "btn primary", id: "rerun", onclick: () => rerun(test) }, "Run again") : null,
    !running ? h("a", { class: "btn", id: "edit", href: "#/edit/" + encodeURIComponent(testId) }, "Edit") : null,
    !running ? h("button", { class: "btn danger", id: "delete", onclick: async () => { if (confirm("Delete this test and all its runs?")) { await api("DELETE", base); location.hash = "#/"; } } }, "Delete") : null);
  const head = h("div", { class: "spread" },
    h("div", {}, h("h1", { id: "test-name" }, test.testName), h("div", { class: "muted" }, test.testDescription),
      h("div", { class: "row" }, badge(test.status), h("span", { class: "muted" },
        `${tc.taskCount ?? "?"} task(s) × ${tc.concurrency ?? "?"} users · started ${test.startTime || "—"}${runId ? " · run " + runId : ""}`))),
    actions);
  const parts = [head];
  const timeline = currentRun ? (await api("GET", `${base}/testruns/${encodeURIComponent(currentRun)}/timeline`)).data : null;
  const charts = chartPair((timeline && timeline.seconds) || []);
  if (running) {
    const tiles = h("div", { class: "tiles", id: "live-tiles" });
    const paint = () => {
      const d = charts.data, i = d.t.length - 1;
      const tile = (k, v) => h("div", { class: "tile" }, h("div", { class: "v" }, v), h("div", { class: "k" }, k));
      tiles.replaceChildren(tile("users", i < 0 ? "—" : fmt(d.vu[i])), tile("requests/s", i < 0 ? "—" : fmt(d.rps[i])),
        tile("errors/s", i < 0 ? "—" : fmt(d.err[i])), tile("p95 ms", i < 0 ? "—" : fmt(d.p95[i], 1)),
        tile("requests so far", fmt(d.rps.reduce((a, b) => a + b, 0))));
    };
    paint();
    parts.push(h("div", { class: "card", id: "live" }, h("h2", {}, "Live (all tasks merged)"), tiles, h("br"), charts.node));
    follow(base, currentRun, (s) => { charts.add(s); paint(); }, () => details(testId));
  } else if (run && run.results) {
    parts.push(resultsCard(run), h("div", { class: "card" }, h("h2", {}, "Over time"), charts.node), validityCard(run), downloadsCard(base, currentRun, run));
  } else if (run) {
    parts.push(h("div", { class: "card errors" }, run.errorReason || "This run has no results."));
  }
  parts.push(await historyCard(base, test, currentRun));
  show(...parts.filter(Boolean));
}

function follow(base, runId, onSecond, onEnd) {
  const url = `${base}/testruns/${encodeURIComponent(runId)}/live`;
  // The event stream is read with fetch, not EventSource, so a hub's token goes in the header.
  const ctrl = new AbortController();
  let ended = false;
  const end = () => { if (!ended) { ended = true; ctrl.abort(); onEnd(); } };
  cleanups.push(() => { ended = true; ctrl.abort(); });
  const onEvent = (name, data) => {
    if (name === "second") onSecond(JSON.parse(data));
    else if (name === "status") end();
  };
  const headers = token() ? { Authorization: "Bearer " + token() } : {};
  fetch(url, { headers, signal: ctrl.signal }).then(async (r) => {
    if (!r.ok || !r.body) return;
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let name = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (data) onEvent(name, data);
      }
    }
  }).catch(() => {});
  // A missed status event must not leave the page stale.
  const poll = async () => {
    if (ended) return;
    const { data } = await api("GET", base + "?history=false");
    if (!active(data.status)) { end(); return; }
    later(poll, 2000);
  };
  later(poll, 2000);
}

async function rerun(test) {
  const body = { testId: test.testId, testName: test.testName, testDescription: test.testDescription,
    testType: test.testType, testTaskConfigs: test.testTaskConfigs, testScenario: test.testScenario };
  const { status, data } = await api("POST", "/api/scenarios", body);
  if (status !== 200) alert((data && data.message) || "HTTP " + status);
  details(test.testId);
}

function pick(group) {
  const e = group.exact || {};
  const v = (k) => (e[k] != null ? e[k] : group[k]);
  const count = n(v("throughput"));
  const fail = n(v("fail"));
  return { count, fail, avg: v("avg_rt"), p50: v("p50_0"), p90: v("p90_0"), p95: v("p95_0"), p99: v("p99_0"), max: v("p100_0") };
}

function resultsCard(run) {
  const total = run.results.total || {};
  const dur = n(total.testDuration) || 0;
  const row = (label, g, overall) => {
    const p = pick(g);
    return h("tr", { class: overall ? "overall" : "" },
      h("td", { class: "label" }, label), h("td", { class: "num" }, fmt(p.count)),
      h("td", { class: "num" }, dur ? fmt(p.count / dur, 1) : "—"),
      h("td", { class: "num" }, p.count ? fmt((100 * p.fail) / p.count, 2) + "%" : "—"),
      ["avg", "p50", "p90", "p95", "p99", "max"].map((k) => h("td", { class: "num" }, ms(p[k]))));
  };
  return h("div", { class: "card" }, h("h2", {}, "Results per label (exact, all tasks merged)"),
    h("table", { id: "results" },
      h("thead", {}, h("tr", {}, ["Label", "Requests", "Req/s", "Errors", "Avg ms", "p50", "p90", "p95", "p99", "Max"].map((c, i) => h("th", { class: i ? "num" : "" }, c)))),
      h("tbody", {}, row("All requests", total, true), (total.labels || []).map((l) => row(l.label, l, false)))));
}

function validityCard(run) {
  const v = run.validity;
  if (!v) return null;
  const warn = (v.warnings || []).map((w) => h("div", { class: "notice" }, w));
  return h("div", { class: "card", id: "validity" }, h("h2", {}, "Run validity"),
    h("div", { class: "tiles" },
      [["achieved load", fmt(v.achievedPercent, 0) + "% of " + fmt(v.plannedVu) + " users"], ["tasks lost", fmt(v.tasksLost) + " of " + fmt(v.tasksPlanned)],
        ["start skew", fmt(v.startSkewMs) + " ms"], ["worker CPU", v.cpuSaturated ? "saturated" : "ok"]]
        .map(([k, x]) => h("div", { class: "tile" }, h("div", { class: "v" }, x), h("div", { class: "k" }, k)))),
    warn);
}

function downloadsCard(base, runId, run) {
  const tasks = (run.validity && run.validity.tasks) || [];
  const link = (task, file) => h("a", { href: "#", onclick: (e) => { e.preventDefault(); download(`${base}/testruns/${encodeURIComponent(runId)}/tasks/${task}/${file}`, `${runId}-task${task}-${file}`); } }, file);
  const runUrl = `${base}/testruns/${encodeURIComponent(runId)}`;
  const merged = h("a", { href: "#", id: "merged-xml", onclick: (e) => { e.preventDefault(); download(`${runUrl}/results.xml`, `${runId}-results.xml`); } }, "results.xml");
  const mergedReport = h("a", { href: "#", id: "merged-report", onclick: (e) => { e.preventDefault(); download(`${runUrl}/report.html`, `${runId}-report.html`); } }, "report.html");
  return h("div", { class: "card downloads" }, h("h2", {}, "Downloads"),
    h("table", {}, h("tbody", {},
      h("tr", {}, h("td", {}, h("b", {}, "all tasks, merged")), h("td", {}, merged, mergedReport)),
      tasks.map((t) => h("tr", {}, h("td", {}, "task " + t.task + (t.lost ? " (lost)" : "")),
      h("td", {}, t.lost ? h("span", { class: "muted" }, "no results") : [link(t.task, "results.xml"), link(t.task, "report.html")]))))));
}

async function download(url, name) {
  const headers = token() ? { Authorization: "Bearer " + token() } : {};
  const r = await fetch(url, { headers });
  if (!r.ok) { alert("Download failed: HTTP " + r.status); return; }
  const a = h("a", { href: URL.createObjectURL(await r.blob()), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

async function historyCard(base, test, currentRun) {
  const [{ data: page }, { data: baseline }] = await Promise.all([api("GET", `${base}/testruns?limit=50`), api("GET", `${base}/baseline`)]);
  const runs = (page && page.testRuns) || [];
  const baseId = baseline && baseline.testRunId;
  const out = h("div");
  const compareTo = h("select", { id: "compare-with" }, runs.map((r) => h("option", { value: r.testRunId, selected: r.testRunId === baseId }, `${r.startTime} (${r.testRunId}${r.testRunId === baseId ? ", baseline" : ""})`)));
  const rows = runs.map((r) => h("tr", { class: r.testRunId === currentRun ? "overall" : "" },
    h("td", {}, h("a", { href: `#/test/${encodeURIComponent(test.testId)}/run/${encodeURIComponent(r.testRunId)}` }, r.startTime), r.testRunId === baseId ? " ★" : ""),
    h("td", {}, badge(r.status)), active(r.status) ? h("td", { class: "muted", colspan: 6 }, "running: live numbers above") : [h("td", { class: "num" }, fmt(r.requests)), h("td", { class: "num" }, fmt(r.requestsPerSecond, 1)),
    h("td", { class: "num" }, fmt(r.avgResponseTime, 1)), h("td", { class: "num" }, fmt((r.exactPercentiles || r.percentiles || {}).p95, 1)),
    h("td", { class: "num" }, r.requests ? fmt((100 * r.errors) / r.requests, 2) + "%" : "—"),
    h("td", {}, r.validity && r.validity.tasksLost ? `${r.validity.tasksLost} task(s) lost` : "")],
    h("td", {}, r.status === "complete" ? h("button", { class: "btn", onclick: async () => { await api("PUT", `${base}/baseline`, { testRunId: r.testRunId }); details(test.testId, r.testRunId === test.testRunId ? null : r.testRunId); } }, r.testRunId === baseId ? "Baseline" : "Set baseline") : null)));
  const compareBtn = h("button", { class: "btn", id: "compare", onclick: async () => {
    const { status, data } = await api("GET", `${base}/testruns/${encodeURIComponent(currentRun)}/compare?with=${encodeURIComponent(compareTo.value)}`);
    out.replaceChildren(status === 200 ? compareTable(data) : h("div", { class: "errors" }, (data && data.message) || "HTTP " + status));
  } }, "Compare");
  const total = (page && page.pagination && page.pagination.total_count) || runs.length;
  const shown = runs.length < total ? `, newest ${runs.length} shown` : "";
  return h("div", { class: "card", id: "history" }, h("h2", {}, `History (${total} run${total === 1 ? "" : "s"}${shown})`),
    h("table", {}, h("thead", {}, h("tr", {}, ["Started", "Status", "Requests", "Req/s", "Avg ms", "p95 ms", "Errors", "Validity", ""].map((c, i) => h("th", { class: i >= 2 && i <= 6 ? "num" : "" }, c)))), h("tbody", {}, rows)),
    currentRun && runs.length > 1 ? h("div", { class: "row", style: "margin-top:12px" }, h("span", {}, "Compare the shown run with"), compareTo, compareBtn) : null, out);
}

function compareTable(c) {
  const metrics = [["requestsPerSecond", "req/s", 1], ["p50", "p50 ms", 1], ["p95", "p95 ms", 1], ["p99", "p99 ms", 1], ["errorPercent", "errors %", 2]];
  const cell = (l, k, d) => {
    const pct = l.deltaPercent && l.deltaPercent[k];
    const worse = k === "requestsPerSecond" ? pct < 0 : pct > 0;
    return h("td", { class: "num" }, fmt(l.run[k], d), " ", h("span", { class: pct ? (worse ? "up" : "down") : "muted" }, pct == null ? "" : `(${pct > 0 ? "+" : ""}${fmt(pct, 1)}%)`));
  };
  return h("table", { id: "comparison" }, h("thead", {}, h("tr", {}, h("th", {}, "Label"), metrics.map(([, t]) => h("th", { class: "num" }, t)))),
    h("tbody", {}, c.labels.map((l) => h("tr", { class: l.label ? "" : "overall" }, h("td", { class: "label" }, l.label || "All requests"), metrics.map(([k, , d]) => cell(l, k, d))))));
}

// ---- Routing ------------------------------------------------------------------------------------

async function route() {
  for (const c of cleanups) c();
  cleanups = [];
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  try {
    if (parts[0] === "new") createForm();
    else if (parts[0] === "edit" && parts[1]) {
      const { status, data } = await api("GET", "/api/scenarios/" + encodeURIComponent(parts[1]));
      if (status === 200) createForm(data);
      else show(h("div", { class: "card errors" }, (data && data.message) || "HTTP " + status));
    }
    else if (parts[0] === "test" && parts[1]) await details(parts[1], parts[2] === "run" ? parts[3] : null);
    else await dashboard();
  } catch (e) {
    if (!String(e.message).includes("token")) show(h("div", { class: "card errors" }, "The hub did not answer: " + e.message));
  }
}

addEventListener("hashchange", route);
route();

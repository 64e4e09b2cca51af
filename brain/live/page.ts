/*
 * brain/live/page: the built-in page at `/` of the status port, as one HTML document.
 *
 * Theory of operation: a static page with an inline script. It opens an EventSource on
 * /live/feed (page-server.ts) and renders what arrives:
 *   report   every second: the whole /status report; one card per agent with its phase, RTT,
 *            the clock offset in plain words, a rate cap if any (both numbers), the brain's
 *            counters and the reasons (last drop, death cause, the agent's last reason), the
 *            agent's own counters, and drain / deregister buttons (POST /api/agents/<id>/...);
 *   session  an agent's channel table: one uPlot chart per channel (one line per element, up
 *            to 8), titled with name, unit, kind and type;
 *   sensor / motor  values appended to the channel's chart (the last 300 points), redrawn
 *            once per animation frame;
 *   event    a line in the event log.
 * uPlot is served from node_modules/uplot/dist. The clock-offset and rate-cap sentences are
 * the functions of plain-words.ts, embedded by their source so the page and the CLI say the
 * same thing. Every chart element carries data-points (samples received) for tests.
 */
import { explainClockOffset, explainRateCap, requestedSensorHz } from "./plain-words";

const SCRIPT = String.raw`
const agents = new Map();
const feed = document.getElementById("feed");
const events = document.getElementById("events");
const root = document.getElementById("agents");
const WINDOW = 300;
const MAX_SERIES = 8;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
let dirty = new Set();

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}

function agentCard(id) {
  let a = agents.get(id);
  if (a) return a;
  const card = el("section", { class: "agent", "data-agent": id });
  const phase = el("span", { class: "phase" }, "?");
  const drain = el("button", { class: "drain" }, "Drain");
  const dereg = el("button", { class: "deregister" }, "Deregister");
  drain.onclick = () => command(id, "drain");
  dereg.onclick = () => command(id, "deregister");
  const head = el("h2", {}, el("span", { class: "id" }, id), " ", phase, " ", drain, " ", dereg);
  const facts = el("div", { class: "facts" });
  const plots = el("div", { class: "plots" });
  card.append(head, facts, plots);
  root.append(card);
  a = { id, card, phase, facts, plots, charts: new Map(), sessionId: null };
  agents.set(id, a);
  return a;
}

async function command(id, what) {
  const r = await fetch("/api/agents/" + encodeURIComponent(id) + "/" + what, { method: "POST", headers: { "x-brainstem": "page" } });
  log(id + ": " + what + " " + (r.ok ? "requested" : "failed: " + (await r.text())));
}

function log(text) {
  const line = el("div", {}, new Date().toLocaleTimeString() + "  " + text);
  events.prepend(line);
  while (events.childNodes.length > 200) events.lastChild.remove();
}

function row(label, value, title) {
  const r = el("div", { class: "row" }, el("span", { class: "k" }, label), el("span", { class: "v" }, String(value)));
  if (title) r.title = title;
  return r;
}

function renderReport(rep) {
  document.getElementById("summary").textContent =
    "broker " + rep.broker + " · up " + Math.round(rep.uptimeMs / 1000) + " s · " + rep.agents.length + " agent(s)" +
    (rep.recording ? " · recording " + rep.recording.path + ": " + rep.recording.messagesWritten + " messages, " + rep.recording.bytesWritten + " bytes, " + rep.recording.framesDropped + " frames dropped" : "") +
    (rep.foxglove ? " · Foxglove " + rep.foxglove : "");
  for (const s of rep.agents) {
    const a = agentCard(s.id);
    a.phase.textContent = s.phase;
    a.phase.dataset.phase = s.phase;
    a.card.dataset.phase = s.phase;
    const f = a.facts;
    f.replaceChildren();
    f.append(row("RTT", s.rttMs + " ms"));
    f.append(row("clock", explainClockOffset(s.clockOffsetMs)));
    const cap = explainRateCap(s);
    if (cap) f.append(row("rate", cap));
    else if (s.limits) f.append(row("rate", "device asks for " + (requestedSensorHz(s) || "an unstated") + " Hz; the brain allows up to " + s.limits.maxSensorHz + " Hz"));
    f.append(row("frames", "in " + s.framesIn + " · out " + s.framesOut + " · dropped " + s.drops + " · lost " + s.lostFrames + " · motor errors " + s.motorErrors));
    f.append(row("session", "generation " + s.generation + " · sessions " + s.sessions + " · heartbeats " + s.heartbeats + " · rejections " + s.rejections + " · evictions " + s.evictions));
    const reasons = [];
    if (s.lastDropReason) reasons.push("last drop: " + s.lastDropReason);
    if (s.deathCause) reasons.push("death: " + s.deathCause);
    if (s.agentLastReason) reasons.push("agent's last reason: " + s.agentLastReason);
    f.append(row("reasons", reasons.length ? reasons.join(" · ") : "none"));
    const names = Object.keys(s.counters);
    if (names.length) {
      const d = el("details", {}, el("summary", {}, "agent counters (" + (s.agentPhase || "?") + ")"));
      d.append(el("div", { class: "counters" }, names.map((n) => n + " " + s.counters[n]).join(" · ")));
      f.append(d);
    }
  }
}

function renderSession(rec) {
  const a = agentCard(rec.agentId);
  if (a.sessionId === rec.sessionId) return;
  a.sessionId = rec.sessionId;
  a.plots.replaceChildren();
  a.charts.clear();
  for (const c of rec.channels) {
    const n = Math.min(c.count, MAX_SERIES);
    const box = el("div", { class: "plot " + c.kind, "data-channel": c.name, "data-points": "0" });
    const note = el("div", { class: "note" }, c.kind === "motor" ? "no commands yet: the agent holds its safe value" : "no frames yet");
    a.plots.append(box);
    const series = [{}];
    for (let i = 0; i < n; i++) series.push({ label: c.count > 1 ? c.name + "[" + i + "]" : c.name, stroke: COLORS[i % COLORS.length], width: 1.5 });
    const title = c.name + (c.unit ? " (" + c.unit + ")" : "") + " · " + c.kind + " " + c.type + "×" + c.count;
    const data = [[]];
    for (let i = 0; i < n; i++) data.push([]);
    const u = new uPlot({ title, width: 420, height: 180, series, scales: { x: { time: true } }, legend: { show: n > 1 } }, data, box);
    box.append(note);
    a.charts.set(c.name, { box, u, data, n, points: 0, note });
  }
}

function addValues(rec) {
  const a = agents.get(rec.agentId);
  if (!a || a.sessionId !== rec.sessionId) return;
  const t = Date.now() / 1000;
  for (const [name, values] of Object.entries(rec.values)) {
    const c = a.charts.get(name);
    if (!c) continue;
    c.data[0].push(t);
    for (let i = 0; i < c.n; i++) c.data[i + 1].push(values[i]);
    if (c.data[0].length > WINDOW) for (const s of c.data) s.shift();
    c.points++;
    dirty.add(c);
  }
}

function redraw() {
  for (const c of dirty) {
    c.u.setData(c.data);
    c.box.dataset.points = String(c.points);
    if (c.note) { c.note.remove(); c.note = null; }
  }
  dirty = new Set();
  requestAnimationFrame(redraw);
}
requestAnimationFrame(redraw);

const source = new EventSource("/live/feed");
source.onopen = () => { feed.textContent = "live"; feed.dataset.state = "live"; };
source.onerror = () => { feed.textContent = "reconnecting..."; feed.dataset.state = "down"; };
source.onmessage = (m) => {
  const rec = JSON.parse(m.data);
  if (rec.type === "report") renderReport(rec.report);
  else if (rec.type === "session") renderSession(rec);
  else if (rec.type === "sensor" || rec.type === "motor") addValues(rec);
  else if (rec.type === "event") log(rec.agentId + " " + rec.event + ": " + rec.detail);
};
`;

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 1em 2em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .2em; }
#summary { color: #555; margin-bottom: 1em; }
#feed[data-state=live] { color: #2a2; } #feed[data-state=down] { color: #c22; }
.agent { border: 1px solid #ccc; border-radius: 6px; padding: .5em 1em; margin-bottom: 1em; }
.agent h2 { font-size: 1.1em; margin: .3em 0; }
.phase { padding: 0 .4em; border-radius: 4px; background: #eee; }
.phase[data-phase=active] { background: #cfc; } .phase[data-phase=draining] { background: #ffd; }
.phase[data-phase=dead], .phase[data-phase=rejected] { background: #fcc; }
.row { display: flex; gap: .8em; } .k { color: #777; min-width: 5em; }
.plots { display: flex; flex-wrap: wrap; gap: .5em; margin-top: .5em; }
.plot.motor { outline: 1px dashed #bbb; }
.note { color: #888; font-size: 12px; text-align: center; }
#events { font: 12px ui-monospace, monospace; max-height: 12em; overflow: auto; color: #444; }
`;

/** The page's HTML. */
export function pageHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>brainstem brain</title>
<link rel="stylesheet" href="/uplot/uPlot.min.css"><style>${STYLE}</style></head>
<body>
<h1>brainstem brain <small id="feed" data-state="connecting">connecting...</small></h1>
<div id="summary"></div>
<div id="agents"></div>
<h3>events</h3><div id="events"></div>
<script src="/uplot/uPlot.iife.min.js"></script>
<script>
${requestedSensorHz.toString()}
${explainRateCap.toString()}
${explainClockOffset.toString()}
${SCRIPT}
</script>
</body></html>
`;
}

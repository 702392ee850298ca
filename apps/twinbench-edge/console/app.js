// twinbench-edge's console: one page, a view per role, live alerts over Server-Sent Events.
'use strict';
const $ = (id) => document.getElementById(id);
const state = { me: null, alerts: new Map(), rules: null, source: null };

async function api(method, path, body) {
  const init = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') init.headers['X-Requested-With'] = 'twinbench-console';  // the server refuses changes without it
  if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  const r = await fetch(path, init);
  const data = await r.json().catch(() => ({}));
  if (!r.ok) { const e = new Error(data.error || r.statusText); e.status = r.status; throw e; }
  return data;
}

const time = (us) => (us == null ? '' : new Date(us / 1000).toLocaleString());
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
/** Say what went wrong where every view shows it (a 409: someone else was first). */
function notice(msg) { $('notice').textContent = msg; $('notice').hidden = !msg; }
/** Keep the newest copy of an alert: answers and live updates may come in either order. */
function update(a) {
  const old = state.alerts.get(a.id);
  if (!old || a.revision >= old.revision) state.alerts.set(a.id, a);
}
const sev = (s) => el('span', { class: 'sev ' + s }, s);

function show(id) { for (const s of ['login', 'technician', 'operator', 'manager']) $(s).hidden = s !== id; }

async function start() {
  try { state.me = await api('GET', '/api/me'); } catch { state.me = null; }
  if (!state.me || !state.me.user) { $('who').hidden = true; $('gateway').textContent = state.me ? state.me.gateway : ''; show('login'); return; }
  $('who').hidden = false; $('user').textContent = state.me.user; $('role').textContent = state.me.role; $('gateway').textContent = state.me.gateway;
  show(state.me.role);
  const { alerts } = await api('GET', '/api/alerts');
  state.alerts = new Map(alerts.map((a) => [a.id, a]));
  renderAlerts();
  if (state.me.role === 'operator') { showHealth(await api('GET', '/api/health')); showDevices((await api('GET', '/api/devices')).devices); await loadRules(); }
  if (state.me.role === 'manager') await loadSummary();
  listen();
}

function listen() {
  if (state.source) state.source.close();
  const src = new EventSource('/api/events');
  state.source = src;
  src.addEventListener('hello', () => $('live').classList.add('on'));
  src.addEventListener('alert', (ev) => {
    update(JSON.parse(ev.data).alert);
    renderAlerts();
    if (state.me.role === 'manager') loadSummary();
  });
  src.addEventListener('health', (ev) => showHealth(JSON.parse(ev.data)));
  src.addEventListener('devices', (ev) => showDevices(JSON.parse(ev.data).devices));
  src.addEventListener('rules', () => { if (state.me.role === 'operator') loadRules(); });
  src.onerror = () => $('live').classList.remove('on');
}

async function acknowledge(id) {
  try { update(await api('POST', `/api/alerts/${id}/ack`)); } catch (e) { notice(e.message); }
  renderAlerts();
}

async function resolve(id, outcome) {
  try { update(await api('POST', `/api/alerts/${id}/resolve`, { outcome })); } catch (e) { notice(e.message); }
  renderAlerts();
}

const outcomeText = (a) => (a.outcome === 'fault' ? `fault confirmed by ${a.resolved_by}` : `false alarm, said ${a.resolved_by}`);
function stateOf(a) {
  if (a.outcome) return el('span', { class: 'acked' }, outcomeText(a));
  if (a.acked_by) return el('span', { class: 'acked' }, `acknowledged by ${a.acked_by}`);
  return a.active ? 'active' : 'cleared';
}

/** What a person can do with an alert next: take it on, then say what it was. */
function actions(a, cls) {
  if (a.outcome) return [];
  if (!a.acked_by) return [el('button', { type: 'button', class: 'ack ' + cls, onclick: () => acknowledge(a.id) }, 'Acknowledge')];
  return [el('button', { type: 'button', class: 'fault ' + cls, onclick: () => resolve(a.id, 'fault') }, 'Fault confirmed'),
          el('button', { type: 'button', class: 'false-alarm secondary', onclick: () => resolve(a.id, 'false_alarm') }, 'False alarm')];
}

function renderAlerts() {
  const list = [...state.alerts.values()].sort((a, b) => b.id - a.id);
  if (state.me.role === 'technician') {
    $('tech-alerts').replaceChildren(...list.map((a) => el('li', { class: a.severity, 'data-alert': a.id, 'data-severity': a.severity, 'data-device': a.device },
      el('div', { class: 'what' }, sev(a.severity), ' ', a.device, ' · ', a.rule),
      el('div', { class: 'when' }, `#${a.id} raised ${time(a.raised_us)}${a.active ? '' : ', cleared ' + time(a.cleared_us)}`),
      a.acked_by ? el('div', { class: 'acked' }, `acknowledged by ${a.acked_by} at ${time(a.acked_us)}`) : '',
      a.outcome ? el('div', { class: 'acked outcome' }, outcomeText(a)) : '',
      el('div', { class: 'buttons' }, ...actions(a, '')))));
    if (!list.length) $('tech-alerts').replaceChildren(el('li', {}, 'No alerts for technicians.'));
  } else if (state.me.role === 'operator') {
    $('op-alerts').replaceChildren(...list.map((a) => el('tr', { 'data-alert': a.id, 'data-severity': a.severity, 'data-device': a.device },
      el('td', {}, a.id), el('td', {}, time(a.raised_us)), el('td', {}, a.device), el('td', {}, a.rule), el('td', {}, sev(a.severity)),
      el('td', {}, stateOf(a)),
      el('td', { class: 'buttons' }, ...actions(a, 'secondary')))));
  }
}

function showHealth(h) {
  const rows = [['device sessions', h.sessions], ['uplink backlog (records)', h.uplink_pending], ['uplink', h.uplink_connected == null ? 'on this gateway\'s broker' : h.uplink_connected ? 'connected' : 'not connected'],
    ['CPU', h.cpu_percent == null ? 'n/a' : `${h.cpu_percent.toFixed(1)} %`], ['active alerts', h.alerts_active]];
  for (const w of h.webhooks || []) rows.push([`partner ${w.partner}`, `${w.delivered} of ${w.queued} delivered, ${w.pending} waiting`]);
  $('health').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-figure': k }, v)]));
}

const num = (v) => (v == null ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)));
function showDevices(devices) {
  $('devices').replaceChildren(...devices.map((d) => el('tr', { 'data-device': d.device },
    el('td', {}, el('span', { class: d.connected ? 'dot on' : 'dot', title: d.connected ? 'connected' : 'not connected' }, '●'), ' ', d.device),
    el('td', {}, d.asset_class ?? ''), el('td', {}, time(d.last_at_us)),
    el('td', { class: 'telemetry' }, Object.entries(d.telemetry).map(([k, v]) => `${k} ${num(v)}`).join(' · ')),
    el('td', { class: 'telemetry' }, d.properties.filter((p) => p.reported != null || p.desired != null).map((p) =>
      `${p.name} ${JSON.stringify(p.reported)}${p.pending ? ` (desired ${JSON.stringify(p.desired)}, pending)` : ''}`).join(' · ')),
    el('td', {}, d.alerts_active))));
  if (!devices.length) $('devices').replaceChildren(el('tr', {}, el('td', { colspan: '6', class: 'muted' }, 'No device has sent a record yet.')));
}

function ruleRow(r, i) {
  const sevSel = el('select', { 'data-field': 'severity' }, ...['info', 'warning', 'critical'].map((s) => {
    const o = el('option', { value: s }, s); if ((r.severity || 'warning') === s) o.selected = true; return o; }));
  const clear = r.clear_below ?? (r.clear_ratio != null ? `${r.clear_ratio}×` : '');
  return el('tr', { 'data-rule': i },
    el('td', {}, r.name),
    el('td', {}, el('input', { 'data-field': 'raise_above', value: r.raise_above })),
    el('td', {}, el('input', { 'data-field': 'clear', value: clear, title: 'a score, or a fraction of the raise threshold followed by ×' })),
    el('td', {}, el('input', { 'data-field': 'min_duration_s', type: 'number', min: '0', value: r.min_duration_s ?? 0 })),
    el('td', {}, sevSel));
}

async function loadRules() {
  const v = await api('GET', '/api/rules');
  state.rules = v;
  $('rules-version').textContent = `version ${v.version} by ${v.by}, ${time(v.at_us)}`;
  $('rules').replaceChildren(...v.document.rules.map(ruleRow));
  // Who hears of each severity: a checkbox per role (the rules file's "routes").
  const routes = v.document.routes || {};
  $('routes').replaceChildren(...['critical', 'warning', 'info'].map((sv) => el('span', { class: 'route' }, sev(sv), ' → ',
    ...['technician', 'operator', 'executive'].map((role) => {
      const box = el('input', { type: 'checkbox', 'data-route': `${sv}:${role}` });
      box.checked = (routes[sv] || []).includes(role);
      return el('label', { class: 'inline' }, box, ' ', role);
    }))));
  $('versions').replaceChildren(...v.versions.map((x) => el('li', {},
    `version ${x.version} by ${x.by}, ${time(x.at_us)}`,
    x.version === v.version ? el('span', { class: 'muted' }, ' (in force)')
                            : el('button', { type: 'button', class: 'secondary', 'data-restore': x.version, onclick: () => restore(x.version) }, 'Restore'))));
}

/** The rules document as the form has it (a field left as it was keeps its value). */
function edited() {
  const doc = structuredClone(state.rules.document);
  for (const row of $('rules').querySelectorAll('tr')) {
    const r = doc.rules[Number(row.dataset.rule)];
    const f = (n) => row.querySelector(`[data-field="${n}"]`).value.trim();
    const raise = f('raise_above');
    r.raise_above = raise === 'model' ? 'model' : Number(raise);
    const clear = f('clear');
    delete r.clear_below; delete r.clear_ratio;
    if (clear.endsWith('×')) r.clear_ratio = Number(clear.slice(0, -1)); else if (clear !== '') r.clear_below = Number(clear);
    r.min_duration_s = Number(f('min_duration_s'));
    r.severity = f('severity');
  }
  doc.routes = {};
  for (const sv of ['info', 'warning', 'critical'])
    doc.routes[sv] = ['technician', 'operator', 'executive'].filter((role) => $('routes').querySelector(`[data-route="${sv}:${role}"]`).checked);
  return doc;
}

async function preview() {
  $('rules-error').textContent = '';
  try {
    const hours = Number($('preview-hours').value);
    const p = await api('POST', '/api/rules/preview', { document: edited(), hours });
    $('preview-result').textContent = `These rules would have raised ${p.alerts} alert${p.alerts === 1 ? '' : 's'} in the last ${hours} h` +
      (p.scores_since_us ? ` (over the scores the gateway kept since ${time(p.scores_since_us)}).` : ' (the gateway kept no scores yet).');
    $('preview-result').dataset.alerts = p.alerts;
  } catch (e) { $('rules-error').textContent = e.message; }
}

async function save() {
  $('rules-error').textContent = '';
  try { await api('PUT', '/api/rules', { document: edited(), base_version: state.rules.version }); await loadRules(); $('preview-result').textContent = 'Saved: in force now.'; }
  catch (e) { $('rules-error').textContent = e.message; }
}

async function restore(version) {
  try { await api('POST', '/api/rules/restore', { version }); await loadRules(); } catch (e) { $('rules-error').textContent = e.message; }
}

const money = (x, cur) => (x == null ? 'n/a' : `${x.toLocaleString('en', { maximumFractionDigits: 0 })} ${cur}`);
async function loadSummary() {
  const { alerts, economics: e } = await api('GET', '/api/summary');
  const tile = (n, k, id) => el('div', { class: 'tile', 'data-tile': id }, el('div', { class: 'n' }, n), el('div', { class: 'k' }, k));
  const tiles = [];
  if (e.enabled) tiles.push(tile(money(e.net_savings, e.currency), 'net savings so far', 'net_savings'), tile(`${e.avoided_downtime_h} h`, 'downtime avoided', 'avoided_downtime_h'));
  tiles.push(tile(alerts.faults_confirmed, 'faults confirmed', 'faults'), tile(alerts.false_alarms, 'false alarms', 'false_alarms'),
             tile(alerts.total, 'alerts raised', 'total'), tile(alerts.active, 'active now', 'active'), tile(alerts.acknowledged, 'acknowledged', 'acknowledged'));
  $('tiles').replaceChildren(...tiles);
  $('case').hidden = !e.enabled;
  if (e.enabled) {
    const rows = [['cost without edge AI', money(e.cost_without_edge_ai, e.currency)], ['cost with edge AI', money(e.cost_with_edge_ai, e.currency)],
      ['edge AI', money(e.edge_ai_cost, e.currency)], ['truck rolls', e.truck_rolls], ['false alarms\' cost', money(e.false_alert_cost, e.currency)],
      ['energy avoided', e.avoided_energy_kwh == null ? 'not metered at the gateway' : `${e.avoided_energy_kwh} kWh`],
      ['return on the edge AI', e.roi == null ? 'n/a' : `${e.roi.toFixed(1)}×`]];
    $('business-case').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-figure': k }, v)]));
  }
  $('by-severity').replaceChildren(...['critical', 'warning', 'info'].map((s) => {
    const v = alerts.by_severity[s];
    return el('tr', { 'data-severity': s }, el('td', {}, sev(s)), el('td', {}, v.total), el('td', {}, v.active));
  }));
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('login-error').textContent = '';
    try { await api('POST', '/api/login', { user: $('login-user').value, password: $('login-password').value }); $('login-password').value = ''; start(); }
    catch (e) { $('login-error').textContent = e.message; }
  });
  $('logout').addEventListener('click', async () => { await api('POST', '/api/logout').catch(() => {}); if (state.source) state.source.close(); state.alerts.clear(); start(); });
  $('preview').addEventListener('click', preview);
  $('save').addEventListener('click', save);
  start();
});

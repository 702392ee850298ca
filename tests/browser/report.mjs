// Opens a run's report.html in headless Chromium (Debian's, driven by puppeteer-core) as a person would,
// and checks: the page loads with no console error and asks for nothing over the network; every chart
// drew data; the executive summary shows the run's own figures, read here from summary.json and
// run.json and formatted independently of the C++ that wrote the page; the verdict is what the gates
// say; every alert of timeline.csv is on the alerts' chart, each mode's lead time is ground_truth.csv's, and a
// lifecycle has its rollouts and versions. Saves a full-page screenshot, and prints the page's load time and size.
// usage: node report.mjs <report.html> <results folder> <screenshot.png>
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { openPage } from './page.mjs';

const [reportPath, resultsDir, screenshot] = process.argv.slice(2);
if (!screenshot) {
  console.error('usage: node report.mjs <report.html> <results folder> <screenshot.png>');
  process.exit(2);
}
const summary = JSON.parse(readFileSync(path.join(resultsDir, 'summary.json'), 'utf8'));
const run = JSON.parse(readFileSync(path.join(resultsDir, 'run.json'), 'utf8'));
const failures = [];
const fail = (what) => failures.push(what);
const at = (obj, pointer) => pointer.split('/').slice(1).reduce((o, k) => (o == null ? undefined : o[k]), obj);

const { browser, page, problems, loadMs } = await openPage(reportPath);
try {

  const csv = (name) => {
    const [head, ...rows] = readFileSync(path.join(resultsDir, name), 'utf8').trim().split('\n');
    const cols = head.split(',');
    return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])));
  };
  // Each mode's lead times (failure - first alert), from ground_truth.csv.
  const leads = {};
  for (const f of csv('ground_truth.csv')) if (f.detected_s !== '') (leads[f.mode] ??= []).push((f.failure_s - f.detected_s) / 3600);

  // A run without faults or alerts has nothing to draw on their charts (they say "no data").
  const faults = csv('ground_truth.csv').length;
  const timeline = csv('timeline.csv');
  const marks = timeline.filter((r) => r.event === 'fault_onset' || r.event === 'alert').length;
  const nothingToDraw = { faults: faults === 0, alerts: marks === 0, 'lead-times': Object.keys(leads).length === 0 };

  // Every chart drew data: points on its lines, or markers.
  const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((s) => ({
    id: s.id,
    points: [...s.querySelectorAll('polyline')].reduce((n, p) => n + p.points.numberOfItems, 0),
    markers: s.querySelectorAll('circle.marker').length,
    width: s.getBoundingClientRect().width,
  })));
  if (charts.length < 9) fail(`${charts.length} charts, expected 9 or more`);
  for (const c of charts) {
    if (c.points + c.markers === 0 && !nothingToDraw[c.id]) fail(`chart #${c.id} drew no data`);
    if (c.width < 300) fail(`chart #${c.id} is ${c.width} px wide`);
  }

  // The executive summary: the run's own figures.
  const text = async (id) => page.$eval('#' + id, (e) => e.textContent).catch(() => `(no #${id})`);
  const grouped = (x) => Math.round(x).toLocaleString('en-US');
  const e = summary.economics;
  if (e.enabled) {
    const want = `${grouped(e.net_savings)} ${e.currency}`;
    if ((await text('net-savings')) !== want) fail(`net savings shows '${await text('net-savings')}', summary.json says ${want}`);
    const downtime = `${e.avoided_downtime_h} h`;
    if ((await text('avoided-downtime')) !== downtime) fail(`avoided downtime shows '${await text('avoided-downtime')}', expected ${downtime}`);
  }
  for (const [id, pointer, decimals] of [['recall', '/detection/recall', 3], ['precision', '/detection/precision', 3], ['delivery', '/messages/delivery_ratio', 4]]) {
    const v = at(summary, pointer);
    const want = v == null ? 'n/a' : v.toFixed(decimals);
    if ((await text(id)) !== want) fail(`#${id} shows '${await text(id)}', summary.json says ${want}`);
  }
  // The verdict: the gates on every run, checked here.
  let evaluated = 0, failed = 0;
  for (const g of run.assertions) {
    if (g.over_seeds) continue;
    evaluated += 1;
    const v = at(summary, g.kpi);
    if (typeof v !== 'number' || (g.min !== undefined && v < g.min) || (g.max !== undefined && v > g.max)) failed += 1;
  }
  const verdict = await text('verdict');
  const want = evaluated === 0 ? 'NO GATES' : failed === 0 ? `GO: ${evaluated} of ${evaluated} gates hold` : `NO-GO: ${failed} of ${evaluated} gates fail`;
  if (verdict !== want) fail(`the verdict says '${verdict}', the gates say '${want}'`);
  // Every fault onset and alert of timeline.csv is a dot on the alerts' chart (none thinned below 2,500 of a kind).
  const dots = await page.$$eval('#alerts circle.marker', (c) => c.length).catch(() => 0);
  if (marks <= 2500 && dots !== marks) fail(`the alerts' chart has ${dots} dots, timeline.csv ${marks} onsets and alerts`);
  // Each mode's median lead time.
  const byMode = await page.$$eval('#by-mode tr', (trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent)));
  for (const row of byMode) {
    const v = (leads[row[0]] || []).sort((a, b) => a - b);
    const median = v.length === 0 ? 'n/a' : String(parseFloat((v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2).toPrecision(3)));
    if (row[6] !== median) fail(`mode ${row[0]}: lead time p50 shows '${row[6]}', ground_truth.csv gives ${median}`);
  }
  // The lifecycle, where the run has one: a row per rollout, a line per version.
  const rollouts = summary.lifecycle?.rollouts ?? [];
  const rows = await page.$$eval('#rollouts tr', (trs) => Math.max(0, trs.length - 1)).catch(() => 0);
  if (rows !== rollouts.length) fail(`the rollouts' table has ${rows} rows, summary.json ${rollouts.length} rollouts`);
  if (rollouts.length) {
    const versions = new Set(csv('versions.csv').map((r) => `${r.artifact} ${r.version}`));
    const lines = await page.$$eval('#versions polyline', (p) => new Set(p.map((l) => l.dataset.series)).size).catch(() => 0);
    if (lines !== versions.size) fail(`the versions' chart has ${lines} lines, versions.csv ${versions.size} versions`);
  }
  // The worst sites' table lists sites of the run.
  const worst = await page.$$eval('#worst-sites tr td:first-child', (tds) => tds.map((t) => t.textContent));
  if (worst.length === 0) fail('no worst sites listed');

  await page.screenshot({ path: screenshot, fullPage: true });
  const bytes = statSync(reportPath).size;
  console.log(JSON.stringify({ report: reportPath, bytes, load_ms: Math.round(loadMs), charts: charts.length, verdict, screenshot }));
} finally {
  await browser.close();
}
failures.unshift(...problems);  // console errors and fetches, until the browser closed
if (failures.length) {
  failures.forEach((f) => console.error('FAIL: ' + f));
  process.exit(1);
}

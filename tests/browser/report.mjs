// Opens a run's report.html in headless Chromium (Debian's, driven by puppeteer-core) as a person would,
// and checks: the page loads with no console error and asks for nothing over the network; every chart
// drew data; the executive summary shows the run's own figures, read here from summary.json and
// run.json and formatted independently of the C++ that wrote the page; the verdict is what the gates
// say. Saves a full-page screenshot, and prints the page's load time and size.
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

  // Every chart drew data: points on its lines, or markers.
  const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((s) => ({
    id: s.id,
    points: [...s.querySelectorAll('polyline')].reduce((n, p) => n + p.points.numberOfItems, 0),
    markers: s.querySelectorAll('circle.marker').length,
    width: s.getBoundingClientRect().width,
  })));
  if (charts.length < 9) fail(`${charts.length} charts, expected 9 or more`);
  for (const c of charts) {
    if (c.points + c.markers === 0) fail(`chart #${c.id} drew no data`);
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

// Opens a sweep's report.html in headless Chromium and checks it against the sweep's aggregate.json: no
// console error, nothing fetched, every chart drew points, the verdict is what the gates say, and each
// grid point's headline means and 95 % intervals are the aggregate's (formatted here, independently of
// the C++ that wrote the page); each headline KPI's distribution has a dot per seed of cells.csv. Saves a screenshot.
// usage: node sweep.mjs <report.html> <sweep folder> <screenshot.png>
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openPage } from './page.mjs';

const [reportPath, sweepDir, screenshot] = process.argv.slice(2);
if (!screenshot) {
  console.error('usage: node sweep.mjs <report.html> <sweep folder> <screenshot.png>');
  process.exit(2);
}
const aggregate = JSON.parse(readFileSync(path.join(sweepDir, 'aggregate.json'), 'utf8'));
const failures = [];
const fail = (what) => failures.push(what);
// As the page shows a KPI: 4 significant digits, or whole and grouped from 10,000 up.
const show = (x) => (x == null ? 'n/a' : Math.abs(x) >= 1e4 ? Math.round(x).toLocaleString('en-US') : String(parseFloat(x.toPrecision(4))));

const { browser, page, problems } = await openPage(reportPath);
try {

  const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((s) => ({
    id: s.id, points: [...s.querySelectorAll('polyline')].reduce((n, p) => n + p.points.numberOfItems, 0) })));
  const gated = new Set(aggregate.points.flatMap((p) => (p.gates || []).map((g) => g.kpi)));
  const gateCharts = charts.filter((c) => c.id.startsWith('gate-'));
  if (gateCharts.length !== gated.size) fail(`${gateCharts.length} gate charts, the sweep gates ${gated.size} KPIs`);
  for (const c of gateCharts) if (c.points === 0) fail(`chart #${c.id} drew no data`);
  // Each headline KPI's distribution: a dot per seed with a value (cells.csv), and each point's mean.
  const [head, ...rows] = readFileSync(path.join(sweepDir, 'cells.csv'), 'utf8').trim().split('\n');
  const cols = head.split(',');
  for (const [id, kpi] of [['recall', '/detection/recall'], ['net-savings', '/economics/net_savings'], ['delivery', '/messages/delivery_ratio']]) {
    const col = cols.indexOf(kpi);
    if (col < 0) continue;
    const seeds = rows.filter((r) => r.split(',')[col] !== '').length;
    const dots = await page.$$eval(`#dist-${id} circle.marker title`, (ts) => ts.filter((t) => t.textContent.startsWith('seed ')).length).catch(() => 0);
    if (dots !== seeds) fail(`#dist-${id} has ${dots} seed dots, cells.csv ${seeds} values of ${kpi}`);
    const means = await page.$$eval(`#dist-${id} circle.marker title`, (ts) => ts.filter((t) => t.textContent.startsWith('mean ')).length).catch(() => 0);
    const want = aggregate.points.filter((p) => p.kpis[kpi] && p.kpis[kpi].mean != null).length;
    if (means !== want) fail(`#dist-${id} has ${means} means, aggregate.json ${want}`);
  }

  const text = async (id) => page.$eval('#' + id, (e) => e.textContent).catch(() => `(no #${id})`);
  const gates = aggregate.points.flatMap((p) => p.gates || []);
  const failed = gates.filter((g) => !g.passed).length;
  const want = gates.length === 0 ? 'NO GATES' : failed === 0 ? `GO: ${gates.length} of ${gates.length} gates hold` : `NO-GO: ${failed} of ${gates.length} gates fail`;
  if ((await text('verdict')) !== want) fail(`the verdict says '${await text('verdict')}', aggregate.json says '${want}'`);
  for (const [i, p] of aggregate.points.entries()) {
    for (const [id, kpi] of [['recall', '/detection/recall'], ['precision', '/detection/precision'], ['net-savings', '/economics/net_savings'], ['delivery', '/messages/delivery_ratio']]) {
      const k = p.kpis[kpi];
      const expected = k && k.mean != null ? `${show(k.mean)} [${show(k.ci95.low)}, ${show(k.ci95.high)}]` : 'n/a';
      const shown = await text(`${id}-${i}`);
      if (shown !== expected) fail(`point ${p.point}, ${kpi}: the page shows '${shown}', aggregate.json says '${expected}'`);
    }
  }
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ report: reportPath, charts: charts.length, verdict: await text('verdict'), screenshot }));
} finally {
  await browser.close();
}
failures.unshift(...problems);  // console errors and fetches, until the browser closed
if (failures.length) {
  failures.forEach((f) => console.error('FAIL: ' + f));
  process.exit(1);
}

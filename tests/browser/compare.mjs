// Opens a comparison's report.html (twinbench compare --html) in headless Chromium and checks it against
// the comparison's JSON (--json): no console error, nothing fetched, the verdict, every gated KPI's row
// with its verdict and the significance mark where its adjusted p is below alpha, a point on the chart
// for each KPI with a relative change.
// usage: node compare.mjs <report.html> <comparison.json>
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openPage } from './page.mjs';

const [reportPath, jsonPath] = process.argv.slice(2);
if (!jsonPath) {
  console.error('usage: node compare.mjs <report.html> <comparison.json>');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(jsonPath, 'utf8'));
const comparisons = Array.isArray(doc) ? doc : [doc];
const failures = [];
const fail = (what) => failures.push(what);
const { browser, page, problems } = await openPage(reportPath);
try {
  const verdict = await page.$eval('#verdict', (e) => e.textContent);
  const want = comparisons.some((c) => c.regression) ? 'REGRESSION' : 'NO REGRESSION';
  if (verdict !== want) fail(`the verdict says '${verdict}', the JSON says '${want}'`);
  for (const [i, c] of comparisons.entries()) {
    const rows = await page.$$eval(`#judged-${i} tr`, (trs) => trs.slice(1).map((tr) => ({
      cls: tr.className, cells: [...tr.querySelectorAll('td')].map((td) => ({ text: td.textContent, cls: td.className })) })));
    if (rows.length !== c.judged.length) fail(`comparison ${i}: ${rows.length} rows, the JSON judges ${c.judged.length} KPIs`);
    for (const [r, k] of c.judged.entries()) {
      const row = rows[r];
      if (!row) continue;
      if (row.cells[1].text !== k.kpi) fail(`row ${r + 1}: '${row.cells[1].text}', expected ${k.kpi}`);
      if (!row.cells[8].text.startsWith(k.verdict)) fail(`${k.kpi}: the verdict shows '${row.cells[8].text}', the JSON says '${k.verdict}'`);
      if ((k.verdict === 'regression') !== (row.cls === 'regression')) fail(`${k.kpi}: the row is '${row.cls}', its verdict '${k.verdict}'`);
      const significant = k.p_adjusted != null && k.p_adjusted < c.alpha;
      if (significant !== (row.cells[7].cls === 'sig')) fail(`${k.kpi}: p ${k.p_adjusted} against alpha ${c.alpha}, but the mark says ${row.cells[7].cls === 'sig'}`);
    }
    const markers = await page.$$eval(`#changes-${i} circle.marker`, (cs) => cs.length);
    const expected = c.judged.filter((k) => k.relative != null).length;
    if (markers !== expected) fail(`comparison ${i}: ${markers} points on the chart, ${expected} KPIs changed`);
  }
  console.log(JSON.stringify({ report: reportPath, verdict }));
} finally {
  await browser.close();
}
failures.unshift(...problems);  // console errors and fetches, until the browser closed
if (failures.length) {
  failures.forEach((f) => console.error('FAIL: ' + f));
  process.exit(1);
}

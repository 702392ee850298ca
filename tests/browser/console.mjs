// twinbench-edge's console in headless Chromium (Debian's, driven by puppeteer-core), as the plant's people use
// it, each in a browser context of their own, while `twinbench hil` drives the lab's simulated compressors at the
// gateway and their bearings start wearing one after another: a wrong password is refused; the technician (on a
// phone-sized page) sees the first worn bearing's alert arrive live, acknowledges it, confirms the fault, and may
// not change rules; the cloud sets two of the devices' twin properties (one a Component's); the operator sees the
// gateway's health, each device's last record and twin, previews rule changes over the scores the gateway kept
// (the rules in force count the alerts they raised, an impossible threshold none), saves a new version, and sees
// the gateway apply it to the next alerts (warnings, not the technician's), says one was a false alarm; the
// manager sees the alerts by severity and the money, the bench's business case worked out here by hand from
// edge.json's figures, and may not acknowledge; restoring version 1 makes the next alert the technician's again.
// Every step is checked in the gateway's audit log too. Saves a screenshot of each view.
// usage: node console.mjs <console url> <work dir (audit.jsonl; "go" starts the lab)> <screenshots dir>
// env: CLOUD_PUB, a mosquitto_pub command line that publishes on the gateway's cloud topic; SPKI, the certificate's key hash.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const [url, work, shots] = process.argv.slice(2);
if (!shots) {
  console.error('usage: node console.mjs <console url> <work dir> <screenshots dir>');
  process.exit(2);
}
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
const audit = () => (existsSync(path.join(work, 'audit.jsonl')) ? readFileSync(path.join(work, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);
const audited = (action, pred = () => true) => audit().filter((r) => r.action === action && pred(r.details));
/** A twin operation from the cloud to every device (IDs are the gateway's connections): mosquitto_pub, as the cloud's login. */
const cloud = (operation) => { const [cmd, ...args] = process.env.CLOUD_PUB.split(' '); execFileSync(cmd, [...args, '-m', JSON.stringify(operation)]); };
/** The alerts (id, severity, device) a view lists now. */
const alerts = (page, sel) => page.$$eval(sel, (l) => l.map((e) => ({ id: Number(e.dataset.alert), severity: e.dataset.severity, device: e.dataset.device })));
/** Waits for an alert numbered above `after` in a view: the lab raises one about every 5 simulated minutes (5 s). */
const nextAlert = async (page, sel, after, timeout = 60000) => {
  step = `an alert after #${after} in ${sel}`;
  await page.waitForFunction((s, a) => [...document.querySelectorAll(s)].some((e) => Number(e.dataset.alert) > a), { timeout }, sel, after);
  return (await alerts(page, sel)).filter((a) => a.id > after).sort((a, b) => a.id - b.id)[0];
};
/** Click what `sel` finds now, in the page (the lists are drawn again whenever a live update comes). */
const press = async (page, sel) => { step = `${sel} to click`; await page.waitForSelector(sel); await page.$eval(sel, (e) => e.click()); };
const text = (page, sel) => page.$eval(sel, (e) => e.textContent.trim());
let step = '';
const waitText = (page, sel, want, timeout = 20000) => (step = `${sel} showing "${want}"`) &&
  page.waitForFunction((s, w) => [...document.querySelectorAll(s)].some((e) => e.textContent.includes(w)), { timeout }, sel, want);

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--ignore-certificate-errors-spki-list=${process.env.SPKI}`],
});
const problems = [];
async function open(who, viewport) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  // Refusals this test provokes (a wrong password: 401; a role's refusal: 403) are logged by Chromium as failed loads: expected.
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !/status of 40[13] /.test(m.text())) problems.push(`${who}: console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${who}: page error: ${e}`));
  page.on('request', (r) => { if (!r.url().startsWith(url)) problems.push(`${who}: fetched ${r.url()}`); });
  await page.setViewport(viewport);
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('#login:not([hidden])');
  return page;
}
async function login(page, user, password) {
  for (const f of ['#login-user', '#login-password']) await page.$eval(f, (e) => { e.value = ''; });
  await page.type('#login-user', user);
  await page.type('#login-password', password);
  await page.click('#login-form button[type=submit]');
}
/** A request the page's script would make, with the console's header: the status the gateway answers. */
const request = (page, method, p, body) =>
  page.evaluate(async (m, q, b) => (await fetch(q, { method: m, headers: { 'X-Requested-With': 'twinbench-console', 'Content-Type': 'application/json' }, body: b })).status,
                method, p, body === undefined ? undefined : JSON.stringify(body));

try {
  // A wrong password: refused on the page and in the audit log.
  const tech = await open('technician', { width: 390, height: 844, isMobile: true, hasTouch: true });
  await login(tech, 'tom', 'not-his-password');
  await waitText(tech, '#login-error', 'wrong user or password');
  check(audited('console_login_refused', (d) => d.user === 'tom').length === 1, 'the refused login is not in the audit log');

  // The technician: no alerts yet; the lab starts; a worn bearing's alert arrives live, without a reload.
  await login(tech, 'tom', 'tom-secret-1');
  await tech.waitForSelector('#technician:not([hidden])');
  check(await tech.$eval('#operator', (e) => e.hidden), 'a technician sees the operator view');
  await waitText(tech, '#tech-alerts', 'No alerts for technicians.');
  await tech.waitForFunction(() => document.getElementById('live').classList.contains('on'), { timeout: 10000 });
  writeFileSync(path.join(work, 'go'), '');
  const first = await nextAlert(tech, '#tech-alerts li[data-alert]', 0);
  check(first.severity === 'critical', `the technician's first alert is not critical: ${JSON.stringify(first)}`);
  const sel1 = `#tech-alerts li[data-alert="${first.id}"]`;
  await tech.screenshot({ path: path.join(shots, 'console-technician.png') });
  await press(tech, `${sel1} button.ack`);
  await waitText(tech, `${sel1} .acked`, 'acknowledged by tom');
  check(audited('alert_acknowledged', (d) => d.by === 'tom' && d.device === first.device && d.severity === 'critical').length === 1,
        'the acknowledgement is not in the audit log with who made it');
  await press(tech, `${sel1} button.fault`);  // on site: the bearing is worn, and replaced
  await waitText(tech, `${sel1} .outcome`, 'fault confirmed by tom');
  check(audited('alert_resolved', (d) => d.by === 'tom' && d.device === first.device && d.outcome === 'fault').length === 1, 'the confirmed fault is not audited');
  // A technician may not change rules: refused, and audited.
  check((await request(tech, 'PUT', '/api/rules', { document: {}, base_version: 1 })) === 403, 'a technician was not refused a rule change');
  check(audited('console_refused', (d) => d.user === 'tom' && d.action === 'change the alert rules').length === 1, 'the refused rule change is not audited');

  // The cloud sets the devices' alert threshold and their cooler's fan override (a Component's property).
  cloud({ op: 1, devices: [[0, 63]], property: 'alertThreshold', value: 0.8 });
  cloud({ op: 2, devices: [[0, 63]], property: 'cooler/fanOverride', value: true });

  // The operator: health, the acknowledgement, and the rules.
  const op = await open('operator', { width: 1280, height: 900 });
  await login(op, 'olga', 'olga-secret-1');
  await op.waitForSelector('#operator:not([hidden])');
  // The lab's 40 devices, and the bench's uplink reader (twinbench hil's view of what the gateway forwards).
  step = 'the 41 sessions in the health figures';
  await op.waitForFunction(() => document.querySelector('#health dd[data-figure="device sessions"]')?.textContent === '41', { timeout: 20000 });
  // The first alert's device: its last record, named by the model's channels, and its twin, by the DTDL
  // Interface: the properties the simulated firmware acknowledged, its own and its cooler Component's.
  const row1 = `#devices tr[data-device="${first.device}"]`;
  await waitText(op, row1, 'vibration_rms_mm_s');
  await waitText(op, row1, 'alertThreshold 0.8');
  await waitText(op, row1, 'cooler/fanOverride true');
  await waitText(op, `#op-alerts tr[data-alert="${first.id}"]`, 'fault confirmed by tom');
  await waitText(op, '#rules-version', 'version 1 by edge.json');
  const preview = async () => {
    await op.$eval('#preview-result', (e) => { delete e.dataset.alerts; });
    await op.click('#preview');
    await op.waitForSelector('#preview-result[data-alerts]', { timeout: 10000 });
    return Number(await op.$eval('#preview-result', (e) => e.dataset.alerts));
  };
  const field = async (name, value) => {
    if (name === 'severity') await op.select(`#rules tr[data-rule="0"] [data-field="severity"]`, value);
    else { await op.$eval(`#rules tr[data-rule="0"] [data-field="${name}"]`, (e) => { e.value = ''; }); await op.type(`#rules tr[data-rule="0"] [data-field="${name}"]`, value); }
  };
  await op.$eval('#preview-hours', (e) => { e.value = '1'; });
  // The lab raises alerts meanwhile: a preview's count must lie between the alerts raised before and after it.
  const raised = () => op.$$eval('#op-alerts tr[data-alert]', (r) => r.length);
  const bracket = async (what) => {
    const before = await raised(), n = await preview(), after = await raised();
    check(n >= before && n <= after, `${what}: the preview counts ${n} alerts, the gateway raised ${before} to ${after}`);
  };
  await bracket('the rules in force');
  await field('raise_above', '1e30');
  check((await preview()) === 0, 'a threshold no score reaches would still raise alerts in the preview');
  await field('raise_above', 'model');
  await field('severity', 'warning');
  await bracket('the rule as a warning');
  // Warnings to operators only: the executive's route is unticked (the technician's never was).
  await op.$eval('[data-route="warning:executive"]', (e) => { if (e.checked) e.click(); });
  await op.click('#save');
  await waitText(op, '#rules-version', 'version 2 by olga');
  check(audited('rules_changed', (d) => d.by === 'olga' && d.document.rules[0].severity === 'warning' &&
                JSON.stringify(d.document.routes.warning) === '["operator"]').length === 1,
        'the saved rules (severity, routes) are not audited with who saved them');
  // The gateway applies them: the next alert is a warning, an operator's, and every one raised since is too,
  // and none of them is on the technician's phone.
  const lastBefore = Math.max(0, ...(await alerts(op, '#op-alerts tr[data-alert]')).filter((a) => a.severity === 'critical').map((a) => a.id));
  // (A new version starts from a fresh rule state: a device still anomalous, as the first one is, is alerted
  // again at once; the next worn bearing's alert is the one to look at.)
  const warned = await nextAlert(op, `#op-alerts tr[data-alert][data-severity="warning"]:not([data-device="${first.device}"])`, 0);
  check(warned.id > lastBefore, `the warning #${warned.id} came before critical #${lastBefore}`);
  check((await alerts(op, '#op-alerts tr[data-alert]')).every((a) => a.id < warned.id || a.severity === 'warning'), 'a critical alert was raised after a warning');
  check((await alerts(tech, '#tech-alerts li[data-alert]')).every((a) => a.id < warned.id), 'a warning reached the technician after the operator routed warnings away');
  const rowW = `#devices tr[data-device="${warned.device}"]`;
  await waitText(op, rowW, 'vibration_rms_mm_s');  // pushed, not reloaded
  await op.screenshot({ path: path.join(shots, 'console-operator.png'), fullPage: true });
  // The warning was a false alarm (the operator checked): said so at once, which acknowledges it too.
  await press(op, `#op-alerts tr[data-alert="${warned.id}"] button.ack`);
  await press(op, `#op-alerts tr[data-alert="${warned.id}"] button.false-alarm`);
  await waitText(op, `#op-alerts tr[data-alert="${warned.id}"]`, 'false alarm, said olga');
  check(audited('alert_resolved', (d) => d.by === 'olga' && d.device === warned.device && d.outcome === 'false_alarm').length === 1, 'the false alarm is not audited');

  // The manager: alerts by severity; may not acknowledge.
  const mgr = await open('manager', { width: 1280, height: 800 });
  await login(mgr, 'max', 'max-secret-1');
  await mgr.waitForSelector('#manager:not([hidden])');
  const tile = async (t) => Number((await text(mgr, `[data-tile="${t}"] .n`)).replace(/[^0-9.]/g, ''));
  step = 'the manager\'s tiles';
  await mgr.waitForSelector('[data-tile="total"] .n');
  check((await tile('total')) >= 2, 'the manager does not see the alerts raised');
  check((await tile('acknowledged')) === 2, 'the manager does not see two acknowledged alerts');
  // The business case by hand, from edge.json: a failure costs 12 h x 1500 + 8000 = 26,000 EUR, a planned
  // repair 3 h x 1500 + 350 = 4,850: one confirmed fault saves 21,150 and 9 h of downtime; the false alarm
  // costs a truck roll (350): 20,800. The edge AI's price for 40 devices over a minute rounds to nothing.
  check((await text(mgr, '[data-tile="avoided_downtime_h"] .n')) === '9 h', 'the manager does not see 9 h of downtime avoided');
  check((await text(mgr, '[data-tile="net_savings"] .n')) === '20,800 EUR', `the manager's net savings are not 20,800 EUR: ${await text(mgr, '[data-tile="net_savings"] .n')}`);
  check((await tile('faults')) === 1 && (await tile('false_alarms')) === 1, 'the manager does not see one fault and one false alarm');
  check((await text(mgr, '[data-figure="energy avoided"]')) === 'not metered at the gateway', 'energy nobody metered is not said to be unknown');
  check(Number(await text(mgr, '[data-severity="critical"] td:nth-child(2)')) >= 1 && Number(await text(mgr, '[data-severity="warning"] td:nth-child(2)')) >= 1,
        'the manager does not see the critical and the warning alerts');
  check((await request(mgr, 'POST', `/api/alerts/${first.id}/ack`)) === 403, 'a manager was not refused an acknowledgement');
  await mgr.screenshot({ path: path.join(shots, 'console-manager.png'), fullPage: true });

  // Restoring version 1 (as version 3): the next alert is critical again, and live on the technician's phone.
  await press(op, '#versions button[data-restore="1"]');
  await waitText(op, '#rules-version', 'version 3 by olga');
  const lastWarning = Math.max(...(await alerts(op, '#op-alerts tr[data-alert][data-severity="warning"]')).map((a) => a.id));
  const again = await nextAlert(tech, '#tech-alerts li[data-alert]', lastWarning);
  check(again.severity === 'critical', `the alert after the restore is not critical: ${JSON.stringify(again)}`);
  check(audited('rules_changed', (d) => d.by === 'olga').length === 2, 'the restore is not audited');
} catch (e) {
  failures.push(`the console did not behave as expected (waiting for ${step}): ${e.message}`);
} finally {
  await browser.close();
}
for (const p of problems) failures.push(p);
if (failures.length) {
  for (const f of failures) console.log('FAIL: ' + f);
  process.exit(1);
}
console.log('ok: technician, operator and manager views; live alerts; acknowledgement, rule preview, save and restore audited; refusals audited');

// Shared by the browser tests: Debian's headless Chromium through puppeteer-core, and a page opened from
// a file with every console error or warning, page error and request beyond the file recorded as a problem.
import path from 'node:path';
import puppeteer from 'puppeteer-core';

/** Opens `file` in a fresh headless Chromium; returns { browser, page, problems }. Close the browser when done. */
export async function openPage(file, viewport = { width: 1280, height: 1000 }) {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  page.on('request', (r) => { if (!r.url().startsWith('file://')) problems.push(`fetched ${r.url()}`); });
  await page.setViewport(viewport);
  const t0 = performance.now();
  await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
  return { browser, page, problems, loadMs: performance.now() - t0 };
}

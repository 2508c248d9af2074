// Drives the API reference page (`GET /docs`) in headless Chromium as a person would: it loads,
// shows the doc's operations, logs in from the page ("Try it out" on the login operation) and
// calls GET /hola with the session. Prints one JSON line with what it saw; the Rust test
// (`reference::a_person_logs_in_from_the_reference_page_and_calls_hola`) judges it.
//
// Usage: node reference-page.cjs BASE_URL USER PASSWORD SCREENSHOT.png
// Needs playwright-core (NODE_PATH=xtask/node/node_modules) and CHROMIUM (default /usr/bin/chromium).
const { chromium } = require('playwright-core');

const [base, user, password, screenshot] = process.argv.slice(2);

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // No sandbox as root; nothing of Chromium's own reaching out to the network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const seen = { console_errors: [], requests_elsewhere: [] };
  try {
    const page = await browser.newPage();
    page.on('console', (m) => { if (m.type() === 'error') seen.console_errors.push(m.text()); });
    page.on('pageerror', (e) => seen.console_errors.push(String(e)));
    page.on('request', (r) => { if (!r.url().startsWith(base)) seen.requests_elsewhere.push(r.url()); });

    await page.goto(`${base}/docs`, { waitUntil: 'networkidle' });
    await page.waitForSelector('.opblock', { timeout: 30000 });
    // What the page says about the API as a whole, above the operations.
    seen.info = (await page.locator('.information-container').textContent()).trim();
    seen.operations = await page.$$eval('.opblock', (blocks) => blocks.map((b) => ({
      method: b.querySelector('.opblock-summary-method')?.textContent.trim(),
      path: b.querySelector('.opblock-summary-path')?.getAttribute('data-path'),
      summary: b.querySelector('.opblock-summary-description')?.textContent.trim(),
    })));

    // Log in from the page: open the operation, write the body, Execute.
    const login = page.locator('.opblock-post', { has: page.locator('[data-path="/backend/api/v1/login"]') });
    await login.locator('.opblock-summary').click();
    await login.locator('textarea.body-param__text').fill(JSON.stringify({ name: user, password }));
    await login.locator('button.execute').click();
    await login.locator('.live-responses-table tbody .response-col_status').first().waitFor({ timeout: 15000 });
    seen.login_status = (await login.locator('.live-responses-table tbody .response-col_status').first().textContent()).trim();

    // Then an operation that needs the session.
    const hola = page.locator('.opblock-get', { has: page.locator('[data-path="/backend/api/v1/hola"]') });
    await hola.locator('.opblock-summary').click();
    await hola.locator('button.execute').click();
    const body = hola.locator('.live-responses-table .response-col_description pre').first();
    await body.waitFor({ timeout: 15000 });
    seen.hola_status = (await hola.locator('.live-responses-table tbody .response-col_status').first().textContent()).trim();
    seen.hola_body = (await body.textContent()).trim();

    await page.screenshot({ path: screenshot, fullPage: true });
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(seen));
}

main().catch((e) => { console.error(e); process.exit(1); });

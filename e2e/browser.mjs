// Browser checks of a running loyaltygraph in headless Chromium (Debian's
// /usr/bin/chromium) driven by puppeteer-core. Run by scripts/e2e.sh
// (make e2e), which passes in the environment:
//   LG_E2E_URL        base URL of the service (http://127.0.0.1:PORT)
//   LG_E2E_ADMIN      an admin's username:secret (the demo admin)
//   LG_CHROMIUM       the Chromium binary (default /usr/bin/chromium)
//   LG_E2E_PROFILE    a new, empty directory for Chromium's profile
//   LG_E2E_PIDFILE    where to write Chromium's pid (for the script's cleanup)
//   LG_E2E_ARTIFACTS  where screenshots of a failure go
//   LG_E2E_SCREENSHOTS  set: screenshots of passing pages too
//   LG_E2E_ONLY       graphiql or docs: only that check
//
// Offline: every request that does not go to the service's own origin is
// aborted and counted; any such request fails the check (the pages embed
// everything they need), as does a console error or a CSP violation, but
// for the few listed in `tolerated` with their reason.
//
// /graphiql: types {"Authorization": "Basic …"} into GraphiQL's headers
// editor, clicks the run button (the page's default query lists the
// merchants), and reads the merchants from the result pane; the request
// the page sent carried the typed header.
// /docs: Redoc renders /openapi.json: the document's title, and of each
// REST family (x-tagGroups, else tags; six at least) an operation's name,
// are on the page.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env('LG_E2E_URL').replace(/\/$/, '');
const origin = new URL(base).origin;
const admin = env('LG_E2E_ADMIN');
const chromium = env('LG_CHROMIUM', '/usr/bin/chromium');
const profile = env('LG_E2E_PROFILE');
const pidFile = process.env.LG_E2E_PIDFILE;
const artifacts = env('LG_E2E_ARTIFACTS', '/tmp');
const authorization = 'Basic ' + Buffer.from(admin).toString('base64');

const log = (...a) => console.log(...a);
const failures = [];
const fail = (msg) => {
  failures.push(msg);
  console.error(`FAIL: ${msg}`);
};

async function screenshot(page, name) {
  try {
    mkdirSync(artifacts, { recursive: true });
    const path = join(artifacts, `${name}.png`);
    await page.screenshot({ path, fullPage: false });
    console.error(`screenshot: ${path}`);
  } catch (e) {
    console.error(`screenshot ${name}: ${e.message}`);
  }
}

// newPage opens a page whose requests to anywhere but the service are
// aborted and recorded, and whose errors are recorded.
async function newPage(browser, label) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  const seen = { aborted: [], requests: [], errors: [] };
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return req.continue();
    let o = '';
    try {
      o = new URL(url).origin;
    } catch {}
    if (o === origin) {
      seen.requests.push(req);
      return req.continue();
    }
    seen.aborted.push(url);
    return req.abort('blockedbyclient');
  });
  page.on('pageerror', (e) => seen.errors.push(`${label}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') seen.errors.push(`${label}: console error: ${m.text()} ${m.location()?.url ?? ''}`.trim());
  });
  // A Content-Security-Policy violation is reported as a DOM event.
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, seen };
}

// tolerated lists, per page, the URLs outside the service that a page may
// try without failing the check, each for a stated reason: Redoc's sidebar
// footer always renders an <img> of its logo from its CDN and removes it
// when it fails to load (the page's CSP blocks it; nothing else is missing).
const tolerated = {
  docs: ['https://cdn.redoc.ly/redoc/logo-mini.svg'],
};

function checkOffline(label, seen) {
  const ok = (text) => (tolerated[label] ?? []).some((u) => text.includes(u));
  const aborted = seen.aborted.filter((u) => !ok(u));
  log(`${label}: ${seen.requests.length} requests to ${origin}, ${seen.aborted.length} elsewhere (aborted)` +
    (aborted.length < seen.aborted.length ? `, of which tolerated: ${seen.aborted.filter(ok).join(', ')}` : ''));
  if (aborted.length > 0) fail(`${label}: requests outside ${origin} (aborted): ${aborted.join(', ')}`);
  for (const e of seen.errors) {
    if (ok(e)) log(`${label}: tolerated: ${e}`);
    else fail(e);
  }
}

async function graphiql(browser) {
  const { page, seen } = await newPage(browser, 'graphiql');
  try {
    const t0 = Date.now();
    const res = await page.goto(`${base}/graphiql`, { waitUntil: 'networkidle0', timeout: 60000 });
    if (res.status() !== 200) throw new Error(`GET /graphiql: ${res.status()}`);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30000 });
    log(`graphiql: rendered in ${Date.now() - t0} ms`);

    // The headers editor is open (defaultEditorToolsVisibility); type the
    // header into it as a person would: click, select all, type.
    const headersEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
    await page.waitForSelector(headersEditor, { visible: true, timeout: 10000 });
    await page.click(headersEditor);
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyA');
    await page.keyboard.up('Control');
    await page.keyboard.press('Backspace');
    const wanted = { Authorization: authorization };
    await page.keyboard.type(JSON.stringify(wanted));
    const typed = await page.$eval(headersEditor, (el) => el.CodeMirror.getValue());
    let parsed = null;
    try {
      parsed = JSON.parse(typed);
    } catch {}
    if (parsed?.Authorization !== authorization) {
      throw new Error(`headers editor holds ${JSON.stringify(typed)}, want ${JSON.stringify(JSON.stringify(wanted))}`);
    }

    // Run the default query with the run button.
    const query = await page.$eval('.graphiql-query-editor .CodeMirror', (el) => el.CodeMirror.getValue());
    if (!query.includes('merchants')) throw new Error(`the default query does not list merchants: ${query}`);
    const sent = page.waitForRequest(
      (r) => r.url() === `${base}/graphql` && r.method() === 'POST' && (r.postData() ?? '').includes('merchants'),
      { timeout: 15000 });
    await page.click('.graphiql-execute-button');
    const req = await sent;
    if (req.headers()['authorization'] !== authorization) {
      fail(`graphiql: the query was sent with Authorization ${JSON.stringify(req.headers()['authorization'])}`);
    }
    await page.waitForFunction(
      () => {
        const el = document.querySelector('.result-window .CodeMirror');
        return el && el.CodeMirror.getValue().includes('"data"');
      },
      { timeout: 15000 });
    const text = await page.$eval('.result-window .CodeMirror', (el) => el.CodeMirror.getValue());
    const result = JSON.parse(text);
    const nodes = result?.data?.merchants?.nodes ?? [];
    if (result.errors || nodes.length === 0 || !(result.data.merchants.totalCount > 0)) {
      throw new Error(`result pane: ${text}`);
    }
    // The result pane shows them to a person too.
    const shown = await page.$eval('.result-window', (el) => el.innerText);
    if (!shown.includes(nodes[0].merchantName)) fail(`graphiql: the result pane does not show ${nodes[0].merchantName}`);
    log(`graphiql: the run button returned ${result.data.merchants.totalCount} merchants: ` +
      nodes.map((n) => `${n.merchantId} (${n.merchantName})`).join(', '));
    checkOffline('graphiql', seen);
    if (failures.length || process.env.LG_E2E_SCREENSHOTS) await screenshot(page, 'graphiql');
  } catch (e) {
    fail(`graphiql: ${e.message}`);
    checkOffline('graphiql', seen);
    await screenshot(page, 'graphiql');
  } finally {
    await page.close();
  }
}

// families returns, from an OpenAPI document, each REST family's name and
// its operations' names as Redoc shows them (summary, else operationId).
function families(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) continue;
      ops.push({ path, method, tags: op.tags ?? [], name: op.summary || op.operationId || `${method.toUpperCase()} ${path}` });
    }
  }
  const groups = new Map();
  if (Array.isArray(doc['x-tagGroups']) && doc['x-tagGroups'].length > 0) {
    for (const g of doc['x-tagGroups']) {
      groups.set(g.name, ops.filter((o) => o.tags.some((t) => g.tags.includes(t))));
    }
  } else {
    for (const o of ops) {
      const key = o.tags[0] ?? o.path.split('/').slice(0, 3).join('/');
      groups.set(key, [...(groups.get(key) ?? []), o]);
    }
  }
  return groups;
}

async function docs(browser) {
  const { page, seen } = await newPage(browser, 'docs');
  try {
    const t0 = Date.now();
    const res = await page.goto(`${base}/docs`, { waitUntil: 'networkidle0', timeout: 90000 });
    if (res.status() !== 200) throw new Error(`GET /docs: ${res.status()}`);
    const doc = await (await fetch(`${base}/openapi.json`)).json();
    const title = doc.info?.title;
    if (title !== 'loyaltygraph REST API') fail(`docs: /openapi.json's title is ${JSON.stringify(title)}`);
    // Redoc renders the title as the page's first heading.
    await page.waitForFunction((t) => [...document.querySelectorAll('h1')].some((h) => h.innerText.includes(t)),
      { timeout: 90000 }, title); // Redoc takes 20 s for ~150 operations on a busy 2-core machine
    log(`docs: rendered in ${Date.now() - t0} ms`);
    const text = await page.evaluate(() => document.body.innerText);
    const groups = families(doc);
    // User API, Receipt Data API, Settlement, POS receiver, Open Loyalty,
    // checkout.
    const minFamilies = 6;
    if (groups.size < minFamilies) {
      fail(`docs: /openapi.json describes ${groups.size} REST families (${[...groups.keys()].join(', ')}), want ${minFamilies} or more`);
    }
    for (const [family, ops] of groups) {
      const shown = ops.find((o) => text.includes(o.name));
      if (!shown) fail(`docs: no operation of ${family} is on the page (${ops.length} operations, such as ${ops[0]?.name})`);
      else log(`docs: ${family}: "${shown.name}" (${ops.length} operations)`);
    }
    checkOffline('docs', seen);
    if (failures.length || process.env.LG_E2E_SCREENSHOTS) await screenshot(page, 'docs');
  } catch (e) {
    fail(`docs: ${e.message}`);
    checkOffline('docs', seen);
    await screenshot(page, 'docs');
  } finally {
    await page.close();
  }
}

async function main() {
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: profile,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  if (pidFile) writeFileSync(pidFile, String(browser.process()?.pid ?? ''));
  let passed = 0;
  let failed = 0;
  try {
    const only = process.env.LG_E2E_ONLY; // graphiql or docs, to run one
    for (const [name, check] of [['graphiql', graphiql], ['docs', docs]]) {
      if (only && only !== name) continue;
      const before = failures.length;
      await check(browser);
      if (failures.length === before) passed++;
      else failed++;
    }
  } finally {
    await browser.close();
  }
  // The plain closing line a CI reads.
  log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`browser checks: ${e.stack ?? e}`);
  process.exit(1);
});

// Accessibility and page weight of the running site, in Debian's Chromium (never a downloaded one).
//
// Started by tests/integration/a11y.rs with one JSON argument:
//   { base, chromium, screenshots, pages: [{ name, path, cookies: [{name, value}] }] }
// For every page at phone (390×844) and desktop width, in the light and the dark colour scheme, it
//   - runs axe-core with the WCAG 2.0/2.1 A and AA rules and reports each violation,
//   - counts the bytes the browser really transferred (headers + compressed bodies, cache off),
//   - lists every request, so the test can refuse any that leaves the test server,
//   - saves a full-page screenshot.
// It prints one JSON document on stdout; the Rust test decides what passes.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const DEVICES = [
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  { name: "desktop", viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false },
];
const SCHEMES = ["light", "dark"];

const config = JSON.parse(process.argv[2]);
const browser = await chromium.launch({
  executablePath: config.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const results = [];
try {
  for (const device of DEVICES) {
    // The weight does not depend on the colour scheme: measure it once per device.
    for (const scheme of config.axe ? SCHEMES : SCHEMES.slice(0, 1)) {
      const context = await browser.newContext({
        viewport: device.viewport, isMobile: device.isMobile, hasTouch: device.hasTouch,
        deviceScaleFactor: 1, colorScheme: scheme,
      });
      for (const page of config.pages) {
        results.push(await checkPage(context, page, device, scheme));
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ axe: axeVersion(), results }));

function axeVersion() {
  return JSON.parse(readFileSync(require.resolve("axe-core/package.json"), "utf8")).version;
}

async function checkPage(context, spec, device, scheme) {
  await context.clearCookies();
  const url = new URL(spec.path, config.base);
  if (spec.cookies.length > 0) {
    await context.addCookies(spec.cookies.map((c) => ({ name: c.name, value: c.value, url: config.base })));
  }
  const page = await context.newPage();
  const traffic = await recordTraffic(page);
  const response = await page.goto(url.href, { waitUntil: "load" });
  await page.waitForLoadState("networkidle");
  const status = response ? response.status() : 0;
  const finalPath = new URL(page.url()).pathname + new URL(page.url()).search;
  let screenshot = null;
  let violations = [];
  let incomplete = [];
  if (config.axe) {
    screenshot = `${config.screenshots}/a11y-${spec.name}-${device.name}-${scheme}.png`;
    await page.screenshot({ path: screenshot, fullPage: true });
    ({ violations, incomplete } = await runAxe(page));
  }
  // WCAG 1.4.10 (reflow), which axe does not measure: nothing may push a phone page sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const scripts = await page.evaluate(() => document.scripts.length);
  await page.close();
  return {
    page: spec.name, path: spec.path, finalPath, status, device: device.name, scheme, screenshot, scripts,
    violations, incomplete, overflow, requests: traffic.requests(),
  };
}

async function runAxe(page) {
  // Evaluated over the DevTools protocol, so the page's own Content-Security-Policy (no inline or
  // injected scripts) stays on while axe runs.
  await page.evaluate(axeSource);
  const axe = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), WCAG_TAGS);
  const simple = (v) => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ selector: n.target.join(" "), summary: n.failureSummary })),
  });
  return { violations: axe.violations.map(simple), incomplete: axe.incomplete.map(simple) };
}

/// Every request of the page with the bytes that crossed the wire for it (headers and encoded
/// body, as Chromium's network log counts them), with the cache off so CSS counts on every page.
async function recordTraffic(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const byId = new Map();
  const all = [];
  cdp.on("Network.requestWillBeSent", (e) => {
    const before = byId.get(e.requestId);
    if (before && e.redirectResponse) {
      // A redirect reuses the request id: its response was the earlier entry's.
      before.bytes = e.redirectResponse.encodedDataLength;
      before.status = e.redirectResponse.status;
      before.done = true;
    }
    const entry = { url: e.request.url, bytes: 0, encoding: null, status: 0, done: false };
    byId.set(e.requestId, entry);
    all.push(entry);
  });
  cdp.on("Network.responseReceived", (e) => {
    const r = byId.get(e.requestId);
    if (r) {
      const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      r.encoding = headers["content-encoding"] ?? null;
      r.status = e.response.status;
    }
  });
  cdp.on("Network.loadingFinished", (e) => {
    const r = byId.get(e.requestId);
    if (r) { r.bytes = e.encodedDataLength; r.done = true; }
  });
  cdp.on("Network.loadingFailed", (e) => {
    const r = byId.get(e.requestId);
    if (r) { r.done = true; r.failed = e.errorText; }
  });
  return { requests: () => all };
}

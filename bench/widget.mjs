// Widget benchmarks: what a partner's page pays for the widget. Release bundle
// (target/bundle/socialchat, from scripts/bundle) served on 127.0.0.1, Debian's Chromium through
// playwright-core, the sandbox proxy for the API. Prints one line per figure, and PASS/FAIL
// lines for the budgets. Timings are taken inside the page with performance.now().
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import assert from "node:assert/strict";
import path from "node:path";
import { launch } from "../e2e/browser.mjs";
import { ms, out, quantile, serveBench, verdict } from "./serve.mjs";
import { BUNDLE, bundleManifest, startSandbox } from "../e2e/sandbox.mjs";

const LOADS = Number(process.env.BENCH_LOADS || 20);

// --- bytes ---------------------------------------------------------------------------------
// What a page downloads before the button works: the loader, the first module's glue and wasm
// (scripts/bundle); the element's module and wasm follow behind the drawn button. The callback
// page loads its own files and the first module.
const manifest = bundleManifest();
function weigh(names, label) {
  let raw = 0, gz = 0, br = 0;
  for (const name of names) {
    const data = readFileSync(path.join(BUNDLE, name));
    const g = gzipSync(data, { level: 9 }).length;
    const b = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    raw += data.length; gz += g; br += b;
    out(`bytes ${name} (raw / gzip / brotli)`, `${data.length} / ${g} / ${b}`);
  }
  out(`bytes ${label}, total (raw / gzip / brotli)`, `${raw} / ${gz} / ${br}`);
  return br;
}
const first = weigh(["socialchat-connect.js", manifest.firstModule, manifest.firstWasm], "before the button works");
verdict(first <= 64 * 1024, `at most 64 KiB brotli before the button works (${(first / 1024).toFixed(1)} KiB)`);
weigh([manifest.module, manifest.wasm], "fetched behind the drawn button (the element)");
const callbackPage = weigh(["callback.html", "callback.js", "callback.css", manifest.firstModule, manifest.firstWasm], "of the callback page");
verdict(callbackPage <= 64 * 1024, `the callback page loads at most 64 KiB brotli (${(callbackPage / 1024).toFixed(1)} KiB)`);

/** Records every window.open of the context's pages in window.benchClicks: whether it ran in a
 * click's own task, and how long after the click. */
function watchOpens(context) {
  return context.addInitScript(() => {
    window.benchClicks = [];
    let inClick = false;
    let clickAt = 0;
    addEventListener("click", () => { inClick = true; clickAt = performance.now(); }, true);
    addEventListener("click", () => { inClick = false; }, false);
    const realOpen = window.open;
    window.open = function (...args) {
      window.benchClicks.push({ sameTask: inClick, ms: performance.now() - clickAt });
      return realOpen.apply(this, args);
    };
  });
}

// --- a static server for the bundle and the bench pages ---------------------------------------
const { origin: site, server } = await serveBench();
const browser = await launch();
// The sandbox also serves the bundle (--static), as socialchat-proxy does for partners: with
// its cache headers (hashed files immutable, the loader revalidated) and CORS, on another
// origin than the bench pages, as from a CDN.
const sandbox = await startSandbox(["--allow-local-origins", "--accounts", "1000", "--page-size", "25", "--connects-per-minute", "1000", "--static", BUNDLE]);
const filesOrigin = sandbox.origin;
const api = `${sandbox.origin}/api/socialchat`;
// Every widget carries a session, from the sandbox's stand-in for the partner's endpoint.
const session = `${sandbox.origin}/sandbox/session?channels=all`;
const widgetQuery = `proxy=${encodeURIComponent(api)}&session=${encodeURIComponent(session)}`;

try {
  // --- time to an interactive button: first visit (cold cache) and second visit ---------------
  // Each round is a new browser context (an empty cache): the first visit of the page, then a
  // second visit in a new tab of the same context, whose widget files come from the cache.
  // Bytes are counted as they come over the network (Chromium's encodedDataLength), for the
  // widget's files only (the files origin).
  const loadTimes = { widget: [], reference: [], warm: [], referenceWarm: [] };
  const warmBytes = [];
  const coldBytes = [];
  for (let i = 0; i < LOADS; i++) {
    for (const impl of ["widget", "reference"]) {
      const context = await browser.newContext();
      const visit = async () => {
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send("Network.enable");
        const urls = new Map();
        let bytes = 0;
        cdp.on("Network.responseReceived", (e) => urls.set(e.requestId, e.response.url));
        cdp.on("Network.loadingFinished", (e) => {
          if ((urls.get(e.requestId) || "").startsWith(filesOrigin)) bytes += e.encodedDataLength;
        });
        await page.goto(`${site}/bench/load.html?impl=${impl}&files=${encodeURIComponent(filesOrigin)}&${widgetQuery}`);
        await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 15000 });
        const time = await page.evaluate(() => window.benchResult);
        await page.waitForLoadState("networkidle");
        await page.close();
        return { time, bytes };
      };
      const first = await visit();
      const second = await visit();
      loadTimes[impl].push(first.time);
      loadTimes[impl === "widget" ? "warm" : "referenceWarm"].push(second.time);
      if (impl === "widget") warmBytes.push(second.bytes), coldBytes.push(first.bytes);
      await context.close();
    }
  }
  const median = (xs) => quantile(xs, 0.5);
  for (const [name, xs] of [["widget, first visit", loadTimes.widget], ["reference, first visit", loadTimes.reference], ["widget, second visit", loadTimes.warm], ["reference, second visit", loadTimes.referenceWarm]]) {
    out(`script tag to interactive button, ${name} (median / p90 of ${LOADS})`, `${ms(median(xs))} / ${ms(quantile(xs, 0.9))}`, "ms");
  }
  const ratio = median(loadTimes.widget) / median(loadTimes.reference);
  const warmRatio = median(loadTimes.warm) / median(loadTimes.referenceWarm);
  out("widget / plain-JS reference, median load time, first / second visit", `${ratio.toFixed(2)} / ${warmRatio.toFixed(2)}`, "x");
  verdict(ratio <= 1.5, `first visit at most 1.5x the plain-JS reference (x${ratio.toFixed(2)})`);
  verdict(warmRatio <= 1.5, `second visit at most 1.5x the plain-JS reference (x${warmRatio.toFixed(2)})`);
  // The files before the button works as socialchat-proxy --static sends them to a browser that
  // accepts br (the .br files scripts/bundle writes): their bodies on the wire.
  let served = 0;
  for (const name of ["socialchat-connect.js", manifest.firstModule, manifest.firstWasm]) {
    const response = await fetch(`${filesOrigin}/${name}`, { headers: { "accept-encoding": "br, gzip" } });
    assert.equal(response.headers.get("content-encoding"), "br", `${name} is served as brotli`);
    served += Number(response.headers.get("content-length"));
    await response.arrayBuffer();
  }
  out("bytes before the button works, as served by --static (Accept-Encoding: br, gzip)", `${served} (${(served / 1024).toFixed(1)} KiB)`, "bytes");
  verdict(served <= 64 * 1024, `at most 64 KiB on the wire before the button works, as --static serves it (${(served / 1024).toFixed(1)} KiB)`);
  const firstVisit = median(coldBytes);
  out("bytes of the widget's files on a first visit, everything (median)", `${firstVisit} (${(firstVisit / 1024).toFixed(1)} KiB)`, "bytes");
  out("bytes the second visit downloads of the widget's files (median / max)", `${median(warmBytes)} / ${Math.max(...warmBytes)}`, "bytes");
  verdict(Math.max(...warmBytes) <= 5000, `a second visit downloads at most 5 KB of the widget (max ${Math.max(...warmBytes)} bytes)`);

  // --- a click 0 ms and 1 s after the button appears (cold cache) -------------------------------
  // The first module's button takes a click at once; the element's module may not have loaded
  // yet (0 ms) or has (1 s): either way window.open runs in the click's own task, and the popup
  // reaches the dialog.
  for (const delay of [0, 1000]) {
    const context = await browser.newContext();
    await watchOpens(context);
    const page = await context.newPage();
    await page.goto(`${site}/bench/load.html?impl=widget&files=${encodeURIComponent(filesOrigin)}&${widgetQuery}`);
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 15000 });
    await page.waitForTimeout(delay);
    const elementLoaded = await page.evaluate(() => performance.getEntriesByType("resource").some((r) => /socialchat-connect_bg-/.test(r.name)));
    const [popup] = await Promise.all([
      context.waitForEvent("page"),
      page.locator("socialchat-connect").getByRole("button", { name: "Connect Instagram" }).click(),
    ]);
    await popup.getByRole("button", { name: "Allow" }).waitFor({ timeout: 15000 });
    const opens = (await page.evaluate(() => window.benchClicks)).map((o) => o.sameTask);
    out(`a click ${delay} ms after the button appears: window.open in the click's task / the dialog reached`, `${opens.join(",")} / yes (element's wasm fetched before the click: ${elementLoaded ? "yes" : "no"})`);
    verdict(opens.length === 1 && opens[0] === true, `a click ${delay} ms after the button appears opens the popup in the click's own task`);
    await context.close();
  }

  // --- the flow: click to window.open, callback to accounts drawn -------------------------------
  const context = await browser.newContext();
  await watchOpens(context);
  const drawn = [];
  const opens = [];
  for (let run = 0; run < 10; run++) {
    const page = await context.newPage();
    await page.goto(`${site}/bench/memory.html?${widgetQuery}`);
    const widget = page.locator("socialchat-connect");
    const [popup] = await Promise.all([context.waitForEvent("page"), widget.getByRole("button", { name: "Connect Instagram" }).click()]);
    await widget.getByText("Waiting for Facebook…").first().waitFor();
    opens.push(...(await page.evaluate(() => window.benchClicks)));
    const token = await (await fetch(`${sandbox.origin}/sandbox/token?kind=instagram`, { method: "POST" })).json();
    drawn.push(await page.evaluate((token) => new Promise((resolve) => {
      const root = document.querySelector("socialchat-connect").shadowRoot;
      const t0 = performance.now();
      new BroadcastChannel("socialchat-connect").postMessage({ source: "socialchat-connect", kind: "callback", channel: "instagram", token: token.token });
      (function poll() {
        if (root.querySelectorAll("input[type=radio]").length > 0) {
          requestAnimationFrame(() => resolve(performance.now() - t0));
        } else requestAnimationFrame(poll);
      })();
    }), token));
    if (!popup.isClosed()) await popup.close();
    await page.close();
  }
  out("click to window.open (median / max of 10)", `${ms(quantile(opens.map((o) => o.ms), 0.5))} / ${ms(Math.max(...opens.map((o) => o.ms)))}`, "ms");
  verdict(opens.length === 10 && opens.every((o) => o.sameTask), `window.open runs in the click's own task (${opens.filter((o) => o.sameTask).length}/${opens.length})`);
  out("callback message to account list drawn, first page of 25 (median / p90)", `${ms(quantile(drawn, 0.5))} / ${ms(quantile(drawn, 0.9))}`, "ms");

  // --- 1,000 accounts: append a page of 25, filter on one keystroke -----------------------------
  const page = await context.newPage();
  await page.goto(`${site}/bench/memory.html?${widgetQuery}`);
  const widget = page.locator("socialchat-connect");
  const [popup] = await Promise.all([context.waitForEvent("page"), widget.getByRole("button", { name: "Connect Instagram" }).click()]);
  await widget.getByText("Waiting for Facebook…").first().waitFor();
  const token = (await (await fetch(`${sandbox.origin}/sandbox/token?kind=instagram`, { method: "POST" })).json()).token;
  // Every page through Load more, then real (trusted) key presses in the search box, each timed
  // inside the page (bench/memory.js).
  const big = await page.evaluate((token) => window.benchLoadAll(token), token);
  await page.evaluate(() => window.benchWatchKeystrokes());
  const keys = [..."kopi ", ..."\b\b\b\b\b", ..."sat", ..."\b\b\b"];
  for (const key of keys) {
    const before = await page.evaluate(() => window.benchKeystrokes.length);
    await page.keyboard.press(key === "\b" ? "Backspace" : key === " " ? "Space" : key);
    await page.waitForFunction((n) => window.benchKeystrokes.length > n, before);
  }
  big.keystrokes = await page.evaluate(() => window.benchKeystrokes);
  big.filters = big.keystrokes.map((k) => k.work);
  big.frames = big.keystrokes.map((k) => k.paint);
  if (!popup.isClosed()) await popup.close();
  out("accounts loaded through Load more", big.loaded);
  const lastAppends = big.appends.slice(-10);
  out("append a page of 25 to ~1,000 loaded (median / max of the last 10)", `${ms(quantile(lastAppends, 0.5))} / ${ms(Math.max(...lastAppends))}`, "ms");
  out(`filter 1,000 accounts, one keystroke: work (median / max of ${big.filters.length})`, `${ms(quantile(big.filters, 0.5))} / ${ms(Math.max(...big.filters))}`, "ms");
  out(`filter 1,000 accounts, one keystroke: to frame rendered (median / p90)`, `${ms(quantile(big.frames, 0.5))} / ${ms(quantile(big.frames, 0.9))}`, "ms");
  verdict(quantile(big.frames, 0.5) <= 16, `a keystroke's filtered list is on screen within a frame (median ${ms(quantile(big.frames, 0.5))} ms, at most 16 ms)`);
  await page.close();

  // --- wasm memory over twenty flows -------------------------------------------------------------
  // The first flows grow the allocator to its working size (in 64 KiB pages); a leak shows as
  // growth that goes on, so the budget is no growth from the tenth flow to the twentieth.
  const mem = await context.newPage();
  await mem.goto(`${site}/bench/memory.html?${widgetQuery}`);
  const w = mem.locator("socialchat-connect");
  const sizes = [];
  for (let flow = 1; flow <= 20; flow++) {
    const [p] = await Promise.all([context.waitForEvent("page"), w.getByRole("button", { name: "Connect Instagram" }).click()]);
    await w.getByText("Waiting for Facebook…").first().waitFor();
    const t = (await (await fetch(`${sandbox.origin}/sandbox/token?kind=instagram`, { method: "POST" })).json()).token;
    await mem.evaluate((token) => new BroadcastChannel("socialchat-connect").postMessage({ source: "socialchat-connect", kind: "callback", channel: "instagram", token }), t);
    await w.getByRole("radio").first().waitFor();
    // A different account each time: those connected before are marked and cannot be chosen
    // again, so the list is scrolled past them (only the rows in view are drawn).
    await w.locator(".sc-accounts").evaluate((list, marked) => { list.scrollTop = marked * 56; }, flow - 1);
    await w.locator(".sc-account input[type=radio]:not([disabled])").first().check();
    await w.getByRole("button", { name: "Connect", exact: true }).click();
    await w.locator(".sc-success").waitFor();
    await w.getByRole("button", { name: "Connect another account" }).click();
    if (!p.isClosed()) await p.close();
    sizes.push(await mem.evaluate(() => window.wasmMemoryBytes()));
  }
  out("wasm memory after 1 / 10 / 20 flows", `${sizes[0]} / ${sizes[9]} / ${sizes[19]}`, "bytes");
  verdict(sizes[19] <= sizes[9], `no wasm memory growth from the tenth flow to the twentieth (+${sizes[19] - sizes[9]} bytes)`);
} finally {
  await browser.close();
  sandbox.stop();
  server.close();
}

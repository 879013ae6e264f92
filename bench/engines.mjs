// The widget's start and its filter in every engine (Chromium, Firefox ESR, WebKitGTK) through
// WebDriver (e2e/engines.mjs): script tag to interactive button (the first load of a session
// and the loads after it), and one keystroke in the search box over 1,000 loaded accounts until
// the frame that shows it. Timings are taken inside the page with performance.now(); the same
// pages as bench/widget.mjs. Prints one line per figure and engine, PASS/FAIL for the filter
// budget (16 ms), and says which engines are not installed.
import { available, startEngine, stopDisplay } from "../e2e/engines.mjs";
import { BUNDLE, startSandbox } from "../e2e/sandbox.mjs";
import { ms, out, quantile, serveBench, verdict } from "./serve.mjs";

const LOADS = Number(process.env.BENCH_ENGINE_LOADS || 8);

const site = await serveBench();
const sandbox = await startSandbox(["--allow-local-origins", "--accounts", "1000", "--page-size", "25", "--static", BUNDLE]);
const api = `${sandbox.origin}/api/socialchat`;
const session = `${sandbox.origin}/sandbox/session?channels=all`;
const query = `proxy=${encodeURIComponent(api)}&session=${encodeURIComponent(session)}`;
let failed = false;

try {
  for (const name of ["chromium", "firefox", "webkit"]) {
    if (!available().includes(name)) {
      console.log(`SKIP ${name}: not installed (scripts/setup installs it)`);
      continue;
    }
    const engine = await startEngine(name);
    const { browser } = engine;
    try {
      // Script tag to button: the first load fetches the files, the next ones may use the cache.
      const loads = [];
      for (let i = 0; i < LOADS; i++) {
        await browser.url(`${site.origin}/bench/load.html?impl=widget&files=${encodeURIComponent(sandbox.origin)}&${query}&n=${i}`);
        await browser.waitUntil(() => browser.execute(() => typeof window.benchResult === "number"), { timeout: 30_000 });
        loads.push(await browser.execute(() => window.benchResult));
      }
      out(`${name} ${engine.version}: script tag to button, first load`, ms(loads[0]), "ms");
      out(`${name} ${engine.version}: script tag to button, later loads (median)`, ms(quantile(loads.slice(1), 0.5)), "ms");

      // 1,000 accounts: the callback through the BroadcastChannel, every page through Load more.
      await browser.url(`${site.origin}/bench/memory.html?${query}`);
      const host = await browser.$("socialchat-connect");
      await browser.waitUntil(() => browser.execute(() => !!document.querySelector("socialchat-connect")?.shadowRoot?.querySelector("button")), { timeout: 30_000 });
      const main = await browser.getWindowHandle();
      const start = await host.shadow$("button");
      await start.scrollIntoView();
      await start.waitForClickable({ timeout: 10_000 });
      await start.click();
      const token = (await (await fetch(`${sandbox.origin}/sandbox/token?kind=instagram`, { method: "POST" })).json()).token;
      for (const handle of await browser.getWindowHandles()) {
        if (handle !== main) {
          await browser.switchToWindow(handle);
          await browser.closeWindow();
        }
      }
      await browser.switchToWindow(main);
      // Every page through Load more, then real keys in the search box, each timed inside the
      // page (bench/memory.js, as bench/widget.mjs does). The box is focused by script.
      const { loaded } = await browser.executeAsync((token, done) => {
        window.benchLoadAll(token).then(done);
      }, token);
      await browser.execute(() => window.benchWatchKeystrokes());
      const keys = [..."kopi ", ..."\uE003\uE003\uE003\uE003\uE003", ..."sat", ..."\uE003\uE003\uE003"];
      for (const key of keys) {
        const before = await browser.execute(() => window.benchKeystrokes.length);
        await browser.keys(key);
        await browser.waitUntil(() => browser.execute((n) => window.benchKeystrokes.length > n, before), { timeout: 10_000 });
      }
      const frames = (await browser.execute(() => window.benchKeystrokes)).map((k) => k.paint);
      out(`${name}: accounts loaded`, loaded);
      out(`${name}: filter 1,000 accounts, one keystroke to frame (median / p90)`, `${ms(quantile(frames, 0.5))} / ${ms(quantile(frames, 0.9))}`, "ms");
      const ok = quantile(frames, 0.5) <= 16;
      failed ||= !ok;
      verdict(ok, `${name}: a keystroke's filtered list is on screen within a frame (median ${ms(quantile(frames, 0.5))} ms, at most 16 ms)`);
    } finally {
      await engine.close();
    }
  }
} finally {
  stopDisplay();
  site.close();
  sandbox.stop();
}
process.exit(failed ? 1 : 0);

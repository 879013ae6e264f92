// The chaos run of the widget: N flows in headless Chromium through the sandbox, with latency
// jitter and random failures on every route (--chaos: 5xx, 401, timeouts, malformed bodies,
// HTML pages, dropped connections), driven by a random user (double clicks, Allow, Deny,
// closing the popup, Cancel, Try again, Load more, search, removing the element mid-flow, two
// widgets at once). One page for the whole run, so that what a flow leaves behind adds up.
//
// Each flow must end within its deadline as connected, cancelled, removed, or an error whose
// Try again works; no uncaught error or panic may reach the page; the wasm memory and the
// listeners on window must be flat from the first flows to the end. Used by scripts/chaos
// (N = 200) and by e2e/chaos.test.mjs (N = 20, in scripts/test). Returns the report.
import { launch } from "./browser.mjs";
import { BUNDLE, startSandbox } from "./sandbox.mjs";
import { startHost } from "./host.mjs";

const FLOW_DEADLINE_MS = 60_000;
const KINDS = ["instagram", "instagram", "messenger", "telegram", "webchat"];
const LABEL = { instagram: "Instagram", messenger: "Messenger", telegram: "Telegram", webchat: "Webchat" };

/** A small seeded random source, so that a run can be repeated (`seed` in the report). */
function random(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  return {
    next,
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
    int: (n) => Math.floor(next() * n),
  };
}

// Captures the widget's WebAssembly memory for the report; the page itself is unchanged.
const CAPTURE_MEMORY = `(() => {
  const keep = (result) => {
    const instance = result.instance || result;
    const memory = instance.exports && instance.exports.memory;
    if (memory) Object.defineProperty(window, "__chaosMemory", { value: memory, configurable: true });
    return result;
  };
  const streaming = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = (...a) => streaming.apply(WebAssembly, a).then(keep);
  const plain = WebAssembly.instantiate;
  WebAssembly.instantiate = (...a) => plain.apply(WebAssembly, a).then(keep);
})();`;

/** What the element shows: the signature of its state, and what the user can do there. */
function observe(element) {
  return element.evaluate((host) => {
    const root = host.shadowRoot;
    if (!root) return { buttons: [], radios: 0, fields: [], search: null, status: "", alert: "", success: false, signature: "not started" };
    const visible = (e) => e.offsetParent !== null || e.getClientRects().length > 0;
    const buttons = [...root.querySelectorAll("button")].filter((b) => visible(b) && !b.disabled).map((b) => b.textContent.trim());
    const radios = [...root.querySelectorAll("input[type=radio]")].filter((r) => !r.disabled && !r.closest("fieldset")?.disabled).length;
    const fields = [...root.querySelectorAll(".sc-flow input:not([type=radio]):not([type=search])")].filter(visible).map((i) => i.getAttribute("aria-label") || i.id || i.name);
    const status = root.querySelector("[role=status]")?.textContent || "";
    const alert = [...root.querySelectorAll("[role=alert]")].map((a) => a.textContent.trim()).join(" | ");
    const success = !!root.querySelector(".sc-success");
    const search = root.querySelector("input[type=search]")?.value ?? null;
    return { buttons, radios, fields, search, status, alert, success, signature: JSON.stringify([buttons, radios, fields.length, search, status, alert, success]) };
  });
}

export async function chaos({ flows = 20, seed = Date.now() % 100000, log = () => {} } = {}) {
  const rnd = random(seed);
  const report = {
    seed,
    flows: 0,
    outcomes: {},
    byChannel: {},
    defects: [],
    longestStepMs: 0,
    longestStep: "",
    memory: {},
    listeners: {},
    twoWidgets: 0,
    durationMs: 0,
  };
  const started = Date.now();
  const browser = await launch();
  const host = await startHost();
  const sandbox = await startSandbox([
    "--static", BUNDLE,
    "--allow-local-origins",
    "--callback-url", `${host.origin}/callback.html?channel={kind}`,
    "--latency-ms", "20",
    "--latency-jitter-ms", "300",
    "--chaos", "15",
    // Each flow may connect: the per-user connect limit would answer most of them 429.
    "--connects-per-minute", "0",
    "--timeout-secs", "3",
  ]);
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  await context.addInitScript(CAPTURE_MEMORY);
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (/panicked|RuntimeError|unreachable executed/i.test(m.text())) pageErrors.push(m.text());
  });
  const cdp = await context.newCDPSession(page);
  const windowListeners = async () => {
    const { result } = await cdp.send("Runtime.evaluate", { expression: "window" });
    const { listeners } = await cdp.send("DOMDebugger.getEventListeners", { objectId: result.objectId });
    await cdp.send("Runtime.releaseObject", { objectId: result.objectId });
    return listeners.length;
  };
  const memoryBytes = () => page.evaluate(() => window.__chaosMemory?.buffer.byteLength ?? 0);

  // The dashboard with no element yet; flows add and remove their own.
  await page.goto(host.dashboard({ files: host.origin, api: sandbox.origin, widgets: [] }));
  await page.waitForFunction(() => customElements.get("socialchat-connect"));

  const popups = [];
  context.on("page", (p) => popups.push(p));

  const addWidget = (kind, n) =>
    page.evaluate(({ kind, n, api }) => {
      const element = document.createElement("socialchat-connect");
      element.id = `chaos-${n}`;
      element.setAttribute("proxy", `${api}/api/socialchat`);
      element.setAttribute("session-url", `/session?kinds=instagram,messenger,telegram,webchat&page=chaos-${n}`);
      element.setAttribute("channel", kind);
      element.setAttribute("lang", "en");
      document.querySelector("body").append(element);
    }, { kind, n, api: sandbox.origin });
  const removeWidgets = () => page.evaluate(() => document.querySelectorAll("socialchat-connect").forEach((e) => e.remove()));

  /** Acts in an authorization popup, if one opened: Allow, Deny or close it. */
  async function handlePopup(wait = 4000) {
    const deadline = Date.now() + wait;
    while (!popups.length && Date.now() < deadline) await page.waitForTimeout(50);
    const popup = popups.shift();
    if (!popup) return "no-popup";
    const choice = rnd.chance(0.75) ? "Allow" : rnd.chance(0.5) ? "Deny" : "close";
    try {
      if (choice === "close") {
        await popup.waitForTimeout(rnd.int(800));
        await popup.close();
      } else {
        await popup.getByRole("button", { name: choice }).click({ timeout: 8000 });
      }
    } catch {
      // The popup closed itself (the authorization failed) or navigated away: fine.
    }
    return choice;
  }

  /** One flow of a random kind: returns its outcome. */
  async function flow(n) {
    const kind = rnd.pick(KINDS);
    const result = await drive(n, kind);
    report.byChannel[kind] ??= {};
    report.byChannel[kind][result.outcome] = (report.byChannel[kind][result.outcome] || 0) + 1;
    return result;
  }

  async function drive(n, kind) {
    const two = rnd.chance(0.15);
    await addWidget(kind, n);
    if (two) {
      report.twoWidgets++;
      await addWidget(rnd.pick(KINDS), `${n}b`);
    }
    const element = page.locator(`#chaos-${n}`);
    const deadline = Date.now() + FLOW_DEADLINE_MS;
    let last = "";
    let since = Date.now();
    // Whether this flow sent a connect (picker) or a form already: its next error ends it.
    let sent = false;
    for (let step = 0; step < 40; step++) {
      if (Date.now() > deadline) return { outcome: "stuck", detail: last };
      const state = await observe(element);
      if (state.signature !== last) {
        last = state.signature;
        since = Date.now();
      }
      if (state.success) return { outcome: "connected" };
      const click = async (name, options = {}) => {
        await element.getByRole("button", { name, exact: true }).first().click({ timeout: 5000, ...options });
      };
      const has = (name) => state.buttons.includes(name);
      // Sometimes the element goes while the flow runs.
      if (step > 0 && rnd.chance(0.04)) {
        await removeWidgets();
        return { outcome: "removed" };
      }
      try {
        if (has("Try again") || has("Authorize again")) {
          const again = has("Try again") ? "Try again" : "Authorize again";
          if (rnd.chance(0.5)) {
            // The end of this flow: its Try again must work (the widget moves on).
            // It works when it asks the proxy again (the same call, or a new authorization)
            // or the widget moves on; the same answer again is still a working Try again.
            const before = state.signature;
            const asked = page
              .waitForRequest((r) => r.url().startsWith(`${sandbox.origin}/api/socialchat/`), { timeout: 8000 })
              .then(() => true, () => false);
            await click(again);
            if (kind === "instagram" || kind === "messenger") await handlePopup(1500);
            const moved = (await asked) || (await waitForChange(element, before, 8000));
            return { outcome: state.alert ? "error" : "cancelled", detail: state.alert || state.status, tryAgainWorks: moved };
          }
          await click(again);
          if (kind === "instagram" || kind === "messenger") await handlePopup();
        } else if (has(`Connect ${LABEL[kind]}`) || has(`Reconnect ${LABEL[kind]}`)) {
          const name = has(`Connect ${LABEL[kind]}`) ? `Connect ${LABEL[kind]}` : `Reconnect ${LABEL[kind]}`;
          if (rnd.chance(0.1)) await element.getByRole("button", { name, exact: true }).first().dblclick({ timeout: 5000 });
          else await click(name);
          if (kind === "instagram" || kind === "messenger") await handlePopup();
        } else if (state.search !== null && has("Cancel")) {
          // The picker.
          if (rnd.chance(0.1)) {
            await click("Cancel");
            return { outcome: "cancelled", detail: "user" };
          }
          if (sent && state.alert) {
            // The connect failed and the picker is back, with its choice: Connect again is the
            // way on, and it must be there.
            return { outcome: "error", detail: state.alert, tryAgainWorks: has("Connect") || state.radios > 0 };
          }
          if (state.radios === 0 && state.search) await element.getByRole("searchbox").fill("");
          if (state.radios === 0 && !state.search && !has("Load more")) {
            // Every account already has a channel: nothing to choose, Cancel is the way out.
            await click("Cancel");
            return { outcome: "cancelled", detail: "nothing left to choose" };
          }
          if (has("Load more") && rnd.chance(0.25)) await click("Load more");
          if (rnd.chance(0.1)) await element.getByRole("searchbox").fill(rnd.pick(["toko", "kopi", "zzz", ""]));
          const radios = element.locator("input[type=radio]:not([disabled])");
          const count = await radios.count();
          if (count > 0) {
            await radios.nth(rnd.int(count)).check({ timeout: 5000 });
            if (rnd.chance(0.1)) await element.getByRole("button", { name: "Connect", exact: true }).dblclick({ timeout: 5000 });
            else await click("Connect");
            sent = true;
          }
        } else if (state.fields.length > 0 && (has("Connect") || has("Reconnect"))) {
          if (rnd.chance(0.1)) {
            await click("Cancel");
            return { outcome: "cancelled", detail: "user" };
          }
          if (sent && state.alert) {
            // The form says what went wrong and keeps what was typed (not the bot token): sending
            // it again is the way on, and it must be there.
            return { outcome: "error", detail: state.alert, tryAgainWorks: has("Connect") || has("Reconnect") };
          }
          if (kind === "telegram") {
            await element.getByLabel("Bot token").fill(`70${String(10000000 + n).slice(-8)}:AAGsandboxChaosBot${String(n).padStart(14, "0")}`);
          } else {
            await element.getByLabel("Name", { exact: true }).fill(`Chat ${n}`);
            await element.getByLabel("Website address").fill(rnd.chance(0.9) ? `https://toko-${n}.example` : "not a url");
          }
          await click(has("Connect") ? "Connect" : "Reconnect");
          sent = true;
        } else if (has("Connect another")) {
          return { outcome: "connected" };
        } else if (has("Cancel") && rnd.chance(0.05)) {
          await click("Cancel");
          return { outcome: "cancelled", detail: "user" };
        } else {
          // Loading, or waiting for the popup: the widget's turn. How long it keeps one step
          // while nobody acts is the figure that shows something stuck.
          await waitForChange(element, state.signature, 1500);
          const held = Date.now() - since;
          if (held > report.longestStepMs) {
            report.longestStepMs = held;
            report.longestStep = last;
          }
        }
      } catch (error) {
        // A control went away between the look and the click (the flow moved on): look again.
        if (!/Timeout|detached|not attached|Target closed|closed/i.test(String(error))) throw error;
      }
    }
    return { outcome: "stuck", detail: `no end after 40 actions: ${last}` };
  }

  async function waitForChange(element, before, ms) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const now = await observe(element).catch(() => ({ signature: "gone" }));
      if (now.signature !== before) return true;
      await page.waitForTimeout(100);
    }
    return false;
  }

  let baseline;
  for (let n = 1; n <= flows; n++) {
    const errorsBefore = pageErrors.length;
    let result;
    try {
      result = await flow(n);
    } catch (error) {
      result = { outcome: "driver-error", detail: String(error).split("\n")[0] };
    }
    await removeWidgets();
    for (const p of popups.splice(0)) await p.close().catch(() => {});
    for (const p of context.pages()) if (p !== page) await p.close().catch(() => {});
    report.flows++;
    report.outcomes[result.outcome] = (report.outcomes[result.outcome] || 0) + 1;
    if (result.outcome === "stuck" || result.outcome === "driver-error") report.defects.push(`flow ${n}: ${result.outcome}: ${result.detail}`);
    if (result.tryAgainWorks === false) report.defects.push(`flow ${n}: Try again did nothing after: ${result.detail}`);
    if (pageErrors.length > errorsBefore) report.defects.push(`flow ${n}: error on the page: ${pageErrors.slice(errorsBefore).join(" / ")}`);
    log(`flow ${n}: ${result.outcome}${result.detail ? ` (${String(result.detail).slice(0, 120)})` : ""}`);
    // The baseline: after a few flows, when every lazily made thing exists once.
    if (n === Math.min(5, flows)) {
      await page.waitForTimeout(300);
      baseline = { memory: await memoryBytes(), listeners: await windowListeners() };
    }
  }
  await page.waitForTimeout(300);
  const end = { memory: await memoryBytes(), listeners: await windowListeners() };
  report.memory = { afterFirstFlows: baseline?.memory, end: end.memory };
  report.listeners = { afterFirstFlows: baseline?.listeners, end: end.listeners };
  if (baseline && end.listeners > baseline.listeners) report.defects.push(`listeners on window grew: ${baseline.listeners} → ${end.listeners}`);
  // Wasm memory never shrinks; it may grow once to a working size, not with every flow.
  if (baseline && end.memory > baseline.memory * 1.5) report.defects.push(`wasm memory grew: ${baseline.memory} → ${end.memory} bytes`);
  report.durationMs = Date.now() - started;
  await context.close();
  await browser.close();
  await host.close();
  sandbox.stop();
  return report;
}

// scripts/chaos: node e2e/chaos.mjs [flows] [seed]
if (import.meta.url === `file://${process.argv[1]}`) {
  const flows = Number(process.argv[2] || 200);
  const seed = process.argv[3] ? Number(process.argv[3]) : undefined;
  const report = await chaos({ flows, seed, log: (line) => console.log(line) });
  console.log(JSON.stringify(report, null, 2));
  process.exit(report.defects.length ? 1 : 0);
}

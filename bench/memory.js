// Starts the widget's module itself (instead of the loader) so that the benchmark can read the
// size of the WebAssembly memory; everything else is the normal widget.
// The bundle's content-hashed names, from scripts/bundle's manifest.
const names = await (await fetch("/manifest.json")).json();
const { default: init } = await import(`/${names.module}`);
const params = new URLSearchParams(location.search);
const exports = await init({ module_or_path: `/${names.wasm}` });
window.wasmMemoryBytes = () => exports.memory.buffer.byteLength;
const element = document.createElement("socialchat-connect");
element.setAttribute("proxy", params.get("proxy"));
element.setAttribute("session-url", params.get("session"));
element.setAttribute("lang", "en");
document.body.append(element);

// What the benchmarks measure inside the page, one copy for bench/widget.mjs (Chromium, through
// the DevTools protocol) and bench/engines.mjs (every engine, through WebDriver).
const root = () => element.shadowRoot;
// How many accounts the list holds: each radio says it (only the rows in view are drawn).
const listed = () => Number(root().querySelector("input[type=radio]")?.getAttribute("aria-setsize") || 0);
const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
const nextTask = (f) => { const c = new MessageChannel(); c.port1.onmessage = f; c.port2.postMessage(0); };

/**
 * With the widget waiting for Facebook: delivers the callback for `token`, then presses Load
 * more until every page is there. Resolves with the accounts loaded and, for each page, the
 * time from its answer's arrival (the request's end) until its rows were in the list.
 */
window.benchLoadAll = async (token) => {
  new BroadcastChannel("socialchat-connect").postMessage({ source: "socialchat-connect", kind: "callback", channel: "instagram", token });
  while (listed() === 0) await frame();
  const appends = [];
  for (;;) {
    const more = [...root().querySelectorAll("button")].find((b) => b.textContent.trim() === "Load more");
    if (!more) break;
    const before = listed();
    while (more.disabled) await frame();
    more.click();
    const start = performance.now();
    while (listed() === before) await new Promise((r) => setTimeout(r, 0));
    const network = performance.getEntriesByType("resource").filter((e) => e.name.includes("/account?")).pop();
    appends.push(performance.now() - Math.max(start, network ? network.responseEnd : start));
  }
  return { loaded: listed(), appends };
};

/**
 * Records, for every keystroke in the search box from now on (window.benchKeystrokes), when
 * the work it caused has finished (the handler and the widget's reactive updates, all
 * microtasks) and when the frame that shows the result has been rendered, from its input event.
 */
window.benchWatchKeystrokes = () => {
  const input = root().querySelector("input[type=search]");
  window.benchKeystrokes = [];
  input.addEventListener("input", () => {
    const t0 = performance.now();
    const k = { work: 0, paint: 0 };
    nextTask(() => { k.work = performance.now() - t0; });
    requestAnimationFrame(() => nextTask(() => { k.paint = performance.now() - t0; window.benchKeystrokes.push(k); }));
  }, { capture: true });
  input.focus();
};

// socialchat-connect loader: the one file a partner's page includes, by this stable name.
//
//   <script type="module" src="https://partner.example/socialchat/socialchat-connect.js"></script>
//   <socialchat-connect proxy="/api/socialchat"></socialchat-connect>
//
// or, from the npm package, in a partner's build (Vite, webpack, esbuild, Rollup):
//
//   import "socialchat-connect";
//
// It loads the widget's module and WebAssembly relative to this file (not to the page), so the
// page may be on another origin than the files. Both are named by string literals relative to
// this file (`import("./…")`, `new URL("./…", import.meta.url)`): the forms a bundler follows,
// so a partner's build emits them beside its own files. Starting the module defines the
// <socialchat-connect> element; a second copy of this script (or of the element definition)
// changes nothing. It adds no globals to the page.
//
// In the partner bundle (scripts/bundle) the names below are the files' content-hashed names,
// so that pkg/ can be cached for good; this file keeps its name and is revalidated.
//
// The partner bundle draws the buttons first: its small first module (the widget crate without
// its element) defines the element and draws each Connect button, which works at once (a click
// opens the popup in its own task); the element's module follows once the page has painted, in
// the next idle moment, or at once on a first click, and takes over, carrying on with a click
// already made.
// Elsewhere (the preview, a build without the first module) FIRST stays false and the element's
// module is the only one.
const FIRST = false;

function element() {
  // The WebAssembly download starts now, while the module is fetched and parsed; the browser
  // compiles it as it streams in (served as application/wasm).
  const wasm = fetch(new URL("./pkg/socialchat-connect_bg.wasm", import.meta.url));
  return import("./pkg/socialchat-connect.js").then(async (module) => {
    await module.default({ module_or_path: wasm });
    return module;
  });
}

// Calls `then` once the page's first contentful paint has been presented (at once when it has
// been already, as on a dashboard that was drawn before the widget), or after a second at most
// (a hidden tab paints nothing); after the next frame where the browser does not report paints.
function afterFirstPaint(then) {
  if (!self.PerformanceObserver?.supportedEntryTypes?.includes("paint")) {
    requestAnimationFrame(() => setTimeout(then, 0));
    return;
  }
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    observer.disconnect();
    then();
  };
  const observer = new PerformanceObserver((list) => {
    if (list.getEntriesByName("first-contentful-paint").length) once();
  });
  observer.observe({ type: "paint", buffered: true });
  setTimeout(once, 1000);
}

async function buttonsFirst() {
  let first;
  try {
    const wasm = fetch(new URL("./pkg/socialchat-first_bg.wasm", import.meta.url));
    first = await import("./pkg/socialchat-first.js");
    await first.default({ module_or_path: wasm });
  } catch (error) {
    // Without the first module, the element's alone.
    console.warn("socialchat-connect: the buttons could not be drawn first:", error);
    return element();
  }
  // The element's module, fetched once: in the first idle moment after the buttons' first
  // paint (fetched before it, it would compete with that paint), or at once on a first click.
  let fetchElement;
  const fetched = new Promise((resolve) => (fetchElement = resolve));
  const load = () => {
    fetchElement?.(element());
    fetchElement = null;
    return fetched;
  };
  // Only this loader holds the hand-over (false when the element was defined already).
  const handOver = first.registerButton(load);
  const idle = () => (self.requestIdleCallback ? requestIdleCallback(load, { timeout: 1000 }) : setTimeout(load));
  afterFirstPaint(idle);
  try {
    const module = await fetched;
    if (handOver) module.takeOver(handOver);
  } catch (error) {
    // A popup a click opened must not wait for ever; the user and the host page are told.
    first.giveUp(String(error));
    throw error;
  }
}

(FIRST ? buttonsFirst() : element()).catch((error) => {
  console.error("socialchat-connect: the widget could not start:", error);
});

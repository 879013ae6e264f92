// Starts the callback page: loads the widget's module (beside this file) and hands the
// authorization result to the dashboard. No inline script, so a strict CSP works. In the partner
// bundle the two names are content-hashed (scripts/bundle).
const MODULE = "./pkg/socialchat-connect.js";
const WASM = "./pkg/socialchat-connect_bg.wasm";

const wasm = fetch(new URL(WASM, import.meta.url));
const { default: init, runCallbackPage } = await import(new URL(MODULE, import.meta.url).href);
await init({ module_or_path: wasm });
runCallbackPage();

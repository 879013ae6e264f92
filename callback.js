// Starts the callback page: loads the widget's module (beside this file) and hands the
// authorization result to the dashboard. No inline script, so a strict CSP works.
import init, { runCallbackPage } from "./pkg/socialchat-connect.js";

await init({ module_or_path: new URL("./pkg/socialchat-connect_bg.wasm", import.meta.url) });
runCallbackPage();

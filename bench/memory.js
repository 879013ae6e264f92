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

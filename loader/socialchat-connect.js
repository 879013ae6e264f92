// socialchat-connect loader: the one file a partner's page includes, by this stable name.
//
//   <script type="module" src="https://partner.example/socialchat/socialchat-connect.js"></script>
//   <socialchat-connect proxy="/api/socialchat"></socialchat-connect>
//
// It loads the widget's module and WebAssembly relative to this file (not to the page), so the
// page may be on another origin than the files. Starting the module defines the
// <socialchat-connect> element; a second copy of this script (or of the element definition)
// changes nothing. It adds no globals to the page.
//
// In the partner bundle (scripts/bundle) the two names below are the files' content-hashed
// names, so that pkg/ can be cached for good; this file keeps its name and is revalidated.
const MODULE = "./pkg/socialchat-connect.js";
const WASM = "./pkg/socialchat-connect_bg.wasm";

// The WebAssembly download starts now, while the module is fetched and parsed; the browser
// compiles it as it streams in (served as application/wasm).
const wasm = fetch(new URL(WASM, import.meta.url));
import(new URL(MODULE, import.meta.url).href)
  .then(({ default: init }) => init({ module_or_path: wasm }))
  .catch((error) => {
    console.error("socialchat-connect: the widget could not start:", error);
  });

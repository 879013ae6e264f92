// socialchat-connect loader: the one file a partner's page includes, by this stable name.
//
//   <script type="module" src="https://partner.example/socialchat/socialchat-connect.js"></script>
//   <socialchat-connect proxy="/api/socialchat"></socialchat-connect>
//
// It loads the widget's module and WebAssembly relative to this file (not to the page), so the
// page may be on another origin than the files. Starting the module defines the
// <socialchat-connect> element; a second copy of this script (or of the element definition)
// changes nothing. It adds no globals to the page.
import init from "./pkg/socialchat-connect.js";

const wasm = new URL("./pkg/socialchat-connect_bg.wasm", import.meta.url);

init({ module_or_path: wasm }).catch((error) => {
  console.error("socialchat-connect: the widget could not start:", error);
});

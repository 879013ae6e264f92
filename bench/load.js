// Inserts the widget's script tag (or the reference's) and times it until the button is in the
// element's shadow root with its click handler attached. Reports window.benchResult (ms).
const params = new URLSearchParams(location.search);
const which = params.get("impl");
const t0 = performance.now();
const element = document.createElement(which === "widget" ? "socialchat-connect" : "reference-connect");
if (which === "widget") {
  element.setAttribute("proxy", params.get("proxy") || "/api/socialchat");
  element.setAttribute("session-url", params.get("session"));
  element.setAttribute("lang", "en");
}
document.body.append(element);
const script = document.createElement("script");
if (which === "widget") script.type = "module";
// The widget's files come from `files` (another origin, as from a CDN), else the page's own.
script.src = which === "widget" ? `${params.get("files") || ""}/socialchat-connect.js` : "/bench/reference.js";
document.head.append(script);
(function poll() {
  const button = element.shadowRoot && element.shadowRoot.querySelector("button");
  if (button) {
    window.benchResult = performance.now() - t0;
  } else {
    requestAnimationFrame(poll);
  }
})();

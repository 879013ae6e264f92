// The reference for the load-time benchmark: a hand-written plain-JS custom element that renders
// the same "Connect Instagram" button and hint in a shadow root, with no framework and no wasm.
// What a partner would get from the smallest possible widget.
const css = `:host{display:block;font-family:system-ui,sans-serif}
.w{max-width:480px;padding:16px;border:1px solid #dadde1;border-radius:10px}
button{min-height:44px;padding:10px 18px;font:inherit;font-weight:600;border:0;border-radius:10px;background:#d62976;color:#fff;cursor:pointer}
p{margin:10px 0 0;color:#5f6670;font-size:.9em}`;
const sheet = new CSSStyleSheet();
sheet.replaceSync(css);
class ReferenceConnect extends HTMLElement {
  connectedCallback() {
    const root = this.shadowRoot || this.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = "";
    const box = document.createElement("div");
    box.className = "w";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Connect Instagram";
    button.addEventListener("click", () => window.open("", "reference", "popup=yes,width=600,height=720"));
    const hint = document.createElement("p");
    hint.textContent = "On Facebook, allow all Pages and Instagram accounts so that every one can be chosen.";
    box.append(button, hint);
    root.append(box);
  }
}
if (!customElements.get("reference-connect")) customElements.define("reference-connect", ReferenceConnect);

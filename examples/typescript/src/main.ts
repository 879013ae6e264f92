// A dashboard page in plain TypeScript (no framework) that embeds the widget from the npm
// package: the element and its events are typed by the package alone.
import "socialchat-connect";
import type { ConnectedDetail } from "socialchat-connect";
import { settings } from "../../settings";

const element = document.createElement("socialchat-connect");
element.setAttribute("proxy", settings.proxy);
element.setAttribute("session-url", settings.sessionUrl);
element.setAttribute("channel", "instagram");
element.setAttribute("lang", "en");

const list = document.querySelector<HTMLUListElement>("#connected")!;
function show(channel: ConnectedDetail) {
  const item = document.createElement("li");
  item.textContent = `${channel.name} (${channel.channel})`;
  list.append(item);
}
element.addEventListener("socialchat:connected", (event) => show(event.detail));
element.addEventListener("socialchat:error", (event) => console.warn(event.detail.code, event.detail.message));
document.querySelector("#connect")!.append(element);

customElements.whenDefined("socialchat-connect").then(() => {
  const version = customElements.get("socialchat-connect")?.version;
  document.querySelector("#version")!.textContent = `socialchat-connect ${version}`;
});

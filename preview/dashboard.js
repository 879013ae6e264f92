// The pretend partner dashboard's own script: logs the widget's events as a partner would.
const log = document.getElementById("event-log");
for (const type of ["ready", "authorized", "connected", "cancelled", "error"]) {
  document.addEventListener(`socialchat:${type}`, (event) => {
    const item = document.createElement("li");
    const source = event.target && event.target.id ? `#${event.target.id}` : "";
    item.textContent = `${new Date().toLocaleTimeString()} ${event.type} ${source} ${JSON.stringify(event.detail)}`;
    log.prepend(item);
  });
}

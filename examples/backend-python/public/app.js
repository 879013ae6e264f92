// The dashboard's own script (a file, not inline: the page runs under a strict
// Content-Security-Policy). It keeps "Your channels" up to date:
// - after a connect, it posts the event's receipt to the backend, which verifies it and records
//   the channel at once (the event itself could be faked by any script; the receipt cannot);
// - every 2 s it reloads the list, since the webhook (which brings the channel's name) arrives
//   on its own time.
const list = document.querySelector('ul[aria-label="Your channels"]');

async function refresh() {
  if (!list) return; // the sign-in page
  try {
    const response = await fetch("/api/me/channels", { headers: { accept: "application/json" } });
    if (!response.ok) return;
    const channels = await response.json();
    list.replaceChildren(
      ...channels.map((channel) => {
        const item = document.createElement("li");
        // The receipt carries no name: until the webhook brings it, show the _id.
        item.textContent = `${channel.name ?? channel._id} (${channel.kind})`;
        return item;
      }),
    );
  } catch {
    // Offline for a moment: the next poll tries again.
  }
}

document.addEventListener("socialchat:connected", async (event) => {
  const { receipt } = event.detail;
  if (receipt) {
    try {
      await fetch("/api/me/socialchat-receipt", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ receipt }),
      });
    } catch {
      // The webhook records the channel anyway.
    }
  }
  refresh();
});

setInterval(refresh, 2000);

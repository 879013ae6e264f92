// A React 19 dashboard page that embeds the widget from the npm package: one import defines the
// element, one type import gives JSX its attributes and its `on…` event props.
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import "socialchat-connect";
import type { ConnectedDetail } from "socialchat-connect";
import type {} from "socialchat-connect/react";
import { settings } from "../../settings";

function App() {
  const [connected, setConnected] = useState<ConnectedDetail[]>([]);
  const [version, setVersion] = useState<string>();
  useEffect(() => {
    customElements
      .whenDefined("socialchat-connect")
      .then(() => setVersion(customElements.get("socialchat-connect")?.version));
  }, []);
  return (
    <main>
      <h1>React dashboard</h1>
      <socialchat-connect
        proxy={settings.proxy}
        session-url={settings.sessionUrl}
        channel="instagram"
        lang="en"
        onsocialchat:connected={(event) => setConnected((list) => [...list, event.detail])}
      />
      <h2>Connected channels</h2>
      <ul aria-label="Connected channels">
        {connected.map((channel) => (
          <li key={channel.channelId}>
            {channel.name} ({channel.channel})
          </li>
        ))}
      </ul>
      {version && <p>socialchat-connect {version}</p>}
    </main>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// Where the partner proxy and the backend's session endpoint are, shared by the three examples:
// fixed in a real dashboard, given in the page's query here so that the end-to-end tests point
// it at their sandbox.
const query = new URLSearchParams(location.search);
export const settings = {
  proxy: query.get("proxy") ?? "/api/socialchat",
  sessionUrl: query.get("session-url") ?? "/api/me/socialchat-session",
};

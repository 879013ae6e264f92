// Type checks that must fail (tsc reports an unused @ts-expect-error if one compiles): this file
// is type-checked with the example, never built.
import type { SocialchatConnectElement } from "socialchat-connect";

const element: SocialchatConnectElement = document.createElement("socialchat-connect");
element.addEventListener("socialchat:connected", (event) => {
  // @ts-expect-error: the detail's field is `channelId`
  console.log(event.detail.channelID);
});
element.addEventListener("socialchat:cancelled", (event) => {
  // @ts-expect-error: no such cancel reason
  if (event.detail.reason === "closed") console.log("closed");
});
// @ts-expect-error: the session is write-only
export const session: string = element.session;

// React 19's JSX for <socialchat-connect>: `import type {} from "socialchat-connect/react"` once
// in the app. React 19 sets a prop the element has as a property (`session`), any other as an
// attribute (`proxy`, `session-url`, ...), and an `on…` prop as a listener for the event named by
// the rest of the prop: `onsocialchat:connected={(event) => …}` listens for `socialchat:connected`.
import type { DetailedHTMLProps, HTMLAttributes } from "react";
import type {
  SocialchatConnectAttributes,
  SocialchatConnectElement,
  SocialchatConnectEventMap,
} from "./socialchat-connect.js";

/** The `on…` props of the element's events, as React 19 maps them for custom elements. */
export type SocialchatConnectEventProps = {
  [K in keyof SocialchatConnectEventMap as `on${K}`]?: (event: SocialchatConnectEventMap[K]) => void;
};

/** The props of `<socialchat-connect>` in JSX. */
export type SocialchatConnectProps = Omit<
  DetailedHTMLProps<HTMLAttributes<SocialchatConnectElement>, SocialchatConnectElement>,
  keyof SocialchatConnectAttributes
> &
  SocialchatConnectAttributes &
  SocialchatConnectEventProps;

declare module "react" {
  namespace JSX {
    interface IntrinsicElements {
      "socialchat-connect": SocialchatConnectProps;
    }
  }
}

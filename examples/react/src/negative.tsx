// Type checks that must fail (tsc reports an unused @ts-expect-error if one compiles): this file
// is type-checked with the example, never built.
import type {} from "socialchat-connect/react";

export const misspelt = (
  // @ts-expect-error: `proxi` is not an attribute (and `proxy` is missing)
  <socialchat-connect proxi="/api/socialchat" />
);

export const unknownKind = (
  // @ts-expect-error: there is no such channel kind
  <socialchat-connect proxy="/api/socialchat" channel="facebook" />
);

export const unsupportedLang = (
  // @ts-expect-error: the widget speaks Indonesian and English only
  <socialchat-connect proxy="/api/socialchat" lang="fr" />
);

export const wrongField = (
  <socialchat-connect
    proxy="/api/socialchat"
    onsocialchat:connected={(event) => {
      // @ts-expect-error: the detail's field is `channelId`
      console.log(event.detail.channelID);
    }}
  />
);

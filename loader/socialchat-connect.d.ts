// Types of the <socialchat-connect> element: its attributes, its write-only `session`
// property, its events and their details, and its class's `version`. Importing the package
// (`import "socialchat-connect"`) defines the element and brings these in; for React's JSX add
// `import type {} from "socialchat-connect/react"`, for Vue's templates
// `import type {} from "socialchat-connect/vue"`. The book's reference ("Attributes", "Events") says
// what each one means; a native test (src/contract.rs) checks that this file names every
// attribute, kind, error code and cancel reason the widget has.

/** A kind of channel, as the `channel` attribute and the events name it. */
export type ChannelKind = "instagram" | "messenger" | "whatsapp" | "telegram" | "webchat";

/**
 * The languages the widget speaks: Indonesian and English, as a tag such as `id-ID` too. Another
 * value falls back to the browser's language (else Indonesian), with a warning in the console.
 */
export type Lang = "id" | "en" | `id-${string}` | `en-${string}`;

/** The `code` of a `socialchat:error` event. */
export type ErrorCode =
  | "invalid-config"
  | "popup-blocked"
  | "network"
  | "service-unreachable"
  | "authorize-failed"
  | "authorization-failed"
  | "accounts-failed"
  | "token-expired"
  | "already-connected"
  | "connect-failed"
  | "reconnect-failed"
  | "channels-failed"
  | "unexpected-response"
  | "resume-failed"
  | "session-required"
  | "session-invalid"
  | "session-expired"
  | "session-unavailable"
  | "kind-not-allowed"
  | "channel-not-allowed"
  | "bot-token-refused"
  | "channel-failed"
  | "rate-limited"
  | "load-failed";

/** Why a flow was cancelled (`socialchat:cancelled`). */
export type CancelReason = "popup-closed" | "denied" | "timeout" | "user";

/** `socialchat:ready`: the element is mounted. */
export type ReadyDetail = Record<string, never>;

/** `socialchat:authorized`: the user allowed the authorization. */
export interface AuthorizedDetail {
  channel: ChannelKind;
}

/** `socialchat:connected`: a channel was connected or reconnected. */
export interface ConnectedDetail {
  channel: ChannelKind;
  /** The account's id at Instagram, Facebook, WhatsApp or Telegram, or the webchat's. */
  channelId: string;
  name: string;
  /** The account's picture, when it has one. */
  picture: string | null;
  /** The Socialchat channel's `_id`, when Socialchat gave it. */
  id: string | null;
  reconnected: boolean;
  /**
   * The proxy's signed receipt of the connection: a JWT (HS256, the session secret, `aud`
   * `"socialchat-connect-receipt"`, `sub`, `_id`, `kind`, `reconnected`, `jti` = the webhook's
   * `webhook-id`, valid 10 minutes). Post it to your backend, which verifies it and records the
   * channel as the user's. `null` when the proxy checks no session.
   */
  receipt: string | null;
}

/** `socialchat:cancelled`. */
export interface CancelledDetail {
  reason: CancelReason;
}

/** `socialchat:error`: `message` is the technical detail, for logs; the user sees a sentence. */
export interface ErrorDetail {
  code: ErrorCode;
  message: string;
  /** The proxy's HTTP status, when there was an answer. */
  status: number | null;
}

/** The element's events. They bubble and cross the shadow boundary; no detail carries a token. */
export interface SocialchatConnectEventMap {
  "socialchat:ready": CustomEvent<ReadyDetail>;
  "socialchat:authorized": CustomEvent<AuthorizedDetail>;
  "socialchat:connected": CustomEvent<ConnectedDetail>;
  "socialchat:cancelled": CustomEvent<CancelledDetail>;
  "socialchat:error": CustomEvent<ErrorDetail>;
}

/** The element's attributes, as a page writes them (the book's "Attributes"). */
export interface SocialchatConnectAttributes {
  /** Base URL of the partner proxy: a path (`/api/socialchat`) or an http(s) URL. Required. */
  proxy: string;
  /** The partner backend's endpoint that answers `{"session": "<jwt>"}`. */
  "session-url"?: string;
  /** A session rendered into the page (taken out of the DOM at once), or `none`. */
  session?: string;
  channel?: ChannelKind;
  /** `id`, `en`, or a tag such as `id-ID`; absent: the browser's language, else `id`. */
  lang?: Lang;
  /** Origins (space- or comma-separated) whose callback messages are accepted. */
  "callback-origin"?: string;
  /** A channel `_id` to reconnect. */
  reconnect?: string;
  /** Present: show the existing channels of this kind. */
  "list-channels"?: boolean | "" | "true" | "false";
  theme?: "light" | "dark" | "auto";
  credentials?: "same-origin" | "include" | "omit";
  mode?: "popup" | "redirect" | "auto";
  /** Which element resumes a redirect flow. */
  id?: string;
}

/** The `<socialchat-connect>` element. */
export interface SocialchatConnectElement extends HTMLElement {
  /**
   * A session for the proxy, given instead of `session-url`; set it again at any time. It
   * cannot be read back: reading gives `undefined`.
   */
  set session(value: string | null);
  get session(): undefined;
  /** Loads the channel list (`list-channels`) again, as after a connect. */
  refresh(): void;
  addEventListener<K extends keyof SocialchatConnectEventMap>(
    type: K,
    listener: (this: SocialchatConnectElement, event: SocialchatConnectEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: SocialchatConnectElement, event: HTMLElementEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof SocialchatConnectEventMap>(
    type: K,
    listener: (this: SocialchatConnectElement, event: SocialchatConnectEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: SocialchatConnectElement, event: HTMLElementEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

/** The element's class, as `customElements.get("socialchat-connect")` gives it. */
export interface SocialchatConnectConstructor {
  new (): SocialchatConnectElement;
  readonly prototype: SocialchatConnectElement;
  /** The release of the widget, e.g. `"0.1.0"` (the book's "Versions and compatibility"). */
  readonly version: string;
}

declare global {
  interface HTMLElementTagNameMap {
    "socialchat-connect": SocialchatConnectElement;
  }
  // The events bubble: a container of the element (or the document) may listen for them.
  interface HTMLElementEventMap extends SocialchatConnectEventMap {}
  interface DocumentEventMap extends SocialchatConnectEventMap {}
  interface CustomElementRegistry {
    get(name: "socialchat-connect"): SocialchatConnectConstructor | undefined;
  }
}

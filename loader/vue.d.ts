// Vue 3's templates for <socialchat-connect>: `import type {} from "socialchat-connect/vue"` once
// in the app, and tell Vue's compiler the element is not a component (Vite:
// `vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === "socialchat-connect" } } })`).
// Attributes are written as in HTML (`session-url="…"`), events with `@socialchat:connected`.
// The shape follows Vue's guide ("Web Components and TypeScript").
import type { EmitFn, HTMLAttributes, PublicProps } from "vue";
import type {
  SocialchatConnectAttributes,
  SocialchatConnectElement,
  SocialchatConnectEventMap,
} from "./socialchat-connect.js";

/** `<socialchat-connect>` as Vue's template type-checking sees it. */
export type SocialchatConnectComponent = new () => SocialchatConnectElement & {
  /** For templates' type-checking only: not a property of the element. */
  $props: Omit<HTMLAttributes, keyof SocialchatConnectAttributes> &
    SocialchatConnectAttributes &
    PublicProps;
  /** For templates' type-checking only: the element dispatches its events itself. */
  $emit: EmitFn<{
    [K in keyof SocialchatConnectEventMap]: (event: SocialchatConnectEventMap[K]) => void;
  }>;
};

declare module "vue" {
  interface GlobalComponents {
    "socialchat-connect": SocialchatConnectComponent;
  }
}

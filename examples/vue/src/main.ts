// A Vue 3 dashboard page that embeds the widget from the npm package.
import { createApp } from "vue";
import "socialchat-connect";
import App from "./App.vue";

createApp(App).mount("#app");

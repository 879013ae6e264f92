// The widget in every engine: the same scenarios in Chromium, Firefox ESR and WebKitGTK through
// W3C WebDriver (engines.mjs), against the release bundle and a fresh sandbox per test, with
// real (trusted) clicks, so that popups open as they do for users. The dashboard page, the
// sandbox and the callback page are those of the Playwright suite (widget.test.mjs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { available, startEngine, stopDisplay } from "./engines.mjs";
import { BUNDLE, startSandbox } from "./sandbox.mjs";
import { startHost } from "./host.mjs";

const ENGINE_NAMES = (process.env.ENGINES || "chromium,firefox,webkit").split(",").filter(Boolean);
const WAIT = 20_000;

let host;
before(async () => {
  host = await startHost();
});
after(async () => {
  await host?.close();
  stopDisplay();
});

/** The shadow root's text of the `n`th element. */
const widgetText = (browser, n = 0) =>
  browser.execute((n) => document.querySelectorAll("socialchat-connect")[n]?.shadowRoot?.textContent || "", n);

async function waitForText(browser, text, n = 0) {
  await browser.waitUntil(async () => (await widgetText(browser, n)).includes(text), {
    timeout: WAIT,
    timeoutMsg: `no "${text}" in the widget: ${(await widgetText(browser, n)).slice(0, 300)}`,
  });
}

/** The widget's button whose accessible text (label or content) is `name`, once it is enabled. */
async function button(browser, name, n = 0) {
  let found;
  await browser.waitUntil(
    async () => {
      const host = (await browser.$$("socialchat-connect"))[n];
      if (!host) return false;
      for (const b of await host.shadow$$("button")) {
        const label = (await b.getAttribute("aria-label")) || (await b.getText()).trim();
        if (label === name && (await b.isEnabled()) && (await b.isDisplayed())) {
          found = b;
          return true;
        }
      }
      return false;
    },
    { timeout: WAIT, timeoutMsg: `no enabled button "${name}": ${(await widgetText(browser, n)).slice(0, 300)}` },
  );
  return found;
}

/** The form field labelled `label` (by its <label>) in the `n`th element. */
async function field(browser, label, n = 0) {
  const host = (await browser.$$("socialchat-connect"))[n];
  const id = await browser.execute(
    (n, label) => {
      const root = document.querySelectorAll("socialchat-connect")[n].shadowRoot;
      const l = [...root.querySelectorAll("label")].find((l) => l.textContent.trim().startsWith(label));
      return l?.htmlFor || l?.querySelector("input")?.id || null;
    },
    n,
    label,
  );
  assert.ok(id, `no field labelled ${label}`);
  return host.shadow$(`#${id}`);
}

/** Clicks `name` (a trusted click), then Allow or Deny in the popup it opens; back to the page. */
async function throughPopup(browser, name, choice = "Allow") {
  const main = await browser.getWindowHandle();
  const before = await browser.getWindowHandles();
  await (await button(browser, name)).click();
  let popup;
  await browser.waitUntil(async () => {
    popup = (await browser.getWindowHandles()).find((h) => !before.includes(h));
    return !!popup;
  }, { timeout: WAIT, timeoutMsg: "no popup opened" });
  await browser.switchToWindow(popup);
  const press = await browser.$(`button=${choice}`);
  await press.waitForClickable({ timeout: WAIT });
  await press.click();
  // The callback page closes the popup once the widget has the message.
  await browser.waitUntil(async () => !(await browser.getWindowHandles()).includes(popup), {
    timeout: WAIT,
    timeoutMsg: "the popup did not close",
  });
  await browser.switchToWindow(main);
}

/** Chooses the account named `name` in the picker (searching for it: only rows in view exist). */
async function choose(browser, name) {
  const host = (await browser.$$("socialchat-connect"))[0];
  // The picker draws once the accounts have loaded, which may be after the popup has closed.
  await browser.waitUntil(async () => (await host.shadow$("input[type=search]")).isExisting(), { timeout: WAIT, timeoutMsg: "no picker" });
  const search = await host.shadow$("input[type=search]");
  await search.setValue(name.split(" ")[0]);
  await browser.waitUntil(async () => {
    for (const r of await host.shadow$$("input[type=radio]")) {
      const row = await browser.execute((r) => r.closest(".sc-account").textContent, r);
      if (row.includes(name) && (await r.isEnabled())) {
        await r.click();
        return r.isSelected();
      }
    }
    return false;
  }, { timeout: WAIT, timeoutMsg: `no account ${name}` });
}

async function setUp(t, engine, { widgets = [{ lang: "en" }], sandboxArgs = [] } = {}) {
  const sandbox = await startSandbox(["--static", BUNDLE, "--allow-local-origins", "--callback-url", `${host.origin}/callback.html?channel={kind}`, ...sandboxArgs]);
  t.after(() => sandbox.stop());
  const { browser } = engine;
  await browser.url(host.dashboard({ files: host.origin, api: sandbox.origin, widgets }));
  await browser.waitUntil(() => browser.execute(() => !!document.querySelector("socialchat-connect")?.shadowRoot?.querySelector("button")), { timeout: WAIT });
  // The element's module has taken over from the first module's buttons (a WebDriver click
  // holds on to a node, which the take-over replaces: Playwright's tests cover a click before).
  await browser.waitUntil(
    () => browser.execute((n) => window.scEvents.filter((e) => e.type === "socialchat:ready").length >= n, widgets.length),
    { timeout: WAIT, timeoutMsg: "the element's module did not take over" },
  );
  return { sandbox };
}

const events = (browser) => browser.execute(() => window.scEvents);

for (const name of ENGINE_NAMES) {
  const runs = available().includes(name);
  // scripts/test installs every engine (scripts/setup): there, a missing one is a failure.
  if (!runs && process.env.ENGINES_REQUIRED) {
    test(`${name}: installed`, () => assert.fail(`${name} is not installed: run scripts/setup`));
    continue;
  }
  let engine;
  const scenario = (title, body) =>
    test(`${name}: ${title}`, { skip: runs ? false : `${name} is not installed (scripts/setup installs it)` }, async (t) => {
      engine ??= await startEngine(name);
      // Each scenario starts from a clean window.
      for (const handle of (await engine.browser.getWindowHandles()).slice(1)) {
        await engine.browser.switchToWindow(handle);
        await engine.browser.closeWindow();
      }
      await engine.browser.switchToWindow((await engine.browser.getWindowHandles())[0]);
      await body(t, engine.browser);
    });

  scenario("a popup connect across pages: Allow, the picker's second page, Connect, the event", async (t, browser) => {
    await setUp(t, engine);
    await throughPopup(browser, "Connect Instagram");
    await waitForText(browser, "Toko Batik Sari");
    await (await button(browser, "Load more")).click();
    await choose(browser, "Apotek Sehat Sentosa");
    await (await button(browser, "Connect")).click();
    await waitForText(browser, "Apotek Sehat Sentosa is now connected to Socialchat.");
    const connected = (await events(browser)).filter((e) => e.type === "socialchat:connected");
    assert.equal(connected.length, 1);
    assert.equal(connected[0].detail.channelId, "17841400000000011");
  });

  scenario("Deny in the dialog is a cancellation with Try again", async (t, browser) => {
    await setUp(t, engine);
    await throughPopup(browser, "Connect Instagram", "Deny");
    await waitForText(browser, "You declined access on Facebook. Nothing was connected.");
    assert.deepEqual((await events(browser)).filter((e) => e.type === "socialchat:cancelled").map((e) => e.detail), [{ reason: "denied" }]);
    await button(browser, "Try again");
  });

  scenario("a blocked popup is explained, and its Try again opens the popup", async (t, browser) => {
    await setUp(t, engine);
    await browser.execute(() => {
      window.realOpen = window.open;
      window.open = () => null;
    });
    await (await button(browser, "Connect Instagram")).click();
    await waitForText(browser, "Your browser blocked the Facebook window.");
    await browser.execute(() => {
      window.open = window.realOpen;
    });
    await throughPopup(browser, "Try again");
    await waitForText(browser, "Toko Batik Sari");
  });

  scenario("redirect mode: to the dialog and back in the same tab, resumed at the picker, and a reload connects nothing again", async (t, browser) => {
    await setUp(t, engine, { widgets: [{ id: "ig", lang: "en", mode: "redirect" }] });
    const dashboard = await browser.getUrl();
    const handles = (await browser.getWindowHandles()).length;
    await (await button(browser, "Connect Instagram")).click();
    const allow = await browser.$("button=Allow");
    await allow.waitForClickable({ timeout: WAIT });
    assert.equal((await browser.getWindowHandles()).length, handles, "no popup");
    await allow.click();
    await browser.waitUntil(async () => (await browser.getUrl()) === dashboard, { timeout: WAIT, timeoutMsg: "not back on the dashboard" });
    await waitForText(browser, "Toko Batik Sari");
    await choose(browser, "Kue Lapis Legit Mama Rina");
    await (await button(browser, "Connect")).click();
    await waitForText(browser, "Kue Lapis Legit Mama Rina is now connected to Socialchat.");
    const session = await browser.execute(() => JSON.stringify({ ...sessionStorage }));
    assert.equal(session, "{}", "nothing of the redirect is left in sessionStorage");
    await browser.refresh();
    await button(browser, "Connect Instagram");
    await browser.pause(300);
    assert.deepEqual((await events(browser)).map((e) => e.type), ["socialchat:ready"]);
  });

  scenario("reconnect a disconnected channel from list-channels", async (t, browser) => {
    await setUp(t, engine, { widgets: [{ lang: "en", "list-channels": true }] });
    await waitForText(browser, "Disconnected");
    await throughPopup(browser, "Reconnect Kopi Kenangan Senja");
    await waitForText(browser, "Kopi Kenangan Senja is connected to Socialchat again.");
    const connected = (await events(browser)).find((e) => e.type === "socialchat:connected");
    assert.equal(connected.detail.reconnected, true);
  });

  scenario("after a connect, no token or session is in the URL, the storage, the events or the DOM", async (t, browser) => {
    await setUp(t, engine);
    await throughPopup(browser, "Connect Instagram");
    await choose(browser, "Bengkel Motor Jaya");
    await (await button(browser, "Connect")).click();
    await waitForText(browser, "Bengkel Motor Jaya is now connected to Socialchat.");
    const state = await browser.execute(() => ({
      href: location.href,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      cookies: document.cookie,
      events: JSON.stringify(window.scEvents),
      dom: document.documentElement.outerHTML + [...document.querySelectorAll("socialchat-connect")].map((e) => e.shadowRoot.innerHTML).join(""),
    }));
    // The one JWT an event may carry is the connection's receipt, which is no session (its
    // audience is the receipt's, refused as a session by the proxy).
    const recorded = JSON.parse(state.events);
    for (const event of recorded.filter((e) => e.type === "socialchat:connected")) {
      const claims = JSON.parse(Buffer.from(event.detail.receipt.split(".")[1], "base64url").toString());
      assert.equal(claims.aud, "socialchat-connect-receipt");
      delete event.detail.receipt;
    }
    state.events = JSON.stringify(recorded);
    for (const [where, text] of Object.entries(state)) {
      // Sandbox tokens are sbx_ and hex; sessions are JWTs (eyJ…).
      assert.doesNotMatch(text, /sbx_[0-9a-f]{16}/, `a token in ${where}`);
      assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, `a session in ${where}`);
    }
  });

  scenario("Telegram and webchat: the forms connect", async (t, browser) => {
    await setUp(t, engine, {
      widgets: [
        { lang: "en", channel: "telegram", "session-url": "/session?kinds=telegram" },
        { lang: "en", channel: "webchat", "session-url": "/session?kinds=webchat" },
      ],
    });
    await (await button(browser, "Connect Telegram", 0)).click();
    await (await field(browser, "Bot token", 0)).setValue("7000000002:AAGsandboxAnotherBotOfAnotherCompany02");
    await (await button(browser, "Connect", 0)).click();
    await waitForText(browser, "Bot 7000000002 is now connected to Socialchat.", 0);
    await (await button(browser, "Connect Webchat", 1)).click();
    await (await field(browser, "Name", 1)).setValue("Chat Toko Kain");
    await (await field(browser, "Website address", 1)).setValue("https://toko-kain.example/");
    await (await button(browser, "Connect", 1)).click();
    await waitForText(browser, "Chat Toko Kain is now connected to Socialchat.", 1);
    const kinds = (await events(browser)).filter((e) => e.type === "socialchat:connected").map((e) => e.detail.channel);
    assert.deepEqual(kinds.sort(), ["telegram", "webchat"]);
  });

  test(`${name}: close`, { skip: !runs }, async () => {
    if (engine) console.log(`# ${name} ${engine.version}`);
    await engine?.close();
  });
}

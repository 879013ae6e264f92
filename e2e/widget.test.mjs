// End-to-end tests: the release build of the widget in Debian's Chromium (playwright-core),
// exactly as a partner deploys it (scripts/bundle), embedded in a partner dashboard on its own
// origin, talking to a fresh sandbox proxy, driven as a user would, by roles and accessible
// names. Run with `node --test e2e/` after scripts/bundle (scripts/test does both).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { launch } from "./browser.mjs";
import { BUNDLE, ROOT, bundleManifest, startSandbox } from "./sandbox.mjs";
import { minted, startHost } from "./host.mjs";

const SHOTS = path.join(ROOT, "target/e2e-screenshots");
mkdirSync(SHOTS, { recursive: true });

let browser;
let host;
before(async () => {
  browser = await launch();
  host = await startHost();
});
after(async () => {
  await browser?.close();
  await host?.close();
});

/**
 * A fresh sandbox, a browser context and the dashboard page. `files: "sandbox"` loads the widget
 * from the sandbox's origin (another origin than the page); otherwise from the page's own.
 */
async function setUp(t, { widgets = [{ lang: "en" }], files = "page", sandboxArgs = [], contextOptions = {}, twice = false, bare = false, beforeGoto = async () => {} } = {}) {
  const sandbox = await startSandbox([
    "--static", BUNDLE,
    "--allow-local-origins",
    "--callback-url", `${host.origin}/callback.html?channel={kind}`,
    ...sandboxArgs,
  ]);
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, ...contextOptions });
  const seen = { console: [], csp: [], urls: [], tokens: new Set() };
  context.on("console", (m) => {
    seen.console.push(m.text());
    if (m.text().includes("Content Security Policy") || m.text().includes("Content-Security-Policy")) seen.csp.push(m.text());
  });
  context.on("weberror", (e) => seen.console.push(`error: ${e.error().message}`));
  context.on("request", (r) => {
    seen.urls.push(r.url());
    const token = new URL(r.url()).searchParams.get("token");
    if (token && r.url().startsWith(`${host.origin}/callback.html`)) seen.tokens.add(token);
  });
  await beforeGoto(context);
  const page = await context.newPage();
  const url = host.dashboard({ files: files === "sandbox" ? sandbox.origin : host.origin, api: sandbox.origin, widgets, twice, bare });
  await page.goto(url);
  t.after(async () => {
    await context.close();
    sandbox.stop();
  });
  return { sandbox, context, page, seen };
}

const widget = (page, n = 0) => page.locator("socialchat-connect").nth(n);
const events = (page) => page.evaluate(() => window.scEvents);

/** Clicks a start button and returns the popup it opened, at the sandbox dialog. */
async function openDialog(context, button) {
  const [popup] = await Promise.all([context.waitForEvent("page"), button.click()]);
  await popup.getByRole("button", { name: "Allow" }).waitFor();
  return popup;
}

async function allow(context, button) {
  const popup = await openDialog(context, button);
  await popup.getByRole("button", { name: "Allow" }).click();
  await popup.waitForEvent("close", { timeout: 10000 });
}

test("connect: Allow, the popup closes, an account from the second page, success and the event", async (t) => {
  const { context, page, seen } = await setUp(t);
  const w = widget(page);
  await w.getByRole("button", { name: "Connect Instagram" }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, "1-idle.png") });
  await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
  await w.getByRole("radio", { name: "Toko Batik Sari" }).waitFor();
  assert.equal(await w.getByRole("radio").count(), 10);
  await w.getByRole("button", { name: "Load more" }).click();
  await w.getByRole("radio", { name: "Apotek Sehat Sentosa" }).check();
  await page.screenshot({ path: path.join(SHOTS, "2-picker.png") });
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.getByText("Apotek Sehat Sentosa is now connected to Socialchat.", { exact: true }).first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, "3-connected.png") });
  const connected = (await events(page)).filter((e) => e.type === "socialchat:connected");
  assert.equal(connected.length, 1);
  assert.deepEqual(
    { ...connected[0].detail, id: undefined, receipt: undefined },
    { channel: "instagram", channelId: "17841400000000011", name: "Apotek Sehat Sentosa", picture: connected[0].detail.picture, id: undefined, reconnected: false, receipt: undefined },
  );
  assert.ok(connected[0].detail.id, "the new channel's _id");
  assert.match(connected[0].detail.receipt, /^[\w-]+\.[\w-]+\.[\w-]+$/, "the receipt, a JWT");
  assert.deepEqual(seen.csp, [], "no CSP violation under a strict policy");
});

test("the picker keeps its scroll when a scroll and a click come in one frame", async (t) => {
  // A click whose press and release straddle the redraw of the rows in view must land on one
  // row: the list once jumped back to its top there (Chromium resets a scrolling fieldset when
  // its first rows are replaced), and a loaded machine's click then did not choose its account.
  const { context, page } = await setUp(t);
  const w = widget(page);
  await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
  await w.getByRole("button", { name: "Load more" }).click();
  await w.locator("input[aria-setsize='20']").first().waitFor();
  const [before, after] = await w.locator(".sc-accounts").evaluate(async (list) => {
    const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
    // Scrolled by script, the rows in view are redrawn a frame later (in its scroll event).
    list.scrollTop = 9 * 56 + 20;
    const before = list.scrollTop;
    await frame();
    await frame();
    return [before, list.scrollTop];
  });
  assert.equal(after, before, "the list stays where it was scrolled");
  assert.equal(await w.locator("input[aria-posinset='1']").count(), 0, "the rows above the view are not drawn");
  const pressed = w.getByRole("radio", { name: "Laundry Kilat Bersih" });
  await pressed.click();
  assert.ok(await pressed.isChecked());
});

test("the host page on another origin than the widget's files", async (t) => {
  const { context, page, sandbox, seen } = await setUp(t, { files: "sandbox" });
  const w = widget(page);
  await w.getByRole("button", { name: "Connect Instagram" }).waitFor();
  assert.ok(seen.urls.includes(`${sandbox.origin}/socialchat-connect.js`), "the loader came from the other origin");
  // The button is the first module's; the element's module follows.
  await page.waitForFunction(() => window.scEvents.some((e) => e.type === "socialchat:ready"));
  for (const name of ["socialchat-first", "socialchat-connect"]) {
    const wasm = seen.urls.find((u) => new RegExp(`/pkg/${name}_bg-[0-9a-f]{16}\\.wasm$`).test(u));
    assert.ok(wasm?.startsWith(`${sandbox.origin}/pkg/`), `the hashed wasm was found relative to the loader: ${wasm}`);
  }
  await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
  await w.getByRole("radio", { name: "Toko Batik Sari" }).waitFor();
  await w.getByRole("button", { name: "Load more" }).click();
  await w.getByRole("radio", { name: "Apotek Sehat Sentosa" }).check();
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.locator(".sc-success").waitFor();
  assert.deepEqual(seen.csp, []);
});

test("reconnect a disconnected channel from list-channels", async (t) => {
  const { context, page } = await setUp(t, { widgets: [{ lang: "en", "list-channels": true }] });
  const w = widget(page);
  await w.getByText("Disconnected").waitFor();
  await allow(context, w.getByRole("button", { name: "Reconnect Kopi Kenangan Senja" }));
  await w.getByText("Kopi Kenangan Senja is connected to Socialchat again.", { exact: true }).first().waitFor();
  await w.getByText("Disconnected").waitFor({ state: "detached" });
  const connected = (await events(page)).find((e) => e.type === "socialchat:connected");
  assert.equal(connected.detail.reconnected, true);
  assert.equal(connected.detail.id, "65f0a1b2c3d4e5f6a7b8c902");
});

test("Deny in the dialog is a cancellation with Try again", async (t) => {
  const { context, page } = await setUp(t);
  const w = widget(page);
  const popup = await openDialog(context, w.getByRole("button", { name: "Connect Instagram" }));
  await popup.getByRole("button", { name: "Deny" }).click();
  await w.getByText("You declined access on Facebook. Nothing was connected.", { exact: true }).first().waitFor();
  const cancelled = (await events(page)).filter((e) => e.type === "socialchat:cancelled");
  assert.deepEqual(cancelled.map((e) => e.detail), [{ reason: "denied" }]);
  await allow(context, w.getByRole("button", { name: "Try again" }));
  await w.getByRole("radio").first().waitFor();
});

test("the user closes the popup: window closed, and Try again works", async (t) => {
  const { context, page } = await setUp(t);
  const w = widget(page);
  const popup = await openDialog(context, w.getByRole("button", { name: "Connect Instagram" }));
  await popup.close();
  await w.getByText("The Facebook window was closed before it finished.", { exact: true }).first().waitFor();
  // Told when the user closed it, not only once they click again: a user who walks away counts.
  const cancelled = async () => (await events(page)).filter((e) => e.type === "socialchat:cancelled").map((e) => e.detail);
  assert.deepEqual(await cancelled(), [{ reason: "popup-closed" }]);
  await allow(context, w.getByRole("button", { name: "Try again" }));
  await w.getByRole("radio").first().waitFor();
  assert.deepEqual(await cancelled(), [{ reason: "popup-closed" }], "one attempt, one cancellation");
});

test("each kind wears its own accent and mark, and the host page styles the parts with ::part()", async (t) => {
  const kinds = ["instagram", "messenger", "whatsapp", "telegram", "webchat"];
  const { page } = await setUp(t, { widgets: kinds.map((channel) => ({ lang: "en", channel })) });
  // The element's own module has taken over every button the first module drew.
  await page.waitForFunction((n) => window.scEvents.filter((e) => e.type === "socialchat:ready").length === n, kinds.length);
  const primary = (n) => widget(page, n).locator("button.sc-primary").first();
  const looks = [];
  for (const [n, kind] of kinds.entries()) {
    await primary(n).waitFor();
    looks.push(await primary(n).evaluate((b) => ({
      background: getComputedStyle(b).backgroundColor,
      mark: b.querySelector("svg path")?.getAttribute("d"),
    })));
    assert.ok(looks[n].mark, `${kind}: its button carries a mark`);
  }
  assert.deepEqual(looks.map((l) => l.background), [
    "rgb(214, 41, 118)", "rgb(8, 102, 255)", "rgb(0, 128, 105)", "rgb(11, 114, 173)", "rgb(79, 70, 229)",
  ]);
  assert.equal(new Set(looks.map((l) => l.mark)).size, kinds.length, "five different marks");
  // A constructed style sheet (the page's CSP allows no inline style), as a partner's own CSS.
  await page.evaluate(() => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(`socialchat-connect::part(button) { border-radius: 999px; }
      socialchat-connect::part(card) { border-width: 3px; }
      socialchat-connect { --sc-accent: rgb(1, 2, 3); }`);
    document.adoptedStyleSheets = [sheet];
  });
  const styled = await primary(2).evaluate((b) => ({
    radius: getComputedStyle(b).borderTopLeftRadius,
    background: getComputedStyle(b).backgroundColor,
    card: getComputedStyle(b.closest("[part~=card]")).borderTopWidth,
  }));
  assert.deepEqual(styled, { radius: "999px", background: "rgb(1, 2, 3)", card: "3px" });
});

test("a lang the widget does not speak falls back to the browser's, with a warning for the partner", async (t) => {
  const { page, seen } = await setUp(t, { widgets: [{ lang: "fr" }], contextOptions: { locale: "en-GB" } });
  await widget(page).getByRole("button", { name: "Connect Instagram" }).waitFor();
  await page.waitForFunction(() => window.scEvents.some((e) => e.type === "socialchat:ready"));
  assert.ok(
    seen.console.some((line) => line.includes('attribute "lang" must be one of "id", "en", not "fr": showing "en"')),
    seen.console.join("\n"),
  );
  assert.equal((await events(page)).filter((e) => e.type === "socialchat:error").length, 0);
});

test("the preview's Telegram card holds the sandbox's bot tokens on a phone", async (t) => {
  const sandbox = await startSandbox(["--static", path.join(ROOT, "dist"), "--allow-local-origins"]);
  const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
  t.after(async () => {
    await context.close();
    sandbox.stop();
  });
  const page = await context.newPage();
  await page.goto(`${sandbox.origin}/index.html`);
  const card = page.locator("section.card", { has: page.getByRole("heading", { name: "Telegram" }) });
  const { scroll, client } = await card.evaluate((c) => ({ scroll: c.scrollWidth, client: c.clientWidth }));
  assert.ok(scroll <= client, `the card's content (${scroll} px) fits its width (${client} px)`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scrolling");
});

test("a blocked popup is explained and the retry button opens it", async (t) => {
  const { context, page } = await setUp(t);
  await page.evaluate(() => {
    window.realOpen = window.open;
    window.open = () => null;
  });
  const w = widget(page);
  await w.getByRole("button", { name: "Connect Instagram" }).click();
  await w.getByRole("alert").getByText("Your browser blocked the Facebook window.", { exact: false }).waitFor();
  assert.equal((await events(page)).find((e) => e.type === "socialchat:error").detail.code, "popup-blocked");
  await page.evaluate(() => {
    window.open = window.realOpen;
  });
  await allow(context, w.getByRole("button", { name: "Try again" }));
  await w.getByRole("radio").first().waitFor();
});

for (const [route, start, check] of [
  ["authorize", null, "Could not start the Facebook authorization."],
  ["account", null, "Could not load the list of accounts."],
  ["connect", "Bengkel Motor Jaya", "The account could not be connected."],
]) {
  test(`an injected ${route} failure shows its message and Try again recovers`, async (t) => {
    const { context, page, sandbox } = await setUp(t);
    const w = widget(page);
    await w.getByRole("button", { name: "Connect Instagram" }).waitFor();
    await sandbox.fail(`${route}:500:1`);
    if (route === "authorize") {
      await w.getByRole("button", { name: "Connect Instagram" }).click();
      await w.getByRole("alert").getByText(check, { exact: false }).waitFor();
      assert.equal(context.pages().length, 1, "the popup was closed");
      await allow(context, w.getByRole("button", { name: "Try again" }));
      await w.getByRole("radio").first().waitFor();
      return;
    }
    await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
    if (route === "account") {
      await w.getByRole("alert").getByText(check, { exact: false }).waitFor();
      await w.getByRole("button", { name: "Try again" }).click();
      await w.getByRole("radio").first().waitFor();
      return;
    }
    await w.getByRole("radio", { name: start }).check();
    await w.getByRole("button", { name: "Connect", exact: true }).click();
    await w.getByRole("alert").getByText(check, { exact: false }).waitFor();
    await w.getByRole("button", { name: "Connect", exact: true }).click();
    await w.getByText(`${start} is now connected`, { exact: false }).first().waitFor();
    const codes = (await events(page)).filter((e) => e.type === "socialchat:error").map((e) => e.detail.code);
    assert.deepEqual(codes, ["connect-failed"]);
  });
}

test("an expired token leads back to authorization", async (t) => {
  const { context, page } = await setUp(t, { sandboxArgs: ["--token-ttl-secs", "1"] });
  const w = widget(page);
  await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
  await w.getByRole("radio", { name: "Toko Batik Sari" }).waitFor();
  await page.waitForTimeout(1200);
  await w.getByRole("button", { name: "Load more" }).click();
  await w.getByText("The Facebook authorization has expired. Please authorize again.", { exact: true }).first().waitFor();
  await allow(context, w.getByRole("button", { name: "Authorize again" }));
  await w.getByRole("radio", { name: "Toko Batik Sari" }).waitFor();
});

test("two widgets on one page, one of them in Indonesian", async (t) => {
  const { context, page } = await setUp(t, { widgets: [{ id: "a", lang: "id" }, { id: "b", lang: "en" }] });
  const id = widget(page, 0);
  const en = widget(page, 1);
  await id.getByRole("button", { name: "Hubungkan Instagram" }).waitFor();
  await en.getByRole("button", { name: "Connect Instagram" }).waitFor();
  await allow(context, id.getByRole("button", { name: "Hubungkan Instagram" }));
  await id.getByRole("radio", { name: "Toko Batik Sari" }).waitFor();
  assert.equal(await en.getByRole("radio").count(), 0, "the other widget did not move");
  await id.getByRole("searchbox", { name: "Cari akun" }).fill("sate");
  await id.getByText("Tidak ada akun yang cocok dengan pencarian.", { exact: true }).waitFor();
  await id.getByRole("searchbox", { name: "Cari akun" }).fill("");
  await id.getByRole("radio", { name: "Warung Makan Bu Tini 🍛" }).check();
  await id.getByRole("button", { name: "Hubungkan", exact: true }).click();
  await id.getByText("Warung Makan Bu Tini 🍛 sudah terhubung ke Socialchat.", { exact: true }).first().waitFor();
  const connected = (await events(page)).filter((e) => e.type === "socialchat:connected");
  assert.deepEqual(connected.map((e) => e.target), ["a"]);
  assert.ok(await en.getByRole("button", { name: "Connect Instagram" }).isVisible());
});

test("after the flow the token and the session are in no URL, console message, event detail, storage or DOM", async (t) => {
  const mintedBefore = minted.length;
  const { context, page, seen } = await setUp(t);
  const w = widget(page);
  const historyBefore = await page.evaluate(() => history.length);
  await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
  await w.getByRole("radio", { name: "Toko Batik Sari" }).waitFor();
  await w.getByRole("button", { name: "Load more" }).click();
  // Only the rows in view are drawn: the second page's account is found by searching.
  await w.getByRole("searchbox", { name: "Search accounts" }).fill("sepatu");
  await w.getByRole("radio", { name: "Sepatu Lokal Bandung" }).check();
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.locator(".sc-success").waitFor();
  assert.equal(seen.tokens.size, 1, "the sandbox redirected to the callback page with one token");
  const [token] = [...seen.tokens];
  const state = await page.evaluate(async () => ({
    href: location.href,
    historyLength: history.length,
    referrer: document.referrer,
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookies: document.cookie,
    databases: JSON.stringify(await indexedDB.databases()),
    events: JSON.stringify(window.scEvents),
    dom: document.documentElement.outerHTML + [...document.querySelectorAll("socialchat-connect")].map((e) => e.shadowRoot.innerHTML).join(""),
  }));
  const sessions = minted.slice(mintedBefore);
  assert.ok(sessions.length >= 1, "the widget asked the dashboard's backend for a session");
  for (const [where, text] of Object.entries(state)) {
    assert.ok(!String(text).includes(token), `the token is in ${where}`);
    for (const session of sessions) assert.ok(!String(text).includes(session), `the session is in ${where}`);
  }
  for (const url of seen.urls) for (const session of sessions) assert.ok(!url.includes(session), `the session is in ${url}`);
  for (const message of seen.console) for (const session of sessions) assert.ok(!message.includes(session), `the session is in ${message}`);
  assert.equal(state.historyLength, historyBefore, "the flow added no history entry to the dashboard");
  for (const message of seen.console) assert.ok(!message.includes(token), `the token is in a console message: ${message}`);
  // The callback page removed it from its own address bar before anything else ran.
  const pageUrls = seen.urls.filter((u) => u.includes(token));
  assert.ok(pageUrls.every((u) => u.startsWith(`${host.origin}/callback.html?`) || u.includes("/partner/channel/instagram/account?")),
    `only the callback redirect and the proxy call carry the token: ${pageUrls.join(", ")}`);
});

test("the loader included twice defines the element once and adds no globals", async (t) => {
  const { context, page, seen } = await setUp(t, { twice: true, widgets: [{ id: "one", lang: "en" }] });
  const w = widget(page);
  await w.getByRole("button", { name: "Connect Instagram" }).waitFor();
  // The element's module has taken over, and a while later nothing else has.
  await page.waitForFunction(() => window.scEvents.some((e) => e.type === "socialchat:ready"));
  await page.waitForTimeout(500);
  const state = await page.evaluate(() => ({
    buttons: document.querySelector("socialchat-connect").shadowRoot.querySelectorAll("button").length,
    ready: window.scEvents.filter((e) => e.type === "socialchat:ready").length,
    added: Object.getOwnPropertyNames(window).filter((n) => !window.scGlobalsBefore.includes(n)),
    statics: Object.getOwnPropertyNames(customElements.get("socialchat-connect")).sort(),
  }));
  // Nothing on the class lets a page script put its own callbacks in (the hand-over is the
  // loader's alone).
  assert.deepEqual(state.statics, ["length", "name", "observedAttributes", "prototype", "version"]);
  assert.equal(state.buttons, 1, "rendered once");
  assert.equal(state.ready, 1, "one ready event: the element was defined once");
  assert.deepEqual(state.added.filter((n) => !["scEvents", "scGlobalsBefore"].includes(n)), [], "no globals");
  assert.deepEqual(seen.console.filter((m) => m.startsWith("error") || m.includes("socialchat-connect:")), []);
  await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
  await w.getByRole("radio").first().waitFor();
});

test("the callback page opened on its own strips the token and says what happened", async (t) => {
  const context = await browser.newContext({ locale: "en-US" });
  t.after(() => context.close());
  const withToken = await context.newPage();
  const seen = [];
  withToken.on("framenavigated", (frame) => seen.push(frame.url()));
  await withToken.goto(`${host.origin}/callback.html?token=sbx_lost_token_123`);
  await withToken.waitForFunction(() => location.search === "");
  assert.equal(new URL(withToken.url()).search, "", "the token left the address bar");
  await withToken.getByText("This page was opened without its dashboard.", { exact: false }).waitFor({ timeout: 8000 });
  const withoutToken = await context.newPage();
  await withoutToken.goto(`${host.origin}/callback.html`);
  await withoutToken.getByText("The Facebook authorization was declined or did not succeed.", { exact: false }).waitFor({ timeout: 8000 });
  const storage = await withToken.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }) + document.cookie);
  assert.ok(!storage.includes("sbx_lost_token_123"));
});

test("the button works before the element's module has loaded: drawn as the element draws it, a click opens the popup in its own task, the flow completes", async (t) => {
  const manifest = bundleManifest();
  let release;
  const held = new Promise((r) => (release = r));
  const { context, page, seen } = await setUp(t, {
    widgets: [{ lang: "en" }],
    contextOptions: {},
    beforeGoto: async (context) => {
      // The element's module is held back until the click has been made.
      await context.route((url) => url.pathname.endsWith(manifest.wasm.split("/").pop()), async (route) => {
        await held;
        await route.continue();
      });
      await context.addInitScript(() => {
        window.scOpens = [];
        let inClick = false;
        addEventListener("click", () => (inClick = true), true);
        addEventListener("click", () => (inClick = false), false);
        const open = window.open;
        window.open = function (...args) {
          window.scOpens.push(inClick);
          return open.apply(this, args);
        };
      });
    },
  });
  const w = widget(page);
  const button = w.getByRole("button", { name: "Connect Instagram" });
  await button.waitFor();
  const look = () => button.evaluate((b) => ({
    background: getComputedStyle(b).backgroundColor,
    mark: b.querySelector("svg path")?.getAttribute("d"),
    hint: b.closest("[part~=card]").querySelector(".sc-hint").textContent,
    width: Math.round(b.getBoundingClientRect().width),
  }));
  const first = await look();
  assert.deepEqual(await page.evaluate(() => window.scEvents.map((e) => e.type)), [], "the element's module has not loaded");
  const [popup] = await Promise.all([context.waitForEvent("page"), button.click()]);
  assert.deepEqual(await page.evaluate(() => window.scOpens), [true], "window.open ran in the click's own task");
  release();
  await popup.getByRole("button", { name: "Allow" }).click();
  await w.getByRole("radio", { name: "Bengkel Motor Jaya" }).check();
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.getByText("Bengkel Motor Jaya is now connected to Socialchat.", { exact: true }).first().waitFor();
  // The element's own idle button, drawn again after a reset, looks as the first one did.
  await w.getByRole("button", { name: "Connect another account" }).click();
  await button.waitFor();
  assert.deepEqual(await look(), first, "the first module's button is the element's");
  assert.deepEqual(seen.csp, [], "no CSP violation");
});

test("the element's module is fetched behind the buttons: after their paint has been presented, without a click", async (t) => {
  const manifest = bundleManifest();
  // Nothing else on the page: the buttons' paint is its first contentful paint.
  const { page } = await setUp(t, { bare: true });
  await page.waitForFunction(() => window.scEvents.some((e) => e.type === "socialchat:ready"));
  const { paint, fetched } = await page.evaluate((wasm) => ({
    paint: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
    fetched: performance.getEntriesByType("resource").find((r) => r.name.endsWith(wasm))?.startTime,
  }), manifest.wasm.split("/").pop());
  assert.ok(paint > 0 && fetched > paint, `the element's wasm asked for at ${fetched} ms, after the first paint at ${paint} ms`);
});

/** A dashboard whose element's module is held back (or refused) until `release()`. */
async function heldBack(t, { refuse = false, widgets, contextOptions } = {}) {
  const manifest = bundleManifest();
  let release;
  const held = new Promise((r) => (release = r));
  const setup = await setUp(t, {
    widgets,
    contextOptions,
    beforeGoto: (context) =>
      context.route((url) => url.pathname.endsWith(manifest.wasm.split("/").pop()), async (route) => {
        await held;
        await (refuse ? route.abort() : route.continue());
      }),
  });
  return { ...setup, release };
}

test("the element's module cannot load: the popup its button opened closes, and the user and the host page are told", async (t) => {
  const { context, page, release, seen } = await heldBack(t, {
    refuse: true,
    widgets: [{ id: "clicked", lang: "en" }, { id: "listed", lang: "id", "list-channels": true }],
  });
  const button = widget(page).getByRole("button", { name: "Connect Instagram" });
  const [popup] = await Promise.all([context.waitForEvent("page"), button.click()]);
  release();
  await popup.waitForEvent("close", { timeout: 10000 });
  const failed = async (w, sentence) => {
    await w.getByRole("alert").getByText(sentence, { exact: false }).waitFor();
    assert.equal(await w.getByRole("button").isDisabled(), true);
    assert.equal(await w.locator(".sc-progress").count(), 0, "nothing left loading");
  };
  await failed(widget(page, 0), "The Socialchat widget could not load. Check your connection, then reload the page.");
  await widget(page, 0).getByText("Code: load-failed", { exact: true }).waitFor();
  await failed(widget(page, 1), "Widget Socialchat tidak dapat dimuat.");
  // An element added after, and one drawn again (an attribute changed), show it too.
  await page.evaluate(() => {
    const first = document.getElementById("clicked");
    const late = document.createElement("socialchat-connect");
    for (const name of ["proxy", "session-url", "lang"]) late.setAttribute(name, first.getAttribute(name));
    late.id = "late";
    document.body.append(late);
    first.setAttribute("theme", "dark");
  });
  await failed(widget(page, 2), "The Socialchat widget could not load.");
  await failed(widget(page, 0), "The Socialchat widget could not load.");
  const errors = await page.evaluate(() => window.scEvents.filter((e) => e.type === "socialchat:error").map((e) => [e.target, e.detail.code]));
  assert.deepEqual(errors.sort(), [["clicked", "load-failed"], ["clicked", "load-failed"], ["late", "load-failed"], ["listed", "load-failed"]]);
  assert.ok(seen.console.some((m) => m.includes("socialchat-connect: the widget could not start")), seen.console.join("\n"));
});

test("an element removed after its button's click, before the element's module: its popup closes", async (t) => {
  const { context, page, release } = await heldBack(t);
  const [popup] = await Promise.all([context.waitForEvent("page"), widget(page).getByRole("button", { name: "Connect Instagram" }).click()]);
  await page.evaluate(() => document.querySelector("socialchat-connect").remove());
  await popup.waitForEvent("close", { timeout: 10000 });
  release();
});

test("an attribute changed after the button's click, before the element's module: the click carries on", async (t) => {
  const { context, page, release } = await heldBack(t);
  const w = widget(page);
  const [popup] = await Promise.all([context.waitForEvent("page"), w.getByRole("button", { name: "Connect Instagram" }).click()]);
  await page.evaluate(() => document.querySelector("socialchat-connect").setAttribute("theme", "dark"));
  assert.equal(await w.getByRole("button", { name: "Connect Instagram" }).isDisabled(), true, "still taken");
  release();
  await popup.getByRole("button", { name: "Allow" }).click();
  await w.getByRole("radio", { name: "Bengkel Motor Jaya" }).waitFor();
  assert.equal((await events(page)).filter((e) => e.type === "socialchat:authorized").length, 1);
});

test("a press on the button across the element's take-over ends in its click, and a focused button keeps the focus", async (t) => {
  const { context, page, release } = await heldBack(t, { widgets: [{ id: "pressed", lang: "en" }, { id: "focused", lang: "en" }] });
  const pressed = widget(page, 0).getByRole("button", { name: "Connect Instagram" });
  const focused = widget(page, 1).getByRole("button", { name: "Connect Instagram" });
  const box = await pressed.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  // The other button has the focus (as after a Tab) while the first one is held down.
  await focused.focus();
  release();
  // The element's module has taken the other element over (its ready event), not this one yet.
  await page.waitForFunction(() => window.scEvents.some((e) => e.type === "socialchat:ready" && e.target === "focused"));
  const active = await page.evaluate(() => document.getElementById("focused").shadowRoot.activeElement?.textContent);
  assert.match(active ?? "", /Connect Instagram/, "the focus stayed on the button drawn in its place");
  const [popup] = await Promise.all([context.waitForEvent("page"), page.mouse.up()]);
  await popup.getByRole("button", { name: "Allow" }).click();
  await widget(page, 0).getByRole("radio", { name: "Bengkel Motor Jaya" }).waitFor();
});

test("a touch on the button across the element's take-over: the tap still connects, and the element takes over after it", async (t) => {
  const { context, page, release } = await heldBack(t, {
    widgets: [{ id: "touched", lang: "en" }, { id: "other", lang: "en" }],
    contextOptions: { hasTouch: true, isMobile: true, viewport: { width: 390, height: 844 } },
  });
  const touched = widget(page, 0).getByRole("button", { name: "Connect Instagram" });
  const box = await touched.boundingBox();
  const point = { x: Math.round(box.x + box.width / 2), y: Math.round(box.y + box.height / 2) };
  const cdp = await context.newCDPSession(page);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [point] });
  release();
  await page.waitForFunction(() => window.scEvents.some((e) => e.type === "socialchat:ready" && e.target === "other"));
  const [popup] = await Promise.all([
    context.waitForEvent("page"),
    cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] }),
  ]);
  await page.waitForFunction(() => window.scEvents.some((e) => e.type === "socialchat:ready" && e.target === "touched"));
  await popup.getByRole("button", { name: "Allow" }).click();
  await widget(page, 0).getByRole("radio", { name: "Bengkel Motor Jaya" }).waitFor();
});

test("with list-channels the first module draws the list's place too: the button does not move when the element takes over", async (t) => {
  const { context, page, release } = await heldBack(t, { widgets: [{ id: "listed", lang: "en", "list-channels": true }] });
  const w = widget(page);
  // The channel list is held back too, so that the element shows it loading, as the button did.
  let listed;
  const list = new Promise((r) => (listed = r));
  await context.route((url) => url.pathname.endsWith("/api/socialchat/partner/channel"), async (route) => {
    await list;
    await route.continue();
  });
  const button = w.getByRole("button", { name: "Connect Instagram" });
  await w.getByRole("heading", { name: "Your Instagram channels" }).waitFor();
  await w.getByText("Loading channels…").waitFor();
  // The list's place as drawn: every element's tag, classes, id, ARIA and own text.
  const shape = () => w.locator("section.sc-channels").evaluate((section) =>
    [section, ...section.querySelectorAll("*")].map((e) => [
      e.tagName, e.className, e.id, e.getAttribute("aria-labelledby"), e.getAttribute("aria-hidden"),
      [...e.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("").trim(),
    ]));
  const before = { box: await button.boundingBox(), shape: await shape() };
  release();
  await page.waitForFunction(() => window.scEvents.some((e) => e.type === "socialchat:ready"));
  assert.deepEqual({ box: await button.boundingBox(), shape: await shape() }, before, "drawn as the element draws it, the button where it was");
  assert.ok(await w.getByText("Loading channels…").isVisible(), "the element's list is still loading (held)");
  listed();
  await w.getByText("Kopi Kenangan Senja").first().waitFor();
});

test("the callback page loads its own small module, never the element's", async (t) => {
  const manifest = bundleManifest();
  const { context, page } = await setUp(t);
  // What each page loaded, recorded as it finishes. The callback page closes itself once it has
  // posted the token, so nothing is asked of its requests afterwards (a closed page's sizes can
  // no longer be read): the bytes are those of the files the host served them from.
  const loaded = [];
  context.on("requestfinished", (request) => loaded.push({ url: request.url(), page: request.frame()?.page() }));
  const w = widget(page);
  const popup = await openDialog(context, w.getByRole("button", { name: "Connect Instagram" }));
  await popup.getByRole("button", { name: "Allow" }).click();
  await w.getByRole("radio").first().waitFor();
  const names = loaded.filter((l) => l.page === popup && l.url.startsWith(host.origin)).map((l) => new URL(l.url).pathname);
  assert.ok(names.includes(`/${manifest.firstWasm}`), `the callback page loaded its wasm: ${names}`);
  assert.ok(!names.some((n) => n.includes(manifest.wasm) || n.includes(manifest.module)), `not the element's: ${names}`);
  // A name with no file behind it (a favicon) was a 404: nothing of the page's.
  const files = names.map((name) => path.join(BUNDLE, name)).filter((file) => existsSync(file));
  const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  assert.ok(bytes > 100 * 1024, `the callback page's files were counted: ${bytes}`);
  assert.ok(bytes < 200 * 1024, `the callback page's own files, uncompressed: ${bytes} bytes`);
});

// --- redirect mode ------------------------------------------------------------------------------

/** Every entry of the tab's session history, as the browser keeps it. */
async function historyUrls(context, page) {
  const cdp = await context.newCDPSession(page);
  const { entries } = await cdp.send("Page.getNavigationHistory");
  await cdp.detach();
  return entries.map((e) => e.url);
}

/** On the sandbox dialog in the page itself (no popup): Allow, then back on the dashboard. */
async function allowInPage(page) {
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard");
}

test("redirect mode: to Facebook and back in the same tab, resumed at the picker, the token nowhere after", async (t) => {
  const { context, page, seen } = await setUp(t, { widgets: [{ id: "ig", lang: "en", mode: "redirect" }] });
  const w = widget(page);
  const dashboard = page.url();
  await w.getByRole("button", { name: "Connect Instagram" }).click();
  await page.getByRole("button", { name: "Allow" }).waitFor();
  assert.equal(context.pages().length, 1, "no popup");
  await allowInPage(page);
  assert.equal(page.url(), dashboard, "back on the page it left, query and all");
  await w.getByRole("radio", { name: "Toko Batik Sari" }).waitFor();
  await w.getByRole("button", { name: "Load more" }).click();
  await w.getByRole("radio", { name: "Kue Lapis Legit Mama Rina" }).check();
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.getByText("Kue Lapis Legit Mama Rina is now connected to Socialchat.", { exact: true }).first().waitFor();
  assert.deepEqual((await events(page)).map((e) => [e.type, e.target]), [
    ["socialchat:ready", "ig"], ["socialchat:authorized", "ig"], ["socialchat:connected", "ig"],
  ]);

  // Token hygiene, history entries included.
  assert.equal(seen.tokens.size, 1, "the sandbox redirected to the callback page with one token");
  const [token] = [...seen.tokens];
  const entries = await historyUrls(context, page);
  for (const url of entries) assert.ok(!url.includes(token), `a history entry keeps the token: ${url}`);
  assert.ok(!entries.some((u) => u.includes("/callback.html")), `the callback page left no history entry: ${entries.join(", ")}`);
  const state = await page.evaluate(() => ({
    href: location.href,
    referrer: document.referrer,
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookies: document.cookie,
    events: JSON.stringify(window.scEvents),
    dom: document.documentElement.outerHTML + document.querySelector("socialchat-connect").shadowRoot.innerHTML,
  }));
  for (const [where, text] of Object.entries(state)) assert.ok(!String(text).includes(token), `the token is in ${where}`);
  assert.equal(state.session, "{}", "nothing of the redirect is left in sessionStorage");
  for (const message of seen.console) assert.ok(!message.includes(token), `the token is in a console message: ${message}`);

  // A reload after success does not connect again.
  await page.reload();
  await w.getByRole("button", { name: "Connect Instagram" }).waitFor();
  await page.waitForTimeout(300);
  assert.deepEqual((await events(page)).map((e) => e.type), ["socialchat:ready"]);
});

test("redirect mode saves the attempt without the token; coming back without a callback says so", async (t) => {
  const { page, sandbox } = await setUp(t, { widgets: [{ id: "ig", lang: "en", mode: "redirect" }] });
  const w = widget(page);
  // The dialog answers 204: the browser stays on the dashboard, as it was when it left.
  await page.route(`${sandbox.origin}/sandbox/dialog**`, (route) => route.fulfill({ status: 204 }));
  await w.getByRole("button", { name: "Connect Instagram" }).click();
  await w.getByText("Taking you to Facebook…", { exact: true }).first().waitFor();
  await page.waitForFunction(() => sessionStorage.getItem("socialchat-connect:redirect"));
  const saved = JSON.parse(await page.evaluate(() => sessionStorage.getItem("socialchat-connect:redirect")));
  assert.match(saved.attempt, /^[0-9a-f]{32}$/);
  assert.deepEqual({ ...saved, attempt: undefined, startedAt: undefined }, {
    attempt: undefined,
    channel: "instagram",
    returnTo: new URL(page.url()).pathname + new URL(page.url()).search,
    element: "ig",
    target: { kind: "connect" },
    startedAt: undefined,
  });
  assert.ok(Math.abs(saved.startedAt - Date.now()) < 60000);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("socialchat-connect:callback")), null);

  // The user comes back without finishing (here: a reload): the widget says so, once.
  await page.unroute(`${sandbox.origin}/sandbox/dialog**`);
  await page.reload();
  await w.getByRole("alert").getByText("could not be continued on this page. Start again.", { exact: false }).waitFor();
  const error = (await events(page)).find((e) => e.type === "socialchat:error");
  assert.equal(error.detail.code, "resume-failed");
  assert.equal(await page.evaluate(() => JSON.stringify({ ...sessionStorage })), "{}");
  // Try again goes to Facebook again, and this time comes back with a token.
  await w.getByRole("button", { name: "Try again" }).click();
  await allowInPage(page);
  await w.getByRole("radio").first().waitFor();
});

test("auto mode falls back to a redirect when window.open returns null", async (t) => {
  const { context, page } = await setUp(t, { widgets: [{ id: "ig", lang: "en", mode: "auto" }] });
  await page.evaluate(() => {
    window.open = () => null;
  });
  const w = widget(page);
  await w.getByRole("button", { name: "Connect Instagram" }).click();
  await page.getByRole("button", { name: "Allow" }).waitFor();
  assert.equal(context.pages().length, 1, "no popup");
  await allowInPage(page);
  await w.getByRole("radio", { name: "Toko Batik Sari" }).waitFor();
  assert.deepEqual((await events(page)).map((e) => e.type), ["socialchat:ready", "socialchat:authorized"]);
});

test("auto mode in Instagram's in-app browser reconnects through a redirect", async (t) => {
  const { context, page } = await setUp(t, {
    widgets: [{ id: "ig-list", lang: "en", mode: "auto", "list-channels": true }],
    contextOptions: {
      userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0.14.109",
      viewport: { width: 390, height: 844 },
    },
  });
  const w = widget(page);
  await w.getByText("Disconnected").waitFor();
  await w.getByRole("button", { name: "Reconnect Kopi Kenangan Senja" }).click();
  await page.getByRole("button", { name: "Allow" }).waitFor();
  assert.equal(context.pages().length, 1, "no popup in an in-app browser");
  await allowInPage(page);
  await w.getByText("Kopi Kenangan Senja is connected to Socialchat again.", { exact: true }).first().waitFor();
  const connected = (await events(page)).find((e) => e.type === "socialchat:connected");
  assert.equal(connected.detail.reconnected, true);
  assert.equal(connected.detail.id, "65f0a1b2c3d4e5f6a7b8c902");
});

test("an expired session is asked for again once, and the user sees nothing of it", async (t) => {
  const { context, page } = await setUp(t, { widgets: [{ lang: "en", "session-url": `/session?expire_first=1&page=refresh-${Date.now()}` }] });
  const w = widget(page);
  await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
  await w.getByRole("radio", { name: "Bengkel Motor Jaya" }).check();
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.getByText("Bengkel Motor Jaya is now connected to Socialchat.", { exact: true }).first().waitFor();
  assert.deepEqual((await events(page)).filter((e) => e.type === "socialchat:error"), []);
});

test("a session that may not connect Instagram says so in Indonesian, with its code", async (t) => {
  const { page } = await setUp(t, { widgets: [{ lang: "id", "session-url": "/session?kinds=messenger" }] });
  const w = widget(page);
  await w.getByRole("button", { name: "Hubungkan Instagram" }).click();
  await w.getByRole("alert").getByText("Akun Anda tidak diizinkan menghubungkan jenis channel ini di sini.", { exact: false }).waitFor();
  await w.getByText("kind-not-allowed", { exact: false }).waitFor();
  const error = (await events(page)).find((e) => e.type === "socialchat:error");
  assert.equal(error.detail.code, "kind-not-allowed");
  assert.equal(error.detail.status, 403);
});

// The kinds connected without Facebook: a form in the widget, no popup.
const SANDBOX_BOT = "7000000001:AAFsandboxBotOfTheCustomerServiceTeam01";
const OTHER_BOT = "7000000002:AAGsandboxAnotherBotOfAnotherCompany02";

/** Everything the host page and the browser could keep after a flow, as one string. */
async function leftovers(page) {
  return page.evaluate(async () =>
    JSON.stringify({
      href: location.href,
      local: { ...localStorage },
      session: { ...sessionStorage },
      cookies: document.cookie,
      events: window.scEvents,
      dom: document.documentElement.outerHTML + [...document.querySelectorAll("socialchat-connect")].map((e) => e.shadowRoot.innerHTML).join(""),
    }),
  );
}

test("WhatsApp in Indonesian: the form, the QR code, a scan on the phone, connected", async (t) => {
  const { sandbox, page, seen } = await setUp(t, { widgets: [{ id: "wa", lang: "id", channel: "whatsapp", "session-url": "/session?kinds=whatsapp" }] });
  const w = widget(page);
  await w.getByText("Anda akan memindai kode QR dengan WhatsApp di ponsel Anda.").waitFor();
  await w.getByRole("button", { name: "Hubungkan WhatsApp" }).click();
  assert.equal(page.context().pages().length, 1, "no popup for WhatsApp");
  // Keyboard: the first field has the focus; an empty form is refused field by field.
  await assert.doesNotReject(w.getByLabel("Nama tampilan", { exact: true }).waitFor());
  assert.equal(await w.getByLabel("Nama tampilan", { exact: true }).evaluate((e) => e.getRootNode().activeElement === e), true);
  await page.keyboard.press("Enter");
  await w.getByText("Isi nama, paling banyak 100 karakter.").waitFor();
  assert.equal(await w.getByLabel("Nomor WhatsApp", { exact: true }).getAttribute("aria-invalid"), "true");
  await page.keyboard.type("Toko Kain Nusantara");
  await w.getByLabel("Nomor WhatsApp", { exact: true }).fill("0813-5555-6666");
  await w.getByRole("button", { name: "Tampilkan kode QR" }).click();
  const qr = w.getByRole("img", { name: "Kode QR untuk menautkan WhatsApp" });
  await qr.waitFor();
  assert.match(await qr.getAttribute("src"), /^data:image\/png;base64,/);
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth >= 100), "the QR code is a real image");
  await w.getByText("Menunggu pemindaian… Kode diperbarui sendiri.").first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, "whatsapp-qr.png") });

  const scanned = await fetch(`${sandbox.origin}/sandbox/whatsapp/scan?phone=6281355556666`, { method: "POST" });
  assert.equal(scanned.status, 204);
  await w.getByText("Toko Kain Nusantara sudah terhubung ke Socialchat.", { exact: true }).first().waitFor({ timeout: 10000 });
  const connected = (await events(page)).find((e) => e.type === "socialchat:connected");
  assert.equal(connected.detail.channel, "whatsapp");
  assert.equal(connected.detail.channelId, "6281355556666");
  assert.equal(connected.detail.reconnected, false);
  const after = await leftovers(page);
  for (const secret of ["asst_sandbox_secret", "vm-sandbox-secret", "data:image"]) {
    assert.ok(!after.includes(secret), `${secret} is left on the page`);
  }
  assert.deepEqual(seen.csp, [], "the QR code needs only img-src data:");
});

test("Telegram: an invalid token, one Telegram refuses, another bot's on reconnect, then the right ones", async (t) => {
  const { page, seen } = await setUp(t, { widgets: [{ id: "tg", lang: "en", channel: "telegram", "list-channels": "", "session-url": "/session?kinds=telegram" }] });
  const w = widget(page);
  await w.getByRole("button", { name: "Connect Telegram" }).click();
  const token = w.getByLabel("Bot token");
  assert.equal(await token.getAttribute("type"), "password");
  await token.fill("my bot");
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.getByText("This is not a bot token.", { exact: false }).waitFor();
  await token.fill("7000000009:AAHunknownBotTokenThatTelegramRefuses99");
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.getByRole("alert").getByText("Telegram did not accept this bot token.", { exact: false }).waitFor();
  await w.getByText("bot-token-refused", { exact: false }).waitFor();
  assert.equal(await token.inputValue(), "", "a sent token is not kept in the field");
  await token.fill(OTHER_BOT);
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.getByText("Bot 7000000002 is now connected to Socialchat.", { exact: true }).first().waitFor();

  // The seeded broken bot, from the channel list: another bot's token is refused.
  await w.getByRole("button", { name: "Connect another" }).click();
  await w.getByRole("button", { name: "Reconnect Bot Telegram CS" }).click();
  await w.getByRole("heading", { name: "Reconnect the Telegram bot" }).waitFor();
  await w.getByLabel("Bot token").fill(OTHER_BOT);
  await w.getByRole("button", { name: "Reconnect", exact: true }).click();
  await w.getByRole("alert").getByText("Telegram did not accept this bot token.", { exact: false }).waitFor();
  await w.getByLabel("Bot token").fill(SANDBOX_BOT);
  await w.getByRole("button", { name: "Reconnect", exact: true }).click();
  await w.getByText("Bot Telegram CS is connected to Socialchat again.", { exact: true }).first().waitFor();
  await w.locator(".sc-channels").getByText("Disconnected").waitFor({ state: "detached" });

  const all = (await events(page)).map((e) => e.type);
  assert.deepEqual(all.filter((e) => e === "socialchat:connected").length, 2);
  const after = await leftovers(page);
  for (const secret of [SANDBOX_BOT, OTHER_BOT, "AAHunknown"]) {
    assert.ok(!after.includes(secret), "a bot token is left on the page");
    assert.ok(!seen.urls.some((u) => u.includes(secret)), "a bot token is in a URL");
    assert.ok(!seen.console.some((m) => m.includes(secret)), "a bot token is in the console");
  }
});

test("webchat: a name and a website, checked, then created", async (t) => {
  const { page } = await setUp(t, { widgets: [{ lang: "en", channel: "webchat", "session-url": "/session?kinds=webchat" }] });
  const w = widget(page);
  await w.getByRole("button", { name: "Connect Webchat" }).click();
  await w.getByLabel("Name", { exact: true }).fill("Chat Toko Kain");
  await w.getByLabel("Website address").fill("ftp://toko-kain.example");
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.getByText("Enter the website's address, like https://toko.example").waitFor();
  await w.getByLabel("Website address").fill("https://toko-kain.example/");
  await w.getByRole("button", { name: "Connect", exact: true }).click();
  await w.getByText("Chat Toko Kain is now connected to Socialchat.", { exact: true }).first().waitFor();
  const connected = (await events(page)).find((e) => e.type === "socialchat:connected");
  assert.equal(connected.detail.channel, "webchat");
  assert.match(connected.detail.id, /^[0-9a-f]{24}$/);
});

test("the picker marks the connected account and reconnects the broken one in place", async (t) => {
  const { context, page } = await setUp(t);
  const w = widget(page);
  await allow(context, w.getByRole("button", { name: "Connect Instagram" }));
  const connected = w.getByRole("radio", { name: "Toko Batik Sari" });
  await connected.waitFor();
  assert.equal(await connected.isDisabled(), true);
  await w.getByText("Already connected").waitFor();
  await w.getByRole("button", { name: "Reconnect Kopi Kenangan Senja" }).click();
  await w.getByText("Kopi Kenangan Senja is connected to Socialchat again.", { exact: true }).first().waitFor();
  const event = (await events(page)).find((e) => e.type === "socialchat:connected");
  assert.equal(event.detail.id, "65f0a1b2c3d4e5f6a7b8c902");
  assert.equal(event.detail.reconnected, true);
});

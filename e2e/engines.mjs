// The three browser engines through W3C WebDriver (webdriverio): Chromium (chromedriver),
// Firefox ESR (geckodriver) and WebKitGTK's MiniBrowser (WebKitWebDriver, on an Xvfb display),
// all from Debian or crates.io, never downloaded by the test. Each engine's driver is started
// here on a free port; the suite in engines.test.mjs runs the same scenarios in each.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort } from "./sandbox.mjs";
import os from "node:os";
import path from "node:path";
import { remote } from "webdriverio";

const HOME = os.homedir();
export const ENGINES = {
  chromium: {
    driver: "/usr/bin/chromedriver",
    args: (port) => [`--port=${port}`],
    capabilities: {
      browserName: "chrome",
      "goog:chromeOptions": { binary: "/usr/bin/chromium", args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1000,900"] },
    },
  },
  firefox: {
    driver: path.join(HOME, ".cargo/bin/geckodriver"),
    args: (port) => ["--port", String(port)],
    capabilities: {
      browserName: "firefox",
      "moz:firefoxOptions": { binary: "/usr/bin/firefox-esr", args: ["-headless", "-width=1000", "-height=900"] },
    },
  },
  webkit: {
    driver: "/usr/bin/WebKitWebDriver",
    args: (port) => [`--port=${port}`],
    display: true,
    capabilities: {
      browserName: "MiniBrowser",
      "webkitgtk:browserOptions": { binary: "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser", args: ["--automation"] },
    },
  },
};

/** Which engines can run here (their browser and driver are installed). */
export function available() {
  const has = {
    chromium: existsSync("/usr/bin/chromium") && existsSync(ENGINES.chromium.driver),
    firefox: existsSync("/usr/bin/firefox-esr") && existsSync(ENGINES.firefox.driver),
    webkit: existsSync(ENGINES.webkit.driver) && existsSync("/usr/bin/Xvfb"),
  };
  return Object.keys(ENGINES).filter((name) => has[name]);
}

let display;
/** An Xvfb display for WebKitGTK (it has no headless mode), started once. */
async function xvfb() {
  if (display) return display;
  const number = 90 + Math.floor(Math.random() * 400);
  const child = spawn("/usr/bin/Xvfb", [`:${number}`, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], { stdio: "ignore" });
  await new Promise((done) => setTimeout(done, 500));
  display = { name: `:${number}`, child };
  return display;
}

/** Starts `name`'s driver and a session; `close()` ends both. */
export async function startEngine(name) {
  const engine = ENGINES[name];
  const port = await freePort();
  const env = { ...process.env };
  if (engine.display) env.DISPLAY = (await xvfb()).name;
  const driver = spawn(engine.driver, engine.args(port), { stdio: "ignore", env });
  for (let i = 0; i < 50; i++) {
    if (await fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false)) break;
    await new Promise((done) => setTimeout(done, 100));
  }
  const browser = await remote({
    hostname: "127.0.0.1",
    port,
    path: "/",
    logLevel: "silent",
    connectionRetryCount: 1,
    // Classic WebDriver: WebKitWebDriver has no BiDi, and the suite needs none.
    capabilities: { ...engine.capabilities, "wdio:enforceWebDriverClassic": true },
  });
  return {
    name,
    browser,
    version: browser.capabilities.browserVersion,
    async close() {
      await browser.deleteSession().catch(() => {});
      driver.kill();
    },
  };
}

export function stopDisplay() {
  display?.child.kill();
  display = undefined;
}

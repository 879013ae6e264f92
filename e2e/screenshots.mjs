// Takes the README's screenshots of each main step from a real browser: the release build
// served by the sandbox, driven by real clicks (the sandbox's Facebook dialog included).
// Usage: node e2e/screenshots.mjs [out-dir]   (scripts/screenshots builds first)
import { mkdirSync } from "node:fs";
import path from "node:path";
import { launch } from "./browser.mjs";
import { ROOT, startSandbox } from "./sandbox.mjs";

const out = path.resolve(process.argv[2] || path.join(ROOT, "docs/src/images"));
mkdirSync(out, { recursive: true });
const sandbox = await startSandbox(["--static", path.join(ROOT, "dist")]);
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${sandbox.origin}/index.html`);
  const widget = page.locator("#connect-instagram-en");
  const shot = (name, target = widget) => target.screenshot({ path: path.join(out, `${name}.png`) });

  await widget.getByRole("button", { name: "Connect Instagram" }).waitFor();
  await shot("1-idle");
  const [popup] = await Promise.all([
    context.waitForEvent("page"),
    widget.getByRole("button", { name: "Connect Instagram" }).click(),
  ]);
  await popup.getByRole("button", { name: "Allow" }).waitFor();
  await widget.getByText("Waiting for Facebook…").first().waitFor();
  await shot("2-waiting");
  await popup.setViewportSize({ width: 600, height: 720 });
  await popup.screenshot({ path: path.join(out, "3-sandbox-dialog.png") });
  await popup.getByRole("button", { name: "Allow" }).click();
  await widget.getByRole("radio", { name: "Toko Batik Sari" }).waitFor();
  await widget.getByRole("button", { name: "Load more" }).click();
  await widget.getByRole("radio", { name: "Apotek Sehat Sentosa" }).waitFor();
  await widget.getByRole("radio", { name: "Kue Lapis Legit Mama Rina" }).check();
  await shot("4-picker");
  await widget.getByRole("button", { name: "Connect", exact: true }).click();
  await widget.locator(".sc-success").waitFor();
  await shot("5-connected");

  // An error with its Try again: the account list fails once.
  await widget.getByRole("button", { name: "Connect another account" }).click();
  await sandbox.fail("account:503:1");
  const [popup2] = await Promise.all([
    context.waitForEvent("page"),
    widget.getByRole("button", { name: "Connect Instagram" }).click(),
  ]);
  await popup2.getByRole("button", { name: "Allow" }).click();
  await widget.getByRole("button", { name: "Try again" }).waitFor();
  await shot("6-error");

  await page.locator("#channels").getByText("Kopi Kenangan Senja").waitFor();
  await shot("7-list-channels", page.locator("#channels"));

  // The kinds connected without Facebook, each as its card in the preview shows it.
  const wa = page.locator("#connect-whatsapp");
  await wa.getByRole("button", { name: "Hubungkan WhatsApp" }).click();
  await wa.getByLabel("Nama tampilan", { exact: true }).fill("Toko Kain Nusantara");
  await wa.getByLabel("Nomor WhatsApp", { exact: true }).fill("0813 5555 6666");
  await shot("9-whatsapp-form", wa);
  await wa.getByRole("button", { name: "Tampilkan kode QR" }).click();
  await wa.getByRole("img", { name: "Kode QR untuk menautkan WhatsApp" }).waitFor();
  await shot("10-whatsapp-qr", wa);
  await fetch(`${sandbox.origin}/sandbox/whatsapp/scan?phone=6281355556666`, { method: "POST" });
  await wa.locator(".sc-success").waitFor({ timeout: 10000 });
  const tg = page.locator("#connect-telegram");
  await tg.getByRole("button", { name: "Connect Telegram" }).click();
  await tg.getByLabel("Bot token").fill("7000000009:AAHunknownBotTokenThatTelegramRefuses99");
  await tg.getByRole("button", { name: "Connect", exact: true }).click();
  await tg.getByRole("alert").waitFor();
  await shot("11-telegram-refused", tg);
  const wc = page.locator("#connect-webchat");
  await wc.getByRole("button", { name: "Hubungkan Webchat" }).click();
  await wc.getByLabel("Nama", { exact: true }).fill("Chat Toko Kain");
  await wc.getByLabel("Alamat situs web").fill("toko kain");
  await wc.getByRole("button", { name: "Hubungkan", exact: true }).click();
  await wc.getByText("Isi alamat situs web, seperti https://toko.example").waitFor();
  await shot("12-webchat-invalid", wc);

  // A 360 px phone, in Indonesian, dark.
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: "dark", isMobile: true, hasTouch: true });
  const mobile = await phone.newPage();
  await mobile.goto(`${sandbox.origin}/index.html`);
  const id = mobile.locator("#connect-instagram");
  const [popup3] = await Promise.all([
    phone.waitForEvent("page"),
    id.getByRole("button", { name: "Hubungkan Instagram" }).click(),
  ]);
  await popup3.getByRole("button", { name: "Allow" }).click();
  await id.getByRole("radio", { name: "Warung Makan Bu Tini 🍛" }).check();
  await shot("8-phone-dark-id", id);
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  sandbox.stop();
}

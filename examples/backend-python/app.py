"""A small partner backend for <socialchat-connect>, in plain Python (http.server, sqlite3).

It shows the four things your own backend has to do:
  1. mint a session (a JWT) for the signed-in user: GET /api/me/socialchat-session;
  2. verify the receipt the page posts after a connect: POST /api/me/socialchat-receipt;
  3. verify the proxy's webhook (Standard Webhooks): POST /webhooks/socialchat;
  4. remember which user owns which channel, and list those channels in the next session.
The sign-in is a demo (a name, no password): replace it with your own.
Start it with ./run (creates .venv with standardwebhooks and PyJWT, then runs this file).
"""

import hashlib
import html
import json
import os
import secrets
import sqlite3
import sys
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import jwt  # PyJWT
from standardwebhooks.webhooks import Webhook

HERE = Path(__file__).resolve().parent
KINDS = ["instagram", "messenger", "whatsapp", "telegram", "webchat"]


# ---- Configuration, from the environment ------------------------------------------------
def fail(message):
    print(f"backend-python: {message}", file=sys.stderr)
    sys.exit(1)


PORT = int(os.environ.get("PORT", "3000"))
# Shared with the proxy (which checks sessions and signs receipts with it): at least 32 bytes.
SESSION_SECRET = os.environ.get("SOCIALCHAT_SESSION_SECRET", "")
if len(SESSION_SECRET.encode()) < 32:
    fail("set SOCIALCHAT_SESSION_SECRET to the proxy's session secret (at least 32 bytes)")
# The webhook's own secret, whsec_<base64>, the same as the proxy's SOCIALCHAT_WEBHOOK_SECRET.
WEBHOOK_SECRET = os.environ.get("SOCIALCHAT_WEBHOOK_SECRET", "")
if not WEBHOOK_SECRET.startswith("whsec_"):
    fail("set SOCIALCHAT_WEBHOOK_SECRET to the proxy's webhook secret (whsec_...)")
try:
    webhook = Webhook(WEBHOOK_SECRET)
except Exception as e:
    fail(f"SOCIALCHAT_WEBHOOK_SECRET is not a valid whsec_<base64> secret: {e}")
PROXY_URL = os.environ.get("SOCIALCHAT_PROXY_URL", "http://127.0.0.1:8787/api/socialchat")
_proxy = urlsplit(PROXY_URL)
PROXY_SOURCE = f" {_proxy.scheme}://{_proxy.netloc}" if _proxy.netloc else ""  # a path: 'self'
BUNDLE = Path(os.environ.get("SOCIALCHAT_BUNDLE") or HERE / "../../target/bundle/socialchat").resolve()
DATABASE = Path(os.environ.get("DATABASE") or HERE / "partner.sqlite3").resolve()

# What the widget needs (the book, "Embedding": Content-Security-Policy): wasm, calls and pictures from the
# proxy, account pictures from Facebook's CDN (https:), WhatsApp QR codes (data:). No inline
# script or style anywhere, so 'unsafe-inline' is not needed.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    f"connect-src 'self'{PROXY_SOURCE}",
    f"img-src 'self' https: data:{PROXY_SOURCE}",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])


# ---- The database: users, their sign-ins, the channels they own, the webhooks seen -------
def connect():
    """One connection per request (the server is threaded); `with db:` is one transaction."""
    db = sqlite3.connect(DATABASE, timeout=10)
    db.row_factory = sqlite3.Row
    return db


with connect() as db:
    db.executescript("""
      CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      -- The cookie holds a random id; only its SHA-256 is stored.
      CREATE TABLE IF NOT EXISTS sign_ins (id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
                                           expires_at INTEGER NOT NULL);
      -- One row per channel _id: the receipt and the webhook both tell of it, whichever comes first.
      CREATE TABLE IF NOT EXISTS channels (_id TEXT PRIMARY KEY, sub TEXT NOT NULL, kind TEXT NOT NULL, name TEXT,
                                           first_seen_by TEXT NOT NULL CHECK (first_seen_by IN ('receipt', 'webhook')),
                                           created_at INTEGER NOT NULL);
      -- Deliveries are at least once: a webhook-id already here is acknowledged and skipped.
      CREATE TABLE IF NOT EXISTS webhook_events (id TEXT PRIMARY KEY, type TEXT NOT NULL, received_at INTEGER NOT NULL);
    """)


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def record_channel(db, _id, sub, kind, name, seen_by):
    """Records that `sub` owns channel `_id` (the first owner stays; a later name fills in)."""
    db.execute(
        """INSERT INTO channels (_id, sub, kind, name, first_seen_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (_id) DO UPDATE SET name = COALESCE(excluded.name, channels.name)""",
        (_id, sub, kind, name, seen_by, int(time.time())),
    )


def channels_of(db, user_id):
    rows = db.execute("SELECT _id, kind, name FROM channels WHERE sub = ? ORDER BY created_at, _id", (user_id,))
    return [dict(row) for row in rows]


# ---- Pages ---------------------------------------------------------------------------------
def page(title, body, scripts=""):
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/app.css">{scripts}
</head><body><main>
<h1>{title}</h1>
{body}
</main></body></html>"""


SIGN_IN_PAGE = page("Sign in", """<form method="post" action="/sign-in">
<label>Your name <input name="name" required maxlength="60" autocomplete="username"></label>
<button>Sign in</button>
<p class="note">A demo sign-in: any name signs you in as that user.</p>
</form>""")


def dashboard(db, user):
    e = html.escape
    attrs = f'proxy="{e(PROXY_URL)}" session-url="/api/me/socialchat-session" lang="en"'
    items = "".join(f"<li>{e(c['name'] or c['_id'])} ({e(c['kind'])})</li>" for c in channels_of(db, user["id"]))
    # The widget's loader is included once; app.js is the dashboard's own script.
    scripts = """
<script type="module" src="/socialchat/socialchat-connect.js"></script>
<script type="module" src="/app.js"></script>"""
    return page("Partner dashboard", f"""<p>Signed in as {e(user['name'])}</p>
<section><h2>Connect a channel</h2>
<socialchat-connect id="connect-instagram" channel="instagram" {attrs} list-channels></socialchat-connect>
<socialchat-connect id="connect-whatsapp" channel="whatsapp" {attrs}></socialchat-connect>
</section>
<section><h2>Your channels</h2>
<ul aria-label="Your channels">{items}</ul>
</section>""", scripts)


class TooLarge(Exception):
    pass


COOKIE = "partner_sid"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
         ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png"}


class Handler(BaseHTTPRequestHandler):
    # ---- Helpers for requests and answers ------------------------------------------------
    def send(self, status, body=b"", content_type="text/plain; charset=utf-8", headers=None):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Referrer-Policy", "no-referrer")
        for name, value in (headers or {"Cache-Control": "no-store"}).items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def json(self, status, value):
        self.send(status, json.dumps(value), "application/json")

    def body(self, limit):
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            raise TooLarge()
        return self.rfile.read(length)

    def current_user(self, db):
        for cookie in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = cookie.strip().partition("=")
            if name == COOKIE:
                return db.execute(
                    """SELECT users.id, users.name FROM sign_ins JOIN users ON users.id = sign_ins.user_id
                       WHERE id_hash = ? AND expires_at > ?""", (sha256(value), int(time.time()))).fetchone()
        return None

    def serve_file(self, root, url_path):
        """Serves a file of `root`: never one outside it (no "..", no NUL), never a folder."""
        relative = unquote(url_path)
        if "\0" in relative or ".." in relative.replace("\\", "/").split("/"):
            return self.send(404, "Not found")
        file = (root / relative.lstrip("/")).resolve()
        if root not in file.parents or not file.is_file():
            return self.send(404, "Not found")
        # pkg/ holds content-hashed names that never change; everything else is checked each time.
        immutable = (root / "pkg") in file.parents
        self.send(200, file.read_bytes(), TYPES.get(file.suffix, "application/octet-stream"), {
            "Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache",
            "X-Content-Type-Options": "nosniff"})

    # ---- Routes ----------------------------------------------------------------------------
    def handle_route(self):
        db = connect()
        try:
            with db:  # one transaction: committed if the route returns, rolled back if it raises
                self.route(db, f"{self.command} {urlsplit(self.path).path}")
        except TooLarge:
            self.send(413, "Too large")
        except Exception:
            traceback.print_exc()
            self.send(500, "Internal error")  # a webhook answered 500 is delivered again later
        finally:
            db.close()

    def route(self, db, what):
        path = what.split(" ", 1)[1]
        if what.startswith("GET /socialchat/"):
            return self.serve_file(BUNDLE, path[len("/socialchat/"):])
        if what in ("GET /app.js", "GET /app.css"):
            return self.serve_file(HERE / "public", path)

        # ANCHOR: webhook
        if what == "POST /webhooks/socialchat":
            raw = self.body(1024 * 1024)
            try:
                event = webhook.verify(raw, dict(self.headers.items()))  # and a timestamp within 5 min
            except Exception:
                return self.send(400, "Bad signature")
            # In one transaction (handle_route): the event is marked as seen only with its channel.
            fresh = db.execute("INSERT INTO webhook_events (id, type, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                               (self.headers["webhook-id"], str(event.get("type")), int(time.time()))).rowcount == 1
            data = event.get("data") or {}
            channel = data.get("channel") or {}
            if fresh and event.get("type") in ("channel.connected", "channel.created") and channel.get("_id"):
                record_channel(db, channel["_id"], data.get("sub"), data.get("kind"), channel.get("name"), "webhook")
            return self.send(204)
        # ANCHOR_END: webhook

        if what == "POST /sign-in":  # a demo: anyone may be anyone
            name = (parse_qs(self.body(4096).decode()).get("name") or [""])[0].strip()
            if not name or len(name) > 60:
                return self.send(400, "A name, please (at most 60 characters).")
            db.execute("INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (str(uuid.uuid4()), name))
            user_id = db.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()["id"]
            sid = secrets.token_urlsafe(32)
            db.execute("INSERT INTO sign_ins (id_hash, user_id, expires_at) VALUES (?, ?, ?)",
                       (sha256(sid), user_id, int(time.time()) + 7 * 86400))
            # Behind HTTPS, add "; Secure".
            return self.send(303, headers={"Location": "/", "Cache-Control": "no-store",
                                           "Set-Cookie": f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800"})

        user = self.current_user(db)
        if what == "GET /":
            return self.send(200, dashboard(db, user) if user else SIGN_IN_PAGE, TYPES[".html"])
        if what not in ("GET /api/me/socialchat-session", "POST /api/me/socialchat-receipt", "GET /api/me/channels"):
            return self.send(404, "Not found")
        if not user:
            return self.json(401, {"error": "sign in first"})

        # ANCHOR: session
        if what == "GET /api/me/socialchat-session":
            # Every kind this dashboard offers (a kind missing here makes its widget fail), and
            # the channels this user owns (they may see them in the list, and reconnect them).
            now = int(time.time())
            session = jwt.encode({"aud": "socialchat-connect", "sub": user["id"], "iat": now, "exp": now + 600,
                                  "kinds": KINDS, "channels": [c["_id"] for c in channels_of(db, user["id"])]},
                                 SESSION_SECRET, algorithm="HS256")
            return self.json(200, {"session": session})
        # ANCHOR_END: session
        # ANCHOR: receipt
        if what == "POST /api/me/socialchat-receipt":
            try:
                receipt = json.loads(self.body(16 * 1024))["receipt"]
                claims = jwt.decode(str(receipt), SESSION_SECRET, algorithms=["HS256"],
                                    audience="socialchat-connect-receipt")
            except (ValueError, KeyError, TypeError, jwt.InvalidTokenError):
                return self.json(400, {"error": "not a valid receipt"})
            if claims.get("sub") != user["id"]:
                return self.json(403, {"error": "this receipt is another user's"})
            if not isinstance(claims.get("_id"), str) or claims.get("kind") not in KINDS:
                return self.json(400, {"error": "not a valid receipt"})
            record_channel(db, claims["_id"], user["id"], claims["kind"], None, "receipt")
            return self.json(200, {"_id": claims["_id"]})
        # ANCHOR_END: receipt
        return self.json(200, channels_of(db, user["id"]))  # GET /api/me/channels

    # Every method goes through route(), which answers 404 to what it does not know.
    do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_route


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print(f"listening on http://127.0.0.1:{PORT}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass

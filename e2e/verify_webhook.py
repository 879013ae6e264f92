"""Verifies what the proxy sent, as a partner's Python backend would, with the official
libraries only: a webhook delivery with Standard Webhooks' `standardwebhooks` (PyPI), and the
receipt of the `socialchat:connected` event with PyJWT. Reads {"secret", "headers", "body",
"session_secret", "receipt"} as JSON on stdin; prints {"event": ..., "receipt": ...} as JSON."""

import json
import sys

import jwt
from standardwebhooks.webhooks import Webhook

given = json.load(sys.stdin)
event = Webhook(given["secret"]).verify(given["body"], given["headers"])
claims = jwt.decode(
    given["receipt"],
    given["session_secret"],
    algorithms=["HS256"],
    audience="socialchat-connect-receipt",
)
json.dump({"event": event, "receipt": claims}, sys.stdout)

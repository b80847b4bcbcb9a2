#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A webhook receiver for the tests: loopback only, bounded in time.

    webhook_receiver.py DIR MODE [CERT KEY]
    webhook_receiver.py --check PRESET DIR SECRET

Listens on 127.0.0.1 and a port the kernel picks, writes that port to
DIR/port when ready, and records every POST and PUT (method, path,
headers, body) to DIR/NNNNNN.json, numbered from 000001 in arrival order,
before it answers.  MODE says how it answers them:

    ok     200 with a small JSON body ("202" and other codes: that status)
    500    500 with a short text body
    hang   never: the connection is held until the client gives up

With CERT and KEY (PEM files) it speaks HTTPS.

A GET is a site's page, not recorded: "up", or "down" while DIR/down
exists, so a test can make a site go down and come back.

Runs until stdin closes or 120 s pass, whichever is first, so a test that
dies cannot leave it behind.

--check reads DIR's records of one notify-test message and checks them
against the shape PRESET's service documents for its incoming API (the
required fields there, with their types and limits); it prints what does
not fit and exits 1, or exits 0.
"""
import http.server
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

DIR = MODE = None
HOLD = 60.0  # the longest a hanging request is held
count = 0
lock = threading.Lock()


def record(req, body):
    global count
    with lock:
        count += 1
        n = count
    rec = {
        "method": req.command,
        "path": req.path,
        # a list: a name may come twice, and its case is what was sent
        "headers": [[k, v] for k, v in req.headers.items()],
        "body": body.decode("utf-8", "replace"),
    }
    tmp = os.path.join(DIR, ".%06d.tmp" % n)
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(rec, f)
    os.rename(tmp, os.path.join(DIR, "%06d.json" % n))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the records say it all
        pass

    def answer(self, code, ctype, text):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        record(self, body)
        if MODE == "hang":
            time.sleep(HOLD)
            self.close_connection = True
        elif MODE == "500":
            self.answer(500, "text/plain", "internal error: the receiver was told to fail\n")
        else:
            code = int(MODE) if MODE.isdigit() else 200
            self.answer(code, "application/json", '{"ok":true,"status":"success"}')

    do_POST = do_PUT = handle_any

    def do_GET(self):
        # down: a page without the word the site's check expects
        down = os.path.exists(os.path.join(DIR, "down"))
        self.answer(200, "text/plain", "down\n" if down else "up\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) > 4:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    tmp = os.path.join(DIR, ".port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, os.path.join(DIR, "port"))
    deadline = time.monotonic() + 120.0

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    while time.monotonic() < deadline:
        time.sleep(0.2)
    os._exit(0)


# ---- the documented shapes ----


class Bad(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Bad(what)


def typed(obj, key, typ, limit=None, required=True):
    """OBJ[KEY] is a TYP (and at most LIMIT characters long); returns it."""
    need(isinstance(obj, dict), "not an object where %r belongs" % key)
    if key not in obj:
        need(not required, "%r missing" % key)
        return None
    v = obj[key]
    need(isinstance(v, typ) and not (typ is int and isinstance(v, bool)),
         "%r is %r, not %s" % (key, v, getattr(typ, "__name__", typ)))
    if limit is not None:
        need(len(v) <= limit, "%r longer than %d: %d" % (key, limit, len(v)))
    return v


def header(rec, name):
    for k, v in rec["headers"]:
        if k.lower() == name.lower():
            return v
    return None


def body(rec):
    need(header(rec, "Content-Type") == "application/json",
         "Content-Type %r" % header(rec, "Content-Type"))
    return json.loads(rec["body"])


def one(recs):
    need(len(recs) == 1, "%d requests, not 1" % len(recs))
    need(recs[0]["method"] == "POST", "method %s" % recs[0]["method"])
    return body(recs[0])


def c_json(recs, secret):  # sitewatch's own schema, docs/alerts.md
    b = one(recs)
    need(typed(b, "event", str) == "TEST", "event is not TEST")
    for k in ("id", "site", "reason", "at"):
        typed(b, k, str)
    # what an event lacks is left out; what it has is a string
    for k in ("check", "location", "verdict", "since", "downtime", "url", "page"):
        typed(b, k, str, required=False)


def c_slack(recs, secret):  # api.slack.com/messaging/webhooks, Block Kit
    b = one(recs)
    need(typed(b, "text", str), "empty text")
    for blk in typed(b, "blocks", list, 50):
        typed(blk, "type", str)
        if blk["type"] == "section":
            t = typed(blk, "text", dict)
            need(typed(t, "type", str) in ("plain_text", "mrkdwn"), "text type")
            typed(t, "text", str, 3000)


def c_discord(recs, secret):  # discord.com/developers/docs/resources/webhook
    b = one(recs)
    c = typed(b, "content", str, 2000, required=False)
    embeds = typed(b, "embeds", list, 10, required=False)
    need(c or embeds, "neither content nor embeds")
    for e in embeds or []:
        typed(e, "title", str, 256, required=False)
        typed(e, "description", str, 4096, required=False)
        typed(e, "color", int, required=False)
    need(typed(b, "allowed_mentions", dict)["parse"] == [], "mentions allowed")


def c_teams(recs, secret):  # learn.microsoft.com: Workflows, Adaptive Card
    b = one(recs)
    need(typed(b, "type", str) == "message", "type is not message")
    atts = typed(b, "attachments", list)
    need(len(atts) == 1, "%d attachments" % len(atts))
    need(typed(atts[0], "contentType", str) == "application/vnd.microsoft.card.adaptive", "contentType")
    card = typed(atts[0], "content", dict)
    need(typed(card, "type", str) == "AdaptiveCard", "not an AdaptiveCard")
    typed(card, "version", str)
    for el in typed(card, "body", list):
        need(typed(el, "type", str) == "TextBlock", "element type")
        typed(el, "text", str)


def c_mattermost(recs, secret):  # developers.mattermost.com/integrate/webhooks/incoming
    b = one(recs)
    need(typed(b, "text", str, 16383), "empty text")


def c_ntfy(recs, secret):  # docs.ntfy.sh/publish/#publish-as-json
    b = one(recs)
    need(recs[0]["path"] == "/", "published to %s, not the root" % recs[0]["path"])
    need(typed(b, "topic", str) == "mytopic", "topic")
    typed(b, "message", str, 4096)
    typed(b, "title", str)
    need(1 <= typed(b, "priority", int) <= 5, "priority")
    for t in typed(b, "tags", list):
        need(isinstance(t, str), "tag")


def c_gotify(recs, secret):  # gotify.net/api-docs: POST /message
    b = one(recs)
    need(recs[0]["path"] == "/message", "path %s" % recs[0]["path"])
    need(header(recs[0], "X-Gotify-Key") == secret, "X-Gotify-Key")
    need(typed(b, "message", str), "empty message")
    typed(b, "title", str)
    typed(b, "priority", int)
    typed(b, "extras", dict)


def c_telegram(recs, secret):  # core.telegram.org/bots/api#sendmessage
    b = one(recs)
    need(recs[0]["path"] == "/bot%s/sendMessage" % secret, "path %s" % recs[0]["path"])
    need(typed(b, "chat_id", int) == -1001234567890, "chat_id")
    need(1 <= len(typed(b, "text", str, 4096)), "empty text")


def c_pagerduty(recs, secret):  # developer.pagerduty.com/docs/events-API-v2
    need(len(recs) == 2, "%d requests, not 2 (trigger, resolve)" % len(recs))
    t, r = body(recs[0]), body(recs[1])
    for b in (t, r):
        need(typed(b, "routing_key", str) == secret, "routing_key")
        typed(b, "dedup_key", str, 255)
    need(t["event_action"] == "trigger" and r["event_action"] == "resolve", "actions")
    need(t["dedup_key"] == r["dedup_key"], "dedup_key differs")
    p = typed(t, "payload", dict)
    typed(p, "summary", str, 1024)
    typed(p, "source", str)
    need(typed(p, "severity", str) in ("critical", "error", "warning", "info"), "severity")
    typed(p, "custom_details", dict, required=False)


def c_opsgenie(recs, secret):  # docs.opsgenie.com/docs/alert-api
    need(len(recs) == 2, "%d requests, not 2 (create, close)" % len(recs))
    for rec in recs:
        need(header(rec, "Authorization") == "GenieKey " + secret, "Authorization")
    c = body(recs[0])
    need(recs[0]["path"] == "/v2/alerts", "create path %s" % recs[0]["path"])
    typed(c, "message", str, 130)
    alias = typed(c, "alias", str, 512)
    need(typed(c, "priority", str) in ("P1", "P2", "P3", "P4", "P5"), "priority")
    for k, v in typed(c, "details", dict).items():
        need(isinstance(v, str), "details %s" % k)
    want = "/v2/alerts/%s/close?identifierType=alias" % urllib.parse.quote(alias, safe="")
    need(recs[1]["path"] == want, "close path %s, not %s" % (recs[1]["path"], want))
    typed(body(recs[1]), "source", str)


def c_matrix(recs, secret):  # spec.matrix.org: PUT .../send/{eventType}/{txnId}
    need(len(recs) == 1, "%d requests" % len(recs))
    rec = recs[0]
    need(rec["method"] == "PUT", "method %s" % rec["method"])
    pre = "/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/"
    need(rec["path"].startswith(pre) and len(rec["path"]) > len(pre), "path %s" % rec["path"])
    need(header(rec, "Authorization") == "Bearer " + secret, "Authorization")
    b = body(rec)
    need(typed(b, "msgtype", str) == "m.text", "msgtype")
    need(typed(b, "body", str), "empty body")


def check(preset, d, secret):
    recs = [json.load(open(os.path.join(d, f), encoding="utf-8"))
            for f in sorted(os.listdir(d)) if f.endswith(".json")]
    try:
        globals()["c_" + preset](recs, secret)
    except (Bad, KeyError, ValueError, TypeError) as e:
        print("%s: %s\n%s" % (preset, e, json.dumps(recs, indent=1)))
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        sys.exit(check(*sys.argv[2:5]))
    DIR, MODE = sys.argv[1], sys.argv[2]
    main()

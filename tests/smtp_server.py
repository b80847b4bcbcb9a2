#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A mail server for the tests (aiosmtpd, Debian's python3-aiosmtpd).

Listens on 127.0.0.1 (--port, 0: any free port) and writes each message
it accepts to DIR/NNNNNN.eml, the data exactly as received, with
DIR/NNNNNN.json beside it: the envelope (mail_from, rcpt_tos), the AUTH
user, whether the session was TLS and the name the client said in EHLO.
Numbers go on from the files already in DIR, so a restarted server adds
to what came before.  When it listens it writes its port to --ready FILE
(and prints it).

  --starttls CERT KEY   offer STARTTLS with this certificate
  --tls CERT KEY        TLS from the start (smtps://)
  --auth USER:PASSWORD  require AUTH (PLAIN, LOGIN) with these
  --fail-data REPLY     answer DATA with REPLY ("451 4.3.0 try again")
  --fail-count N        ... only for the first N messages (0: all)
  --reject-rcpt ADDR    answer RCPT TO:<ADDR> with 550 (repeatable)
  --hang                accept connections and never say a word

It never logs a password.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# aiosmtpd 1.4 warns about its own use of a deprecated attribute.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ready")
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth")
    p.add_argument("--fail-data")
    p.add_argument("--fail-count", type=int, default=0)
    p.add_argument("--reject-rcpt", action="append", default=[])
    p.add_argument("--hang", action="store_true")
    return p.parse_args()


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


class Handler:
    def __init__(self, args):
        self.args = args
        self.failed = 0
        self.n = sum(1 for f in os.listdir(args.dir) if f.endswith(".eml"))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.args.reject_rcpt:
            return "550 5.1.1 <%s>: recipient unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        a = self.args
        if a.fail_data and (a.fail_count == 0 or self.failed < a.fail_count):
            self.failed += 1
            return a.fail_data
        self.n += 1
        name = "%06d" % self.n
        user = session.auth_data if session.authenticated else None
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth": user.decode() if isinstance(user, bytes) else user,
            "tls": session.ssl is not None or a.tls is not None,
            "helo": session.host_name,
        }
        # Written aside, then renamed: a test never reads half a message.
        for ext, data in ((".json", json.dumps(meta).encode()), (".eml", envelope.original_content)):
            tmp = os.path.join(a.dir, "." + name + ext)
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, os.path.join(a.dir, name + ext))
        return "250 2.0.0 Ok: queued as %s" % name


def authenticator(want_user, want_password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == want_user
              and auth_data.password.decode() == want_password)
        return AuthResult(success=ok, handled=False, auth_data=want_user if ok else None)
    return check


async def hang(reader, writer):
    await asyncio.sleep(3600)


def main():
    a = parse_args()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Handler(a)
    kw = {"hostname": "smtp.test", "ident": "sitewatch test SMTP"}
    if a.starttls:
        kw["tls_context"] = tls_context(*a.starttls)
    if a.auth:
        user, _, password = a.auth.partition(":")
        kw["authenticator"] = authenticator(user, password)
        kw["auth_required"] = True
        kw["auth_require_tls"] = bool(a.starttls or a.tls)
    implicit = tls_context(*a.tls) if a.tls else None
    if a.hang:
        coro = asyncio.start_server(hang, "127.0.0.1", a.port)
    else:
        coro = loop.create_server(lambda: SMTP(handler, **kw), "127.0.0.1", a.port, ssl=implicit,
                                  reuse_address=True)
    server = loop.run_until_complete(coro)
    port = server.sockets[0].getsockname()[1]
    if a.ready:
        with open(a.ready + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.ready + ".tmp", a.ready)
    print(port, flush=True)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A misbehaving web server for the tests: loopback only, bounded in time.

    fault_server.py PORT [TLS_PORT]

Serves HTTP on 127.0.0.1:PORT; the request path picks the misbehaviour
(see FAULTS).  With TLS_PORT it also accepts TCP there, reads the client's
hello, sends the first bytes of a TLS record and stalls: a TLS server that
never finishes its handshake.  Prints "ready" when listening, then runs
until stdin closes or 120 s pass, whichever is first, so a test that dies
cannot leave it behind.  Every connection is held at most 60 s.
"""
import os
import socket
import sys
import threading
import time

HOLD = 60.0  # the longest any connection is kept
DEADLINE = time.monotonic() + 120.0


def send(conn, data):
    try:
        conn.sendall(data)
        return True
    except OSError:
        return False


def hold(conn, seconds=HOLD):
    """Keep the connection open and silent (reading and dropping input)."""
    conn.settimeout(0.2)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if conn.recv(65536) == b"":
                return
        except socket.timeout:
            pass
        except OSError:
            return


def head(status="200 OK", extra=b"", length=None):
    h = b"HTTP/1.1 " + status.encode() + b"\r\nContent-Type: text/html\r\nConnection: close\r\n"
    if length is not None:
        h += b"Content-Length: %d\r\n" % length
    return h + extra + b"\r\n"


def f_silent(conn, port):  # accept, read the request, never answer
    hold(conn)


def f_stall_headers(conn, port):  # the headers, then nothing
    send(conn, head(length=1000))
    hold(conn)


def f_drip(conn, port):  # one byte a second, forever
    send(conn, head())
    end = time.monotonic() + HOLD
    while time.monotonic() < end and send(conn, b"x"):
        time.sleep(1.0)


def f_endless(conn, port):  # a body that never ends, as fast as it goes
    send(conn, head())
    chunk = b"y" * 65536
    end = time.monotonic() + HOLD
    while time.monotonic() < end and send(conn, chunk):
        pass


def f_endless_100(conn, port):  # "100 Continue" ten times a second, never a final status
    end = time.monotonic() + HOLD
    while time.monotonic() < end and send(conn, b"HTTP/1.1 100 Continue\r\n\r\n"):
        time.sleep(0.1)


def f_longer(conn, port):  # more body than Content-Length announces
    send(conn, head(length=10) + b"0123456789" + b"EXTRA" * 20000)
    hold(conn, 2)


def f_shorter(conn, port):  # less body than announced, then close
    send(conn, head(length=100000) + b"z" * 1000)


def f_garbage(conn, port):  # not HTTP at all
    send(conn, b"\x00\x01garbage\xff\xfe not a status line\r\n\r\n")


def f_reset(conn, port):  # reset mid-body (RST, not FIN)
    send(conn, head(length=100000) + b"r" * 5000)
    time.sleep(0.1)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def f_many_headers(conn, port):  # 10,000 header lines
    extra = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"v" * 40) for i in range(10000))
    send(conn, head(extra=extra, length=2) + b"ok")


def f_huge_header(conn, port):  # one header line of 1 MB
    send(conn, head(extra=b"X-Huge: " + b"h" * (1024 * 1024) + b"\r\n", length=2) + b"ok")


def f_cred_redirect(conn, port):  # a redirect to a URL with a password in it
    send(conn, head("302 Found", b"Location: http://joe:hunter2@127.0.0.1:%d/nul-header\r\n" % port, 0))


def f_punct_redirect(conn, port):  # the same, the password full of punctuation
    send(conn, head("302 Found", b"Location: http://joe:Ik1'Jk2\"Kk3<Lk4>Mk5@127.0.0.1:%d/nul-header\r\n" % port, 0))


def f_loop(conn, port):  # a redirect to itself, forever
    send(conn, head("302 Found", b"Location: http://127.0.0.1:%d/loop\r\n" % port, 0))


def f_binary(conn, port):  # invalid UTF-8, NUL and control bytes in the body and headers
    body = b"<p>caf\xe9 \x00\x00 \xff\xfe\xc3\x28 Python</p>"
    extra = b"X-Bin: a\xff\xfe\xc3\x28b\r\nX-Ctl: \x1b[31mred\x07\r\n"
    send(conn, head(extra=extra, length=len(body)) + body)


def f_nul_header(conn, port):  # a NUL byte inside a header line
    send(conn, head(extra=b"X-Nul: a\x00b\r\n", length=2) + b"ok")


def f_binary_status(conn, port):  # a reason phrase with invalid UTF-8 and a 500
    body = b"no"
    send(conn, b"HTTP/1.1 500 Bad \xff\xfe\x01 day\r\nContent-Length: 2\r\nConnection: close\r\n\r\n" + body)


FAULTS = {
    "/silent": f_silent,
    "/stall-headers": f_stall_headers,
    "/drip": f_drip,
    "/endless": f_endless,
    "/endless-100": f_endless_100,
    "/longer": f_longer,
    "/shorter": f_shorter,
    "/garbage": f_garbage,
    "/reset": f_reset,
    "/many-headers": f_many_headers,
    "/huge-header": f_huge_header,
    "/loop": f_loop,
    "/binary": f_binary,
    "/binary-status": f_binary_status,
    "/nul-header": f_nul_header,
    "/cred-redirect": f_cred_redirect,
    "/punct-redirect": f_punct_redirect,
}


def read_request(conn):
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        try:
            got = conn.recv(4096)
        except OSError:
            return None
        if not got:
            return None
        data += got
    try:
        return data.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
    except IndexError:
        return None


def serve_http(conn, port):
    with conn:
        path = read_request(conn)
        fault = FAULTS.get(path)
        if fault:
            fault(conn, port)
        else:
            send(conn, head("404 Not Found", length=0))


def serve_tls_stall(conn, port):
    with conn:
        conn.settimeout(5)
        try:
            conn.recv(65536)  # the ClientHello
        except OSError:
            return
        # A handshake record header announcing 100 bytes, then nothing.
        send(conn, b"\x16\x03\x03\x00\x64\x02")
        hold(conn)


def listen(port, handler):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(256)

    def loop():
        while True:
            conn, _ = s.accept()
            threading.Thread(target=handler, args=(conn, port), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def main():
    listen(int(sys.argv[1]), serve_http)
    if len(sys.argv) > 2:
        listen(int(sys.argv[2]), serve_tls_stall)
    # One write: with PYTHONUNBUFFERED set, print() writes "ready" and the
    # newline apart, and the test may close its end in between (EPIPE).
    try:
        os.write(1, b"ready\n")
    except OSError:
        pass

    def watch_stdin():
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    while time.monotonic() < DEADLINE:
        time.sleep(0.5)
    os._exit(0)


if __name__ == "__main__":
    main()

/* SPDX-License-Identifier: MIT
 * The xmpp notify plugin against Debian's real prosody on loopback,
 * through `sitewatch notify-test`: prosody runs from a config of the
 * test's own in a temp folder (c2s on a free port, STARTTLS with a
 * certificate from tests/tls/make-certs, the accounts sitewatch and ops
 * written into its internal_plain store), and a receiving client in this
 * process (libstrophe on a thread) is logged in as ops and gets the
 * message.  Then every way a delivery fails, each said in words with the
 * password in none of them: a wrong password, an untrusted, a
 * self-signed, a misnamed and an expired certificate, no STARTTLS, an
 * unknown domain, a recipient who cannot receive, nobody listening, a
 * server that never answers; through the daemon, a DOWN that reaches
 * ops, and SIGTERM while a delivery hangs (the daemon stops at once, the
 * message stays in the outbox); and the configuration errors and the
 * shipped example. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <strophe.h>

#include "support.h"

#define PASSWORD    "s3cret-Xmpp-Pa55"
#define OPS_PASS    "ops-Pa55"
#define RX_MESSAGES 8

/* tests/tls/make-certs, once for the suite. */
static char *certs;

static void rm_dir(char *dir)
{
    t_rmtree(dir);
    free(dir);
}

/* ---- prosody ---- */

struct prosody {
    char *dir;
    int port;
    pid_t pid;
};

/* An internal_plain account: what prosodyctl register writes, without
 * starting Lua once more for each. */
static void prosody_account(const struct prosody *p, const char *user, const char *pw)
{
    char name[64];
    snprintf(name, sizeof name, "data/localhost/accounts/%s.dat", user);
    free(t_write(p->dir, name, "return {\n\t[\"password\"] = \"%s\";\n};\n", pw));
}

/* Prosody on 127.0.0.1 and a free port, serving localhost with the
 * certificate NAME (make-certs' valid, self, other), STARTTLS offered
 * and required unless TLS is 0; returns once it accepts connections. */
static void prosody_start(struct prosody *p, const char *name, int tls)
{
    p->dir = t_tmpdir();
    p->port = t_free_port();
    char path[600];
    snprintf(path, sizeof path, "%s/data/localhost/accounts", p->dir);
    char *argv_mk[] = {"mkdir", "-p", path, NULL};
    struct t_out mk = t_run(argv_mk, 10);
    t_out_free(&mk);
    prosody_account(p, "sitewatch", PASSWORD);
    prosody_account(p, "ops", OPS_PASS);
    /* run_as_root: prosody would switch to its own user, who cannot read
     * this folder (the tests may run as root). */
    char *cfg = t_write(
        p->dir, "prosody.cfg.lua",
        "run_as_root = true\n"
        "pidfile = \"%1$s/prosody.pid\"\n"
        "data_path = \"%1$s/data\"\n"
        "log = { { levels = { min = \"info\" }, to = \"file\", filename = \"%1$s/prosody.log\" } }\n"
        "interfaces = { \"127.0.0.1\" }\n"
        "c2s_ports = { %2$d }\n"
        "s2s_ports = { }\n"
        "http_ports = { }\n"
        "https_ports = { }\n"
        "modules_enabled = { \"roster\", \"saslauth\", %3$s\"disco\", \"ping\" }\n"
        "modules_disabled = { \"s2s\", \"offline\" }\n"
        "authentication = \"internal_plain\"\n"
        "storage = \"internal\"\n"
        "c2s_require_encryption = %4$s\n"
        "allow_unencrypted_plain_auth = %5$s\n"
        "ssl = { certificate = \"%6$s/%7$s.pem\", key = \"%6$s/%7$s.key\" }\n"
        "VirtualHost \"localhost\"\n",
        p->dir, p->port, tls ? "\"tls\", " : "", tls ? "true" : "false", tls ? "false" : "true", certs, name);
    char log[600];
    snprintf(log, sizeof log, "%s/prosody.out", p->dir);
    p->pid = fork();
    if (p->pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execl("/usr/bin/prosody", "prosody", "--config", cfg, (char *)NULL);
        _exit(127);
    }
    free(cfg);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 1500; i++) { /* Lua takes a while under load */
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int up = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
        close(s);
        if (up)
            return;
        if (waitpid(p->pid, NULL, WNOHANG) == p->pid)
            break;
        t_msleep(10);
    }
    char *out = t_read(log);
    snprintf(log, sizeof log, "%s/prosody.log", p->dir);
    char *plog = t_read(log);
    ck_abort_msg("prosody did not start:\n%s\n%s", out, plog);
}

static void prosody_stop(struct prosody *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        t_wait(p->pid, 10);
        p->pid = 0;
    }
    if (p->dir)
        rm_dir(p->dir);
    p->dir = NULL;
}

/* ---- the receiving client: ops, on a thread ---- */

struct rx {
    int port;
    pthread_t thread;
    pthread_mutex_t mu;
    atomic_int stop, online, failed;
    int n;
    char *from[RX_MESSAGES], *body[RX_MESSAGES];
};

static int rx_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    (void)conn;
    struct rx *r = ud;
    xmpp_stanza_t *b = xmpp_stanza_get_child_by_name(st, "body");
    char *text = b ? xmpp_stanza_get_text(b) : NULL;
    pthread_mutex_lock(&r->mu);
    if (text && r->n < RX_MESSAGES) {
        r->from[r->n] = strdup(xmpp_stanza_get_from(st) ? xmpp_stanza_get_from(st) : "");
        r->body[r->n++] = strdup(text);
    }
    pthread_mutex_unlock(&r->mu);
    if (text)
        xmpp_free(xmpp_conn_get_context(conn), text);
    return 1;
}

/* The answer to a ping sent after the presence: the server has made ops
 * available, so a chat message to ops@localhost reaches this client. */
static int rx_pong(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    (void)conn;
    (void)st;
    atomic_store(&((struct rx *)ud)->online, 1);
    return 0;
}

static void rx_event(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error, xmpp_stream_error_t *se, void *ud)
{
    (void)error;
    (void)se;
    struct rx *r = ud;
    if (ev != XMPP_CONN_CONNECT) {
        atomic_store(&r->failed, 1);
        return;
    }
    xmpp_ctx_t *ctx = xmpp_conn_get_context(conn);
    xmpp_handler_add(conn, rx_message, NULL, "message", NULL, r);
    xmpp_stanza_t *pres = xmpp_presence_new(ctx);
    xmpp_send(conn, pres);
    xmpp_stanza_release(pres);
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, "get", "rx-ping"), *ping = xmpp_stanza_new(ctx);
    xmpp_stanza_set_to(iq, "localhost");
    xmpp_stanza_set_name(ping, "ping");
    xmpp_stanza_set_ns(ping, "urn:xmpp:ping");
    xmpp_stanza_add_child(iq, ping);
    xmpp_stanza_release(ping);
    xmpp_id_handler_add(conn, rx_pong, "rx-ping", r);
    xmpp_send(conn, iq);
    xmpp_stanza_release(iq);
}

static void *rx_main(void *ud)
{
    struct rx *r = ud;
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_conn_t *conn = xmpp_conn_new(ctx);
    char ca[600];
    snprintf(ca, sizeof ca, "%s/ca.pem", certs);
    xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_MANDATORY_TLS | XMPP_CONN_FLAG_DISABLE_SM);
    xmpp_conn_set_jid(conn, "ops@localhost/rx");
    xmpp_conn_set_pass(conn, OPS_PASS);
    xmpp_conn_set_cafile(conn, ca);
    if (xmpp_connect_client(conn, "127.0.0.1", (unsigned short)r->port, rx_event, r) != 0)
        atomic_store(&r->failed, 1);
    while (!atomic_load(&r->stop) && !atomic_load(&r->failed))
        xmpp_run_once(ctx, 50);
    xmpp_disconnect(conn);
    for (int i = 0; i < 40 && !xmpp_conn_is_disconnected(conn); i++)
        xmpp_run_once(ctx, 50);
    xmpp_conn_release(conn);
    xmpp_ctx_free(ctx);
    return NULL;
}

static void rx_start(struct rx *r, int port)
{
    memset(r, 0, sizeof *r);
    r->port = port;
    pthread_mutex_init(&r->mu, NULL);
    ck_assert_int_eq(pthread_create(&r->thread, NULL, rx_main, r), 0);
    for (int i = 0; i < 1000 && !atomic_load(&r->online) && !atomic_load(&r->failed); i++)
        t_msleep(10);
    ck_assert_msg(atomic_load(&r->online), "the receiving client did not log in as ops");
}

/* At least N messages within TIMEOUT_MS: 0, or -1. */
static int rx_wait(struct rx *r, int n, int timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        pthread_mutex_lock(&r->mu);
        int have = r->n;
        pthread_mutex_unlock(&r->mu);
        if (have >= n)
            return 0;
        if (waited >= timeout_ms)
            return -1;
        t_msleep(10);
    }
}

static void rx_stop(struct rx *r)
{
    atomic_store(&r->stop, 1);
    pthread_join(r->thread, NULL);
    for (int i = 0; i < r->n; i++) {
        free(r->from[i]);
        free(r->body[i]);
    }
    pthread_mutex_destroy(&r->mu);
}

/* ---- notify-test ---- */

/* `notify-test chat` with [notify chat] of plugin xmpp: KEYS are its
 * lines after plugin = xmpp and password_file (holding PW). */
static struct t_out notify_test(const char *keys, const char *pw)
{
    char *dir = t_conf_dir(NULL, NULL);
    char *pwf = t_write(dir, "xmpp.pass", "%s\n", pw);
    chmod(pwf, 0600);
    free(t_write(dir, "notify.ini", "[notify chat]\nplugin = xmpp\npassword_file = %s\n%s", pwf, keys));
    struct t_out o = t_sitewatch(dir, "notify-test", "chat", NULL);
    free(pwf);
    rm_dir(dir);
    return o;
}

/* The keys that reach the test's prosody on PORT, trusting the tests' CA. */
static void good_keys(char *keys, size_t n, int port)
{
    snprintf(keys, n,
             "jid = sitewatch@localhost\nto = ops@localhost\nserver = 127.0.0.1\nport = %d\n"
             "ca_file = %s/ca.pem\n",
             port, certs);
}

static void no_password(const struct t_out *o)
{
    ck_assert_msg(!strstr(o->out, PASSWORD) && !strstr(o->err, PASSWORD), "the password is said:\n%s%s",
                  o->out, o->err);
    ck_assert_msg(!strstr(o->out, "wrong-") && !strstr(o->err, "wrong-"), "the password is said:\n%s%s",
                  o->out, o->err);
}

/* Prosody with the valid certificate, ops logged in, then notify-test
 * with the keys that reach it plus MORE. */
static struct t_out deliver(struct prosody *p, struct rx *r, const char *more)
{
    prosody_start(p, "valid", 1);
    rx_start(r, p->port);
    char keys[1024];
    good_keys(keys, sizeof keys, p->port);
    strncat(keys, more, sizeof keys - strlen(keys) - 1);
    struct t_out o = notify_test(keys, PASSWORD);
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    T_HAS(o.out, "chat: delivered: localhost confirmed it for ops@localhost (sent as sitewatch@localhost/");
    no_password(&o);
    ck_assert_msg(rx_wait(r, 1, 5000) == 0, "ops got no message");
    return o;
}

START_TEST(delivers_to_ops)
{
    struct prosody p = {0};
    struct rx r;
    struct t_out o = deliver(&p, &r, "");
    t_msleep(200);
    pthread_mutex_lock(&r.mu);
    ck_assert_int_eq(r.n, 1);
    ck_assert_msg(strncmp(r.from[0], "sitewatch@localhost/", 20) == 0, "from %s", r.from[0]);
    /* The body: the core's subject, a blank line, its text. */
    const char *b = r.body[0], *nl = strchr(b, '\n');
    ck_assert_msg(strncmp(b, "[sitewatch] ", 12) == 0 && strstr(b, "TEST") && nl && nl[1] == '\n', "body: %s",
                  b);
    T_HAS(nl + 2, "through notifier chat (notify-test)");
    pthread_mutex_unlock(&r.mu);
    t_out_free(&o);
    rx_stop(&r);
    prosody_stop(&p);
}
END_TEST

/* Two recipients, one who cannot receive: ops gets it, the other is
 * named as refused, and that counts as delivered (as a mail would). */
START_TEST(one_recipient_refused)
{
    struct prosody p = {0};
    struct rx r;
    struct t_out o = deliver(&p, &r, "to = nobody@localhost\n");
    T_HAS(o.out, "; refused: nobody@localhost (service-unavailable)\n");
    t_out_free(&o);
    rx_stop(&r);
    prosody_stop(&p);
}
END_TEST

/* A server with a self-signed certificate: refused like any untrusted
 * one, and trusted when ca_file is that certificate itself. */
START_TEST(self_signed_needs_ca_file)
{
    struct prosody p = {0};
    prosody_start(&p, "self", 1);
    char keys[1024], want[512];
    snprintf(keys, sizeof keys,
             "jid = sitewatch@localhost\nto = ops@localhost\nserver = 127.0.0.1\nport = %d\n", p.port);
    struct t_out o = notify_test(keys, PASSWORD);
    ck_assert_msg(o.status == 1, "exit %d\n%s%s", o.status, o.out, o.err);
    snprintf(
        want, sizeof want,
        "chat: not delivered: TLS with 127.0.0.1:%d: the certificate was refused: self-signed certificate",
        p.port);
    T_HAS(o.out, want);
    t_out_free(&o);

    size_t n = strlen(keys);
    snprintf(keys + n, sizeof keys - n, "ca_file = %s/self.pem\nto = nobody@localhost\n", certs);
    o = notify_test(keys, PASSWORD);
    /* Past TLS and the login: the server refuses nobody, and ops is not
     * online (the receiver would not trust this server either). */
    T_HAS(o.out, "chat: not delivered: every recipient refused: ops@localhost (service-unavailable), "
                 "nobody@localhost (service-unavailable)");
    t_out_free(&o);
    prosody_stop(&p);
}
END_TEST

struct failure {
    const char *name;
    const char *cert; /* make-certs' name, NULL: nobody listens, "hang": a socket that never answers */
    int tls;
    const char *keys; /* %1$d the port, %2$s the certificates' folder */
    const char *pw;
    const char *want; /* in "chat: not delivered: ..." */
};

static const struct failure failures[] = {
    {"wrong password", "valid", 1,
     "jid = sitewatch@localhost\nto = ops@localhost\nserver = 127.0.0.1\nport = %1$d\nca_file = "
     "%2$s/ca.pem\n",
     "wrong-" PASSWORD,
     "chat: not delivered: authentication failed: 127.0.0.1:%1$d refused the password of sitewatch@localhost "
     "(SASL SCRAM-"},
    {"untrusted certificate", "valid", 1,
     "jid = sitewatch@localhost\nto = ops@localhost\nserver = 127.0.0.1\nport = %1$d\n", PASSWORD,
     "chat: not delivered: TLS with 127.0.0.1:%1$d: the certificate was refused: unable to get local issuer "
     "certificate (it must name localhost and chain to a CA of the system or of ca_file)"},
    {"certificate for another name", "other", 1,
     "jid = sitewatch@localhost\nto = ops@localhost\nserver = 127.0.0.1\nport = %1$d\nca_file = "
     "%2$s/ca.pem\n",
     PASSWORD,
     "chat: not delivered: TLS with 127.0.0.1:%1$d: the certificate was refused: hostname mismatch"},
    {"an expired certificate", "expired", 1,
     "jid = sitewatch@localhost\nto = ops@localhost\nserver = 127.0.0.1\nport = %1$d\nca_file = "
     "%2$s/ca.pem\n",
     PASSWORD,
     "chat: not delivered: TLS with 127.0.0.1:%1$d: the certificate was refused: certificate has expired"},
    {"no STARTTLS offered", "valid", 0,
     "jid = sitewatch@localhost\nto = ops@localhost\nserver = 127.0.0.1\nport = %1$d\nca_file = "
     "%2$s/ca.pem\n",
     PASSWORD,
     "chat: not delivered: 127.0.0.1:%1$d does not offer STARTTLS, and nothing is sent without TLS"},
    {"a domain the server does not serve", "valid", 1,
     "jid = sitewatch@other.example\nto = ops@localhost\nserver = 127.0.0.1\nport = %1$d\n"
     "ca_file = %2$s/ca.pem\n",
     PASSWORD, "chat: not delivered: 127.0.0.1:%1$d closed the stream: host-unknown"},
    {"no recipient can receive", "valid", 1,
     "jid = sitewatch@localhost\nto = nobody@localhost\nserver = 127.0.0.1\nport = %1$d\nca_file = "
     "%2$s/ca.pem\n",
     PASSWORD, "chat: not delivered: every recipient refused: nobody@localhost (service-unavailable)"},
    {"nobody listening", NULL, 1,
     "jid = sitewatch@localhost\nto = ops@localhost\nserver = 127.0.0.1\nport = %1$d\nca_file = "
     "%2$s/ca.pem\n",
     PASSWORD, "chat: not delivered: connection refused by 127.0.0.1:%1$d"},
    {"no answer", "hang", 1,
     "jid = sitewatch@localhost\nto = ops@localhost\nserver = 127.0.0.1\nport = %1$d\nca_file = %2$s/ca.pem\n"
     "timeout = 1s\n",
     PASSWORD, "chat: not delivered: timed out after 1 s logging in (TLS, SASL) at 127.0.0.1:%1$d"},
};

/* A socket that takes connections (the kernel's backlog) and never says
 * a word; its port. */
static int silent_listener(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ck_assert(bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 4) == 0 &&
              getsockname(s, (struct sockaddr *)&a, &len) == 0);
    *port = ntohs(a.sin_port);
    return s;
}

START_TEST(failure_said_in_words)
{
    const struct failure *f = &failures[_i];
    struct prosody p = {0};
    int port, hang = -1;
    if (!f->cert)
        port = t_free_port();
    else if (strcmp(f->cert, "hang") == 0)
        hang = silent_listener(&port);
    else
        prosody_start(&p, f->cert, f->tls), port = p.port;
    char keys[2048], want[512];
    snprintf(keys, sizeof keys, f->keys, port, certs);
    snprintf(want, sizeof want, f->want, port);
    struct t_out o = notify_test(keys, f->pw);
    ck_assert_msg(o.status == 1, "%s: exit %d\n%s%s", f->name, o.status, o.out, o.err);
    T_HAS(o.out, want);
    no_password(&o);
    t_out_free(&o);
    if (hang >= 0)
        close(hang);
    prosody_stop(&p);
}
END_TEST

/* ---- through the daemon ---- */

/* A daemon's folder: one site on a port nobody listens on (every check
 * fails), DOWN after one result, told at once to [notify chat] with KEYS
 * (after plugin and password_file); its log file's path in *LOG. */
static char *daemon_dir(const char *keys, char **log)
{
    char *dir = t_tmpdir(), *pwf = t_write(dir, "xmpp.pass", "%s\n", PASSWORD);
    chmod(pwf, 0600);
    free(t_write(dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\nstate = %s/state.db\nnotify = chat\n"
                 "alert_after = 1\n",
                 t_plugin_dir(), dir));
    free(t_write(dir, "notify.ini", "[notify chat]\nplugin = xmpp\npassword_file = %s\ngroup_wait = 0\n%s",
                 pwf, keys));
    free(t_write(dir, "sites.ini", "[site shop]\nurl = http://127.0.0.1:%d/\nchecks = http\ninterval = 1s\n",
                 t_free_port()));
    free(pwf);
    *log = malloc(strlen(dir) + 16);
    sprintf(*log, "%s/daemon.log", dir);
    return dir;
}

/* A site goes DOWN: ops gets the DOWN with the reason, and the daemon
 * stops cleanly. */
START_TEST(down_reaches_ops)
{
    struct prosody p = {0};
    prosody_start(&p, "valid", 1);
    struct rx r;
    rx_start(&r, p.port);
    char keys[1024], *log;
    good_keys(keys, sizeof keys, p.port);
    char *dir = daemon_dir(keys, &log);
    pid_t pid = t_sitewatch_bg(dir, log, "run", NULL);
    ck_assert_msg(rx_wait(&r, 1, 20000) == 0, "ops got no DOWN:\n%s", t_read(log));
    pthread_mutex_lock(&r.mu);
    ck_assert_msg(strncmp(r.body[0], "[sitewatch] DOWN shop http", 26) == 0, "body: %s", r.body[0]);
    ck_assert_msg(strstr(r.body[0], "\n\n") != NULL, "body: %s", r.body[0]);
    pthread_mutex_unlock(&r.mu);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 0);
    char *text = t_read(log);
    ck_assert_msg(!strstr(text, PASSWORD), "the password is in the log:\n%s", text);
    free(text);
    free(log);
    rm_dir(dir);
    rx_stop(&r);
    prosody_stop(&p);
}
END_TEST

/* SIGTERM while a delivery hangs (a server that never answers, a 60 s
 * timeout): the daemon cancels it and exits at once, the thread joined. */
START_TEST(sigterm_while_a_delivery_hangs)
{
    int port, hang = silent_listener(&port);
    char keys[1024], *log;
    snprintf(keys, sizeof keys,
             "jid = sitewatch@localhost\nto = ops@localhost\nserver = 127.0.0.1\nport = %d\ntimeout = 60s\n",
             port);
    char *dir = daemon_dir(keys, &log);
    pid_t pid = t_sitewatch_bg(dir, log, "run", NULL);
    /* The first result, its DOWN, the delivery under way: the plugin's
     * connection waits in the backlog. */
    struct pollfd pfd = {.fd = hang, .events = POLLIN};
    ck_assert_msg(poll(&pfd, 1, 30000) == 1, "the plugin never connected:\n%s", t_read(log));
    t_msleep(300);
    kill(pid, SIGTERM);
    ck_assert_msg(t_wait(pid, 10) == 0, "the daemon did not stop within 10 s:\n%s", t_read(log));
    /* The DOWN, not delivered, still waits in the outbox for the next
     * start. */
    struct t_out o = t_sitewatch(dir, "alerts", "--format", "json", NULL);
    T_HAS(o.out, "{\"outbox\":\"chat\",\"waiting\":1,");
    t_out_free(&o);
    free(log);
    rm_dir(dir);
    close(hang);
}
END_TEST

/* ---- configuration ---- */

#define NOTIFY  "[notify chat]\nplugin = xmpp\n"
#define GOOD_PW "password_file = /etc/hostname\n"

struct conf_error {
    const char *ini, *want;
};

static const struct conf_error conf_errors[] = {
    {NOTIFY GOOD_PW "to = ops@example.org\n", "jid is missing"},
    {NOTIFY "jid = sw@example.org\nto = ops@example.org\n", "password_file is missing"},
    {NOTIFY GOOD_PW "jid = sw@example.org\n", "to is missing"},
    {NOTIFY GOOD_PW "jid = example.org\nto = ops@example.org\n",
     "jid = \"example.org\": expected a JID: name@example.org, optionally with a /resource"},
    {NOTIFY GOOD_PW "jid = sw@\nto = ops@example.org\n", "jid = \"sw@\": expected a JID"},
    {NOTIFY GOOD_PW "jid = sw@example.org/\nto = ops@example.org\n",
     "jid = \"sw@example.org/\": expected a JID"},
    {NOTIFY GOOD_PW "jid = sw@example.org\nto = ops@example.org, dev team@example.org\n",
     "a.ini:5: in [notify chat], to = \"ops@example.org, dev team@example.org\": expected a JID"},
    {NOTIFY GOOD_PW "jid = sw@example.org\nto = ops@example.org\nto = a@b@c\n",
     "a.ini:6: in [notify chat], to = \"a@b@c\": expected a JID"},
    {NOTIFY GOOD_PW "jid = sw@example.org\nto = ops@example.org\nserver = xmpp.example.org:5222\n",
     "server = \"xmpp.example.org:5222\": expected a host name or an address, without a port (that is port)"},
    {NOTIFY GOOD_PW "jid = sw@example.org\nto = ops@example.org\nserver = xmpp://xmpp.example.org\n",
     "server = \"xmpp://xmpp.example.org\": expected a host name or an address"},
    {NOTIFY GOOD_PW "jid = sw@example.org\nto = ops@example.org\nport = 70000\n", "port = \"70000\""},
    {NOTIFY GOOD_PW "jid = sw@example.org\nto = ops@example.org\nport = 0\n", "port = \"0\""},
    {NOTIFY GOOD_PW "jid = sw@example.org\nto = ops@example.org\nca_file = /nonexistent/ca.pem\n",
     "ca_file = \"/nonexistent/ca.pem\": expected a PEM file sitewatch can read"},
    {NOTIFY "jid = sw@example.org\nto = ops@example.org\npassword_file = /nonexistent/xmpp.pass\n",
     "password_file = \"/nonexistent/xmpp.pass\": expected a file sitewatch can read (No such file or "
     "directory)"},
    {NOTIFY "jid = sw@example.org\nto = ops@example.org\npassword_file = /dev/null\n",
     "password_file = \"/dev/null\": expected a file sitewatch can read (not a regular file)"},
    {NOTIFY GOOD_PW "jid = sw@example.org\nto = ops@example.org\nstarttls = no\n", "starttls"},
};

START_TEST(config_errors)
{
    const char *want[] = {conf_errors[_i].want};
    t_validate_errors(conf_errors[_i].ini, want, 1);
}
END_TEST

/* Addresses in either form validate: [::1], ::1, a name. */
START_TEST(server_forms_validate)
{
    const char *forms[] = {"[::1]", "::1", "127.0.0.1", "xmpp.example.org"};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        char *dir = t_conf_dir(NULL, NULL);
        free(t_write(dir, "a.ini", NOTIFY GOOD_PW "jid = sw@example.org\nto = ops@example.org\nserver = %s\n",
                     forms[i]));
        struct t_out o = t_sitewatch(dir, "validate", NULL);
        ck_assert_msg(o.status == 0, "server = %s: exit %d\n%s", forms[i], o.status, o.err);
        t_out_free(&o);
        rm_dir(dir);
    }
}
END_TEST

/* The shipped example loads and validates once its password file is
 * there: the one thing in it that has to exist. */
START_TEST(shipped_example_validates)
{
    char path[700];
    snprintf(path, sizeof path, "%s/conf.d/examples/notify-xmpp.ini", t_source_root());
    char *text = t_read(path), *at = text ? strstr(text, "/etc/sitewatch/xmpp.pass") : NULL;
    ck_assert_msg(at != NULL, "no password_file = /etc/sitewatch/xmpp.pass in %s", path);
    char *dir = t_conf_dir(NULL, NULL), *pw = t_write(dir, "xmpp.pass", "x\n");
    chmod(pw, 0600);
    free(t_write(dir, "notify-xmpp.ini", "%.*s%s%s", (int)(at - text), text, pw,
                 at + strlen("/etc/sitewatch/xmpp.pass")));
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    t_out_free(&o);
    free(pw);
    free(text);
    rm_dir(dir);
}
END_TEST

START_TEST(keys_declared)
{
    const char *want[] = {"\"jid\"", "\"password_file\"", "\"to\"", "\"server\"", "\"port\"", "\"ca_file\""};
    t_plugin_declares("xmpp", want, sizeof want / sizeof *want);
}
END_TEST

/* ---- the suite ---- */

static void suite_setup(void)
{
    certs = t_tmpdir();
    char script[512];
    snprintf(script, sizeof script, "%s/tests/tls/make-certs", t_source_root());
    char *argv[] = {"sh", script, certs, NULL};
    struct t_out mk = t_run(argv, 60);
    if (mk.status != 0) {
        fprintf(stderr, "make-certs failed:\n%s%s", mk.out, mk.err);
        exit(99);
    }
    t_out_free(&mk);
    xmpp_initialize();
}

static void suite_teardown(void)
{
    xmpp_shutdown();
    rm_dir(certs);
}

int main(void)
{
    Suite *s = suite_create("xmpp");
    TCase *tc = tcase_create("deliver");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
    tcase_add_test(tc, delivers_to_ops);
    tcase_add_test(tc, one_recipient_refused);
    tcase_add_test(tc, self_signed_needs_ca_file);
    tcase_add_loop_test(tc, failure_said_in_words, 0, sizeof failures / sizeof *failures);
    tcase_add_test(tc, down_reaches_ops);
    tcase_add_test(tc, sigterm_while_a_delivery_hangs);
    suite_add_tcase(s, tc);
    TCase *conf = tcase_create("config");
    tcase_add_loop_test(conf, config_errors, 0, sizeof conf_errors / sizeof *conf_errors);
    tcase_add_test(conf, server_forms_validate);
    tcase_add_test(conf, shipped_example_validates);
    tcase_add_test(conf, keys_declared);
    suite_add_tcase(s, conf);
    return t_run_suite(s, 0);
}

/* SPDX-License-Identifier: MIT
 * The email notify plugin against a real mail server on loopback
 * (tests/smtp_server.py, aiosmtpd), through `sitewatch notify-test`:
 * plain SMTP, STARTTLS with the tests' CA and AUTH with a password file,
 * smtps://, and every way a delivery fails (no STARTTLS offered, a wrong
 * password, an untrusted certificate, a temporary failure, a refused
 * recipient, nobody listening, a server that never answers), each said in
 * words, the password in none of them; then the configuration errors, and
 * the message itself (plugins/email/mail.c, linked in): headers, encoded
 * words, quoted-printable lines; and alerts by mail end to end, the
 * daemon checking an nginx the test flips: one DOWN mail, one UP mail,
 * the mail server away for 20 s, 300 sites failing at once. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "mail.h"
#include "support.h"

/* tests/tls/make-certs, once for the suite; the localhost certificate and
 * its key, for the server. */
static char *certs, cert[512], key[512];

#define PASSWORD "s3cret-Pa55word"

/* ---- helpers ---- */

static void make_certs(void)
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
    snprintf(cert, sizeof cert, "%s/valid.pem", certs);
    snprintf(key, sizeof key, "%s/valid.key", certs);
}

static void rm_dir(char *dir)
{
    t_rmtree(dir);
    free(dir);
}

/* `notify-test mail` in a new config folder with [notify mail] of plugin
 * email: KEYS are its lines after plugin = email. */
static struct t_out notify_test(const char *keys)
{
    char *dir = t_conf_dir(NULL, NULL);
    free(t_write(dir, "notify.ini", "[notify mail]\nplugin = email\n%s", keys));
    struct t_out o = t_sitewatch(dir, "notify-test", "mail", NULL);
    rm_dir(dir);
    return o;
}

/* A password file in DIR holding PW, mode 0600; its path (free it). */
static char *password_file(const char *dir, const char *pw)
{
    char *p = t_write(dir, "smtp.pass", "%s\n", pw);
    chmod(p, 0600);
    return p;
}

/* The server started with ARGS, or the test fails. */
static void smtp_start(struct t_smtp *s, const char *const *args)
{
    ck_assert_msg(t_smtp_start(s, args) == 0, "the test mail server did not start");
}

/* Quoted-printable back to text, soft breaks joined, CRLF kept. */
static char *qp_decode(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    while (*s) {
        if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
            s += 3;
        } else if (s[0] == '=' && s[1] && s[2]) {
            char hex[3] = {s[1], s[2], 0};
            *o++ = (char)strtol(hex, NULL, 16);
            s += 3;
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
    return out;
}

/* Every line of MAIL ends in CRLF and has at most MAX characters. */
static void lines_ok(const char *mail, size_t max)
{
    for (const char *p = mail; *p;) {
        const char *nl = strchr(p, '\n');
        ck_assert_msg(nl, "the mail does not end in CRLF: %s", p);
        ck_assert_msg(nl > p && nl[-1] == '\r', "a bare LF in the mail:\n%s", mail);
        ck_assert_msg((size_t)(nl - 1 - p) <= max, "a line of %zu characters:\n%.*s", (size_t)(nl - 1 - p),
                      (int)(nl - p), p);
        p = nl + 1;
    }
}

/* The value of header NAME in MAIL (unfolded), or NULL. */
static char *header(const char *mail, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = mail; *p && strncmp(p, "\r\n", 2) != 0;) {
        const char *end = strstr(p, "\r\n");
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1 + (p[n + 1] == ' ');
            char *out = calloc(1, strlen(v) + 1), *o = out;
            for (;;) {
                const char *e = strstr(v, "\r\n");
                memcpy(o, v, (size_t)(e - v));
                o += e - v;
                if (e[2] != ' ' && e[2] != '\t')
                    break;
                v = e + 2;
            }
            return out;
        }
        p = end + 2;
    }
    return NULL;
}

/* ---- deliveries ---- */

START_TEST(plain_smtp_delivers)
{
    struct t_smtp s = {0};
    smtp_start(&s, NULL);
    char keys[1024];
    snprintf(keys, sizeof keys,
             "smtp_url = smtp://127.0.0.1:%d\nstarttls = no\nfrom = Sitewatch <sitewatch@example.org>\n"
             "to = ops@example.org\nto = \"Dev Team\" <dev@example.org>, second@example.org\n",
             s.port);
    struct t_out o = notify_test(keys);
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    T_HAS(o.out, "mail: delivered: 250 2.0.0 Ok: queued as 000001\n");
    ck_assert_int_eq(t_smtp_count(&s), 1);

    char *env = t_smtp_mail(&s, 1, "json"), *mail = t_smtp_mail(&s, 1, "eml");
    T_HAS(env, "\"mail_from\": \"sitewatch@example.org\"");
    T_HAS(env, "\"rcpt_tos\": [\"ops@example.org\", \"dev@example.org\", \"second@example.org\"]");
    T_HAS(env, "\"tls\": false");
    lines_ok(mail, 78);
    char *h = header(mail, "Date");
    char wd[8], mon[8], zone[8];
    int day, year, hh, mm, ss;
    ck_assert_msg(
        h && sscanf(h, "%3s, %2d %3s %4d %2d:%2d:%2d %5s", wd, &day, mon, &year, &hh, &mm, &ss, zone) == 8 &&
            strcmp(zone, "+0000") == 0 && strlen(h) == 31,
        "Date: %s", h);
    free(h);
    h = header(mail, "Message-ID");
    ck_assert_msg(h && strncmp(h, "<test.", 6) == 0 && strstr(h, "@example.org>"), "Message-ID: %s", h);
    free(h);
    h = header(mail, "From");
    ck_assert_str_eq(h, "\"Sitewatch\" <sitewatch@example.org>");
    free(h);
    h = header(mail, "To");
    ck_assert_str_eq(h, "<ops@example.org>, \"Dev Team\" <dev@example.org>, <second@example.org>");
    free(h);
    h = header(mail, "Subject");
    ck_assert_msg(h && strstr(h, "sitewatch") && strstr(h, "TEST"), "Subject: %s", h);
    free(h);
    h = header(mail, "MIME-Version");
    ck_assert_str_eq(h, "1.0");
    free(h);
    h = header(mail, "Content-Type");
    ck_assert_str_eq(h, "text/plain; charset=utf-8");
    free(h);
    h = header(mail, "Content-Transfer-Encoding");
    ck_assert_str_eq(h, "quoted-printable");
    free(h);
    char *body = qp_decode(strstr(mail, "\r\n\r\n") + 4);
    T_HAS(body, "through notifier mail (notify-test)");
    free(body);
    free(env);
    free(mail);
    t_out_free(&o);
    t_smtp_free(&s);
}
END_TEST

START_TEST(starttls_with_auth)
{
    struct t_smtp s = {0};
    const char *args[] = {"--starttls", cert, key, "--auth", "sitewatch:" PASSWORD, NULL};
    smtp_start(&s, args);
    char *dir = t_tmpdir(), *pw = password_file(dir, PASSWORD), keys[2048];
    snprintf(keys, sizeof keys,
             "smtp_url = smtp://localhost:%d\nfrom = sitewatch@example.org\nto = ops@example.org\n"
             "user = sitewatch\npassword_file = %s\nca_file = %s/ca.pem\n",
             s.port, pw, certs);
    struct t_out o = notify_test(keys);
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    T_HAS(o.out, "mail: delivered: 250 2.0.0 Ok: queued as 000001\n");
    char *env = t_smtp_mail(&s, 1, "json");
    T_HAS(env, "\"auth\": \"sitewatch\"");
    T_HAS(env, "\"tls\": true");
    free(env);
    t_out_free(&o);
    rm_dir(dir);
    free(pw);
    t_smtp_free(&s);
}
END_TEST

START_TEST(smtps_from_the_start)
{
    struct t_smtp s = {0};
    const char *args[] = {"--tls", cert, key, NULL};
    smtp_start(&s, args);
    char keys[1024];
    snprintf(keys, sizeof keys,
             "smtp_url = smtps://localhost:%d\nfrom = sitewatch@example.org\nto = ops@example.org\n"
             "ca_file = %s/ca.pem\n",
             s.port, certs);
    struct t_out o = notify_test(keys);
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    char *env = t_smtp_mail(&s, 1, "json");
    T_HAS(env, "\"tls\": true");
    free(env);
    t_out_free(&o);
    t_smtp_free(&s);
}
END_TEST

/* ---- failures, in words ---- */

struct failure {
    const char *name;
    const char *server[6]; /* smtp_server.py options; "CERT" and "KEY": the valid ones */
    const char *keys;      /* %1$d the port, %2$s the certificates' folder, %3$s the password file */
    const char *want;      /* in "mail: not delivered: ..." (or delivered, for a refused recipient) */
    int status;
};

static const struct failure failures[] = {
    {"no STARTTLS offered",
     {NULL},
     "smtp_url = smtp://127.0.0.1:%1$d\n",
     "mail: not delivered: STARTTLS required but 127.0.0.1:%1$d does not offer it",
     1},
    {"wrong password",
     {"--starttls", "CERT", "KEY", "--auth", "sitewatch:" PASSWORD, NULL},
     "smtp_url = smtp://localhost:%1$d\nca_file = %2$s/ca.pem\nuser = sitewatch\npassword_file = %3$s\n",
     "mail: not delivered: authentication failed: 535 5.7.8 Authentication credentials invalid",
     1},
    {"untrusted certificate",
     {"--starttls", "CERT", "KEY", NULL},
     "smtp_url = smtp://localhost:%1$d\n",
     "mail: not delivered: TLS with localhost:%1$d: ",
     1},
    {"temporary failure",
     {"--fail-data", "451 4.3.0 try again later", NULL},
     "smtp_url = smtp://127.0.0.1:%1$d\nstarttls = no\n",
     "mail: not delivered: 127.0.0.1:%1$d refused the mail: 451 4.3.0 try again later",
     1},
    {"a recipient refused",
     {"--reject-rcpt", "nobody@example.org", NULL},
     "smtp_url = smtp://127.0.0.1:%1$d\nstarttls = no\nto = nobody@example.org\n",
     "mail: delivered: 250 2.0.0 Ok: queued as 000001; refused: nobody@example.org (550 5.1.1 "
     "<nobody@example.org>: recipient unknown)",
     0},
    {"nobody listening",
     {NULL},
     "smtp_url = smtp://127.0.0.1:%1$d\nstarttls = no\n",
     "mail: not delivered: connection refused by 127.0.0.1:%1$d",
     1},
    {"no answer",
     {"--hang", NULL},
     "smtp_url = smtp://127.0.0.1:%1$d\nstarttls = no\ntimeout = 1s\n",
     "mail: not delivered: timed out after 1 s: no answer from 127.0.0.1:%1$d",
     1},
};

START_TEST(failure_said_in_words)
{
    const struct failure *f = &failures[_i];
    struct t_smtp s = {0};
    const char *args[8] = {NULL};
    for (int i = 0; f->server[i]; i++)
        args[i] = strcmp(f->server[i], "CERT") == 0  ? cert
                  : strcmp(f->server[i], "KEY") == 0 ? key
                                                     : f->server[i];
    smtp_start(&s, args);
    int port = s.port;
    if (strcmp(f->name, "nobody listening") == 0)
        t_smtp_stop(&s);
    char *dir = t_tmpdir(), *pw = password_file(dir, "wrong-" PASSWORD), keys[2048], want[512];
    int n = snprintf(keys, sizeof keys, f->keys, port, certs, pw);
    snprintf(keys + n, sizeof keys - (size_t)n, "from = sitewatch@example.org\nto = ops@example.org\n");
    snprintf(want, sizeof want, f->want, port);
    struct t_out o = notify_test(keys);
    ck_assert_msg(o.status == f->status, "%s: exit %d\n%s%s", f->name, o.status, o.out, o.err);
    T_HAS(o.out, want);
    /* The password is said nowhere, not even the wrong one. */
    ck_assert_msg(!strstr(o.out, PASSWORD) && !strstr(o.err, PASSWORD), "%s%s", o.out, o.err);
    ck_assert_int_eq(t_smtp_count(&s), f->status == 0);
    t_out_free(&o);
    rm_dir(dir);
    free(pw);
    t_smtp_free(&s);
}
END_TEST

/* ---- configuration ---- */

#define NOTIFY     "[notify mail]\nplugin = email\n"
#define GOOD_ADDRS "from = sitewatch@example.org\nto = ops@example.org\n"

struct conf_error {
    const char *ini, *want;
};

static const struct conf_error conf_errors[] = {
    {NOTIFY GOOD_ADDRS, "smtp_url is missing"},
    {NOTIFY "smtp_url = ftp://mail.example.org\n" GOOD_ADDRS,
     "smtp_url = \"ftp://mail.example.org\": expected an smtp:// or smtps:// URL with a host"},
    {NOTIFY "smtp_url = mail.example.org:25\n" GOOD_ADDRS, "expected an smtp:// or smtps:// URL"},
    {NOTIFY "smtp_url = smtp://me:secret@mail.example.org\n" GOOD_ADDRS,
     "expected a URL without a user or password (say them with user and password_file)"},
    {NOTIFY "smtp_url = smtp://mail.example.org\nfrom = sitewatch@example.org\n", "to is missing"},
    {NOTIFY "smtp_url = smtp://mail.example.org\nto = ops@example.org\n", "from is missing"},
    {NOTIFY "smtp_url = smtp://mail.example.org\nfrom = sitewatch\nto = ops@example.org\n",
     "from = \"sitewatch\": expected an address: name@example.org or Name <name@example.org>"},
    {NOTIFY "smtp_url = smtp://mail.example.org\nfrom = a@example.org\nto = ops@example.org, x y@z\n",
     "a.ini:5: in [notify mail], to = \"ops@example.org, x y@z\": expected an address"},
    {NOTIFY "smtp_url = smtp://mail.example.org\n" GOOD_ADDRS
            "user = sitewatch\npassword_file = /nonexistent/smtp.pass\n",
     "password_file = \"/nonexistent/smtp.pass\": expected a file sitewatch can read (No such file or "
     "directory)"},
    {NOTIFY "smtp_url = smtp://mail.example.org\n" GOOD_ADDRS "user = sitewatch\n",
     "user = \"sitewatch\": expected a password_file with it"},
    {NOTIFY "smtp_url = smtp://mail.example.org\n" GOOD_ADDRS "password_file = /etc/hostname\n",
     "password_file = \"/etc/hostname\": expected a user with it"},
    {NOTIFY "smtp_url = smtp://mail.example.org\n" GOOD_ADDRS "ca_file = /nonexistent/ca.pem\n",
     "ca_file = \"/nonexistent/ca.pem\": expected a PEM file sitewatch can read"},
    {NOTIFY "smtp_url = smtp://mail.example.org\n" GOOD_ADDRS "starttls = maybe\n", "starttls = \"maybe\""},
};

START_TEST(config_errors)
{
    const char *want[] = {conf_errors[_i].want};
    t_validate_errors(conf_errors[_i].ini, want, 1);
}
END_TEST

START_TEST(keys_declared)
{
    const char *want[] = {"\"smtp_url\"", "\"from\"",          "\"to\"",     "\"starttls\"",
                          "\"user\"",     "\"password_file\"", "\"ca_file\""};
    t_plugin_declares("email", want, sizeof want / sizeof *want);
}
END_TEST

/* ---- the message ---- */

static char *compose(const char *subject, const char *text, struct mail_addr *to, int nto)
{
    struct mail_addr from;
    ck_assert_int_eq(mail_addr_parse("Sitewatch <sitewatch@example.org>", &from), 0);
    struct mail_parts p = {.from = &from,
                           .to = to,
                           .nto = nto,
                           .subject = subject,
                           .text = text,
                           .id = "down.shop.1",
                           .now = (int64_t)1796174572 * 1000000}; /* 2026-12-02 01:22:52 UTC */
    struct buf b = {0};
    mail_compose(&b, &p);
    ck_assert(!b.failed);
    mail_addr_free(&from);
    return b.s;
}

START_TEST(headers_and_body)
{
    struct mail_addr to = {.addr = "ops@example.org"};
    char *m =
        compose("[sitewatch] DOWN shop https: HTTP 503, expected 200-399", "line one\nline two\n", &to, 1);
    ck_assert_str_eq(m, "Date: Wed, 02 Dec 2026 01:22:52 +0000\r\n"
                        "Message-ID: <down.shop.1@example.org>\r\n"
                        "From: \"Sitewatch\" <sitewatch@example.org>\r\n"
                        "To: <ops@example.org>\r\n"
                        "Subject: [sitewatch] DOWN shop https: HTTP 503, expected 200-399\r\n"
                        "MIME-Version: 1.0\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n"
                        "Auto-Submitted: auto-generated\r\n"
                        "\r\n"
                        "line one\r\n"
                        "line two\r\n");
    free(m);
}
END_TEST

/* Non-ASCII in the subject: RFC 2047 words that decode to it, split
 * between characters, on lines under 78. */
START_TEST(subject_encoded_words)
{
    struct mail_addr to = {.addr = "ops@example.org"};
    const char *subject = "[sitewatch] DOWN Bücherstube https: Zeitüberschreitung nach 10 s beim Verbinden — "
                          "日本語のサイト";
    char *m = compose(subject, "x\n", &to, 1);
    lines_ok(m, 77);
    char *h = header(m, "Subject");
    /* Decode: each word =?UTF-8?B?...?= with whitespace between words dropped. */
    char decoded[1024] = "";
    size_t dn = 0;
    for (const char *w = strstr(h, "=?UTF-8?B?"); w; w = strstr(w, "=?UTF-8?B?")) {
        w += 10;
        const char *end = strstr(w, "?=");
        ck_assert_ptr_nonnull(end);
        unsigned v = 0;
        int bits = 0;
        for (const char *c = w; c < end; c++) {
            const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            if (*c == '=')
                break;
            v = v << 6 | (unsigned)(strchr(alpha, *c) - alpha);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                decoded[dn++] = (char)(v >> bits & 0xff);
            }
        }
        /* Each word holds whole characters: it decodes to valid UTF-8 on its own. */
        ck_assert_msg(dn == 0 || (decoded[dn - 1] & 0xc0) != 0xc0, "a word ends inside a character");
        w = end + 2;
    }
    decoded[dn] = 0;
    ck_assert_str_eq(decoded, subject);
    free(h);
    free(m);
}
END_TEST

/* A long line, trailing blanks, a lone dot, bytes over 127: lines of at
 * most 76, and the text back exactly. */
START_TEST(body_quoted_printable)
{
    struct mail_addr to = {.addr = "ops@example.org"};
    char text[4096];
    size_t n = 0;
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s", i % 7 ? "word " : "wört= ");
    n += (size_t)snprintf(text + n, sizeof text - n, "\ntrailing blanks  \t\n.\n.leading dot\nlast");
    char *m = compose("s", text, &to, 1);
    const char *body = strstr(m, "\r\n\r\n") + 4;
    lines_ok(body, 76);
    ck_assert_msg(!strstr(body, " \r\n") && !strstr(body, "\t\r\n"), "a blank at a line end:\n%s", body);
    ck_assert_msg(!strstr(body, "\r\n.") && body[0] != '.', "a line starts with a dot:\n%s", body);
    char *back = qp_decode(body);
    /* The text with CRLF line ends, and the last line ended too. */
    char want[8192];
    size_t w = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            want[w++] = '\r';
        want[w++] = *p;
    }
    memcpy(want + w, "\r\n", 3);
    ck_assert_str_eq(back, want);
    free(back);
    free(m);
}
END_TEST

START_TEST(addresses)
{
    static const struct {
        const char *in, *name, *addr;
    } ok[] = {
        {"ops@example.org", NULL, "ops@example.org"},
        {"  ops@example.org ", NULL, "ops@example.org"},
        {"Ops Team <ops@example.org>", "Ops Team", "ops@example.org"},
        {"\"Ops, Team\" <ops@example.org>", "Ops, Team", "ops@example.org"},
        {"<ops@example.org>", NULL, "ops@example.org"},
        {"Bücher <b@example.org>", "Bücher", "b@example.org"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        struct mail_addr a;
        ck_assert_msg(mail_addr_parse(ok[i].in, &a) == 0, "%s", ok[i].in);
        ck_assert_str_eq(a.addr, ok[i].addr);
        if (ok[i].name)
            ck_assert_str_eq(a.name, ok[i].name);
        else
            ck_assert_ptr_null(a.name);
        mail_addr_free(&a);
    }
    static const char *const bad[] = {"ops",
                                      "@example.org",
                                      "ops@",
                                      "a@b@c",
                                      "ops@exa mple.org",
                                      "Ops <ops@example.org",
                                      "<ops@x> tail",
                                      "ops@example.org\r\nBcc: x@y",
                                      "a <b <c@d>>",
                                      "Ops <a,b@c.d>",
                                      ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct mail_addr a;
        ck_assert_msg(mail_addr_parse(bad[i], &a) == SW_EINVAL, "%s was taken", bad[i]);
    }
}
END_TEST

/* ---- alerts end to end: the daemon, nginx flipped by a file, mail ---- */

static struct t_nginx ngx;
static int web_port;
static char *alert_dir, *alert_log; /* the daemon's config folder and its log */

/* /flip/NAME answers 503 while ALERT_DIR/down-NAME exists (t_flip). */
static void alert_setup(void)
{
    alert_dir = t_tmpdir();
    web_port = t_free_port();
    ck_assert_int_eq(t_nginx_start_flip(&ngx, web_port, alert_dir), 0);
    alert_log = malloc(strlen(alert_dir) + 16);
    sprintf(alert_log, "%s.log", alert_dir);
}

static void alert_teardown(void)
{
    t_nginx_stop(&ngx);
    unlink(alert_log);
    free(alert_log);
    rm_dir(alert_dir);
}

/* The daemon's folder: [core] telling notifier mail (email, to the
 * server on SMTP_PORT) with NOTIFY_EXTRA in it, and sites NAME0.. NAMEn-1
 * checking their /flip page every second. */
static void alert_conf(int smtp_port, const char *notify_extra, const char *name, int nsites)
{
    free(t_write(alert_dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\nlocation = lab\nstate = %s/state.db\n"
                 "notify = mail\nalert_after = 2\nrecover_after = 2\n",
                 t_plugin_dir(), alert_dir));
    free(t_write(alert_dir, "notify.ini",
                 "[notify mail]\nplugin = email\nsmtp_url = smtp://127.0.0.1:%d\nstarttls = no\n"
                 "from = Sitewatch <sitewatch@example.org>\nto = ops@example.org\n%s\n",
                 smtp_port, notify_extra));
    struct buf b = {0};
    for (int i = 0; i < nsites; i++) {
        char site[64];
        snprintf(site, sizeof site, nsites == 1 ? "%s" : "%s%03d", name, i);
        buf_printf(&b, "[site %s]\nurl = http://127.0.0.1:%d/flip/%s\nchecks = http\ninterval = 1s\n\n", site,
                   web_port, site);
    }
    free(t_write(alert_dir, "sites.ini", "%s", b.s));
    buf_free(&b);
}

static void set_down(const char *site, int down)
{
    t_flip(alert_dir, site, down);
}

static void stop_daemon(pid_t pid)
{
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 60), 0);
}

/* Wait up to SECONDS for the daemon's log to hold TEXT. */
static int log_wait(const char *text, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        char *log = t_read(alert_log);
        int found = strstr(log, text) != NULL;
        free(log);
        if (found)
            return 1;
        t_msleep(100);
    }
    return 0;
}

/* Mail I's subject and its body as text. */
static void mail_parts(const struct t_smtp *s, int i, char **subject, char **body)
{
    char *m = t_smtp_mail(s, i, "eml");
    ck_assert_msg(*m, "no mail %d", i);
    *subject = header(m, "Subject");
    *body = qp_decode(strstr(m, "\r\n\r\n") + 4);
    free(m);
}

/* OK, then FAIL x alert_after: exactly one DOWN mail with the reason;
 * OK x recover_after: exactly one UP mail with the downtime. */
START_TEST(one_down_mail_then_one_up_mail)
{
    struct t_smtp s = {0};
    smtp_start(&s, NULL);
    alert_conf(s.port, "group_wait = 0s", "shop", 1);
    pid_t pid = t_sitewatch_bg(alert_dir, alert_log, "run", NULL);
    t_msleep(2500); /* a few OK results first */
    set_down("shop", 1);
    ck_assert_msg(t_smtp_wait(&s, 1, 20000) == 0, "no DOWN mail; log:\n%s", t_read(alert_log));
    t_msleep(3000); /* more failed results: still one */
    ck_assert_int_eq(t_smtp_count(&s), 1);
    set_down("shop", 0);
    ck_assert_msg(t_smtp_wait(&s, 2, 20000) == 0, "no UP mail; log:\n%s", t_read(alert_log));
    t_msleep(2000);
    stop_daemon(pid);
    ck_assert_int_eq(t_smtp_count(&s), 2);

    char *subject, *body;
    mail_parts(&s, 1, &subject, &body);
    T_HAS(subject, "[sitewatch] DOWN shop http: HTTP 503, expected 200-399");
    T_HAS(body, "HTTP 503, expected 200-399");
    free(subject), free(body);
    mail_parts(&s, 2, &subject, &body);
    T_HAS(subject, "[sitewatch] UP shop http: back after ");
    T_HAS(body, "Back after: ");
    free(subject), free(body);
    char *m1 = t_smtp_mail(&s, 1, "eml"), *m2 = t_smtp_mail(&s, 2, "eml");
    char *id1 = header(m1, "Message-ID"), *id2 = header(m2, "Message-ID");
    ck_assert_msg(strcmp(id1, id2) != 0 && strstr(id1, "@example.org>"), "%s %s", id1, id2);
    lines_ok(m1, 78);
    lines_ok(m2, 78);
    free(id1), free(id2), free(m1), free(m2);
    t_smtp_free(&s);
}
END_TEST

/* "EVENT SITE" of a headline ("DOWN shop http: HTTP 503...") into OUT. */
static void headline_event(struct buf *out, const char *h)
{
    size_t ev = strcspn(h, " "), site = strcspn(h + ev + 1, " ");
    buf_printf(out, "%.*s\n", (int)(ev + 1 + site), h);
}

/* The events in S's mails, in order, one "EVENT SITE" a line: a mail's
 * subject ("[sitewatch] DOWN shop http: ..."), or for a digest ("[sitewatch]
 * 2 events: ...") the headlines its body lists. */
static char *events_mailed(const struct t_smtp *s)
{
    struct buf out = {0};
    buf_puts(&out, "");
    for (int i = 1; i <= t_smtp_count(s); i++) {
        char *subject, *body;
        mail_parts(s, i, &subject, &body);
        int n = 0;
        if (sscanf(subject, "[sitewatch] %d events: ", &n) != 1)
            headline_event(&out, subject + strlen("[sitewatch] "));
        for (const char *p = body; n && (p = strstr(p, "\r\n  ")); p += 4)
            if (strncmp(p + 4, "DOWN ", 5) == 0 || strncmp(p + 4, "UP ", 3) == 0)
                headline_event(&out, p + 4);
        free(subject), free(body);
    }
    return out.s;
}

/* The mail server stopped for 20 s while shop goes down and comes back:
 * once it is back both events arrive, DOWN first (as two mails, or as
 * one listing both, if the outbox held them together). */
START_TEST(server_away_20s_then_mails_in_order)
{
    struct t_smtp s = {0};
    smtp_start(&s, NULL);
    t_smtp_stop(&s); /* its port is kept for the restart */
    alert_conf(s.port, "group_wait = 0s", "shop", 1);
    set_down("shop", 1);
    pid_t pid = t_sitewatch_bg(alert_dir, alert_log, "run", NULL);
    ck_assert_msg(log_wait("shop http: DOWN", 20), "never DOWN; log:\n%s", t_read(alert_log));
    ck_assert_msg(log_wait("connection refused by 127.0.0.1", 10), "no failed delivery; log:\n%s",
                  t_read(alert_log));
    set_down("shop", 0);
    ck_assert_msg(log_wait("shop http: UP", 20), "never UP; log:\n%s", t_read(alert_log));
    t_msleep(20000 - 4000);
    ck_assert_int_eq(t_smtp_count(&s), 0);
    smtp_start(&s, NULL);
    /* The outbox tries again 1 s, 2 s, ... 16 s apart: the next try is
     * within 32 s. */
    char *ev = NULL;
    for (int i = 0; i < 450 && !(ev && strstr(ev, "UP shop")); i++) {
        free(ev);
        t_msleep(100);
        ev = events_mailed(&s);
    }
    t_msleep(2000);
    stop_daemon(pid);
    free(ev);
    ev = events_mailed(&s);
    ck_assert_msg(strcmp(ev, "DOWN shop\nUP shop\n") == 0, "mailed, in order:\n%s\nlog:\n%s", ev,
                  t_read(alert_log));
    free(ev);
    t_smtp_free(&s);
}
END_TEST

/* 300 sites failing at once: one digest a group_wait, not 300 mails;
 * every site in the digests' counts. */
START_TEST(storm_of_300_is_one_digest)
{
    enum { NSITES = 300 };
    struct t_smtp s = {0};
    smtp_start(&s, NULL);
    alert_conf(s.port, "group_wait = 5s", "site", NSITES);
    char site[32];
    for (int i = 0; i < NSITES; i++) {
        snprintf(site, sizeof site, "site%03d", i);
        set_down(site, 1);
    }
    pid_t pid = t_sitewatch_bg(alert_dir, alert_log, "run", NULL);
    ck_assert_msg(t_smtp_wait(&s, 1, 40000) == 0, "no digest; log:\n%s", t_read(alert_log));
    int events = 0, mails = 0;
    for (int waited = 0; events < NSITES && waited < 30000; waited += 500) {
        t_msleep(500);
        events = 0;
        mails = t_smtp_count(&s);
        for (int i = 1; i <= mails; i++) {
            char *subject, *body;
            mail_parts(&s, i, &subject, &body);
            int n = 0;
            ck_assert_msg(sscanf(subject, "[sitewatch] %d events: ", &n) == 1 || strstr(subject, "DOWN site"),
                          "mail %d: %s", i, subject);
            events += n ? n : 1;
            if (n > 20)
                T_HAS(body, "and ");
            free(subject), free(body);
        }
    }
    stop_daemon(pid);
    ck_assert_msg(events == NSITES, "%d of %d sites in %d mail(s)", events, NSITES, mails);
    ck_assert_msg(mails <= 3, "%d mails for %d sites", mails, NSITES);
    t_smtp_free(&s);
}
END_TEST

static void suite_setup(void)
{
    make_certs();
}

static void suite_teardown(void)
{
    rm_dir(certs);
}

int main(void)
{
    Suite *s = suite_create("email");
    TCase *tc = tcase_create("deliver");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
    tcase_add_test(tc, plain_smtp_delivers);
    tcase_add_test(tc, starttls_with_auth);
    tcase_add_test(tc, smtps_from_the_start);
    tcase_add_loop_test(tc, failure_said_in_words, 0, sizeof failures / sizeof *failures);
    suite_add_tcase(s, tc);
    TCase *conf = tcase_create("config");
    tcase_add_loop_test(conf, config_errors, 0, sizeof conf_errors / sizeof *conf_errors);
    tcase_add_test(conf, keys_declared);
    suite_add_tcase(s, conf);
    TCase *msg = tcase_create("message");
    tcase_add_test(msg, headers_and_body);
    tcase_add_test(msg, subject_encoded_words);
    tcase_add_test(msg, body_quoted_printable);
    tcase_add_test(msg, addresses);
    suite_add_tcase(s, msg);
    TCase *alerts = tcase_create("alerts");
    tcase_set_timeout(alerts, 180);
    tcase_add_checked_fixture(alerts, alert_setup, alert_teardown);
    tcase_add_test(alerts, one_down_mail_then_one_up_mail);
    tcase_add_test(alerts, server_away_20s_then_mails_in_order);
    tcase_add_test(alerts, storm_of_300_is_one_digest);
    suite_add_tcase(s, alerts);
    return t_run_suite(s, 0);
}

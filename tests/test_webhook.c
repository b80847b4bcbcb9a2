/* SPDX-License-Identifier: MIT
 * The webhook notify plugin against a real receiver (tests/webhook_receiver.py,
 * Python's http.server on 127.0.0.1 and a port of its own): `notify-test`
 * through each preset, its requests checked against the shape that preset's
 * service documents (the receiver's --check); a template's placeholders
 * JSON-escaped; headers sent; the secret only where it belongs, never in
 * what sitewatch prints; a receiver that answers 500 and one that never
 * answers, and one that speaks plain HTTP to an https:// url; DOWN and UP
 * through the daemon; and every bad configuration refused with file:line. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

#define SECRET "s3cr3t-T0KEN-9f8e"

static char *files; /* a folder with the secret and the templates */

/* ---- the receiver ---- */

struct rx {
    char *dir;
    pid_t pid;
    int in; /* its stdin: closing it stops the receiver */
    int port;
};

static const char *rx_script(void)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/tests/webhook_receiver.py", t_source_root());
    return path;
}

/* With CERT ("valid", "self": tests/tls/make-certs' names, in FILES/tls)
 * it speaks HTTPS. */
static void rx_start_tls(struct rx *r, const char *mode, const char *cert)
{
    r->dir = t_tmpdir();
    int p[2];
    ck_assert(pipe(p) == 0);
    r->pid = fork();
    ck_assert(r->pid >= 0);
    if (r->pid == 0) {
        dup2(p[0], 0);
        close(p[0]);
        close(p[1]);
        char pem[700], key[700];
        snprintf(pem, sizeof pem, "%s/tls/%s.pem", files, cert ? cert : "");
        snprintf(key, sizeof key, "%s/tls/%s.key", files, cert ? cert : "");
        execl("/usr/bin/python3", "python3", rx_script(), r->dir, mode, cert ? pem : (char *)NULL, key,
              (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    r->in = p[1];
    char port[700];
    snprintf(port, sizeof port, "%s/port", r->dir);
    for (int i = 0; i < 200 && access(port, F_OK) != 0; i++)
        t_msleep(50);
    char *text = t_read(port);
    ck_assert_msg(text != NULL, "the receiver did not start");
    r->port = atoi(text);
    free(text);
}

static void rx_start(struct rx *r, const char *mode)
{
    rx_start_tls(r, mode, NULL);
}

static void rx_stop(struct rx *r)
{
    close(r->in);
    if (t_wait(r->pid, 5) < 0) {
        kill(r->pid, SIGKILL);
        t_wait(r->pid, 5);
    }
    t_rmtree(r->dir);
    free(r->dir);
}

/* Run the Python in CODE with R, the list of the receiver's records
 * (method, path, headers as [name, value], body), and B(i), record i's body
 * parsed; fail the test with its output unless it exits 0. */
static void rx_assert(const struct rx *r, const char *code)
{
    char prog[4000];
    snprintf(
        prog, sizeof prog,
        "import json, os, sys\n"
        "d = sys.argv[1]\n"
        "R = [json.load(open(os.path.join(d, f))) for f in sorted(os.listdir(d)) if f.endswith('.json')]\n"
        "def B(i): return json.loads(R[i]['body'])\n"
        "def H(i, name): return [v for k, v in R[i]['headers'] if k.lower() == name.lower()]\n"
        "try:\n"
        "    %s\n"
        "except Exception as e:\n"
        "    print(repr(e), json.dumps(R, indent=1)); sys.exit(1)\n",
        code);
    char *const argv[] = {"/usr/bin/python3", "-c", prog, r->dir, NULL};
    struct t_out o = t_run(argv, 30);
    ck_assert_msg(o.status == 0, "%s\n%s%s", code, o.out, o.err);
    t_out_free(&o);
}

/* INI with PORT replaced by the receiver's port and FILES by the files
 * folder, into OUT (N bytes). */
static void subst(const char *ini, int port, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = ini; *p && k + 1 < n;) {
        int w = 0;
        if (strncmp(p, "PORT", 4) == 0)
            w = snprintf(out + k, n - k, "%d", port), p += 4;
        else if (strncmp(p, "FILES", 5) == 0)
            w = snprintf(out + k, n - k, "%s", files), p += 5;
        else
            out[k] = *p++, w = 1;
        k += (size_t)w < n - k ? (size_t)w : n - k - 1;
    }
    out[k] = '\0';
}

/* One notify-test against a receiver of its own. */
struct nt {
    struct rx r;
    char *dir;
    struct t_out o;
    double took; /* seconds */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start a receiver answering MODE, write INI (subst) beside a [core] with
 * CORE_EXTRA, and run `notify-test NAME` there. */
static void nt_run_tls(struct nt *t, const char *mode, const char *cert, const char *core_extra,
                       const char *name, const char *ini)
{
    rx_start_tls(&t->r, mode, cert);
    char text[4000];
    subst(ini, t->r.port, text, sizeof text);
    t->dir = t_conf_dir(core_extra, NULL);
    free(t_write(t->dir, "a.ini", "%s", text));
    double t0 = now_s();
    t->o = t_sitewatch(t->dir, "notify-test", name, NULL);
    t->took = now_s() - t0;
}

static void nt_run(struct nt *t, const char *mode, const char *core_extra, const char *name, const char *ini)
{
    nt_run_tls(t, mode, NULL, core_extra, name, ini);
}

static void nt_end(struct nt *t)
{
    t_out_free(&t->o);
    t_rmtree(t->dir);
    free(t->dir);
    rx_stop(&t->r);
}

static void secret_not_in(const struct t_out *o)
{
    ck_assert_msg(!strstr(o->out, SECRET) && !strstr(o->err, SECRET), "the secret was printed:\n%s%s", o->out,
                  o->err);
}

/* ---- every preset, checked against its service's documented shape ---- */

static const struct {
    const char *preset;
    const char *path;  /* after http://127.0.0.1:PORT */
    const char *extra; /* more keys (subst) */
} presets[] = {
    {"json", "/hook", ""},
    {"slack", "/services/{secret}", "secret_file = FILES/secret\n"},
    {"discord", "/api/webhooks/1/{secret}", "secret_file = FILES/secret\n"},
    {"teams", "/workflows/x", ""},
    {"mattermost", "/hooks/{secret}", "secret_file = FILES/secret\n"},
    {"ntfy", "/mytopic", "secret_file = FILES/secret\n"},
    {"gotify", "/message", "secret_file = FILES/secret\n"},
    {"telegram", "/bot{secret}/sendMessage", "secret_file = FILES/secret\nchat_id = -1001234567890\n"},
    {"pagerduty", "/v2/enqueue", "secret_file = FILES/secret\n"},
    {"opsgenie", "/v2/alerts", "secret_file = FILES/secret\n"},
    {"matrix", "", "secret_file = FILES/secret\nroom = !room:example.org\n"},
};

START_TEST(preset_shapes)
{
    struct nt t;
    char ini[1000];
    snprintf(ini, sizeof ini, "[notify n]\nplugin = webhook\nurl = http://127.0.0.1:PORT%s\npreset = %s\n%s",
             presets[_i].path, presets[_i].preset, presets[_i].extra);
    nt_run(&t, "ok", NULL, "n", ini);
    ck_assert_msg(t.o.status == 0, "%s: exit %d\n%s%s", presets[_i].preset, t.o.status, t.o.out, t.o.err);
    T_HAS(t.o.out, "n: delivered: HTTP 200");
    secret_not_in(&t.o);
    char *const argv[] = {"/usr/bin/python3",
                          (char *)rx_script(),
                          "--check",
                          (char *)presets[_i].preset,
                          t.r.dir,
                          SECRET,
                          NULL};
    struct t_out c = t_run(argv, 30);
    ck_assert_msg(c.status == 0, "%s%s", c.out, c.err);
    t_out_free(&c);
    /* A secret in the url went there. */
    if (strstr(presets[_i].path, "{secret}"))
        rx_assert(&t.r, "assert '" SECRET "' in R[0]['path'], R[0]['path']");
    nt_end(&t);
}
END_TEST

/* More than one request: the answer says how many. */
START_TEST(pagerduty_trigger_then_resolve_one_dedup_key)
{
    struct nt t;
    nt_run(&t, "202", NULL, "pd",
           "[notify pd]\nplugin = webhook\nurl = http://127.0.0.1:PORT/v2/enqueue\npreset = pagerduty\n"
           "secret_file = FILES/secret\n");
    ck_assert_msg(t.o.status == 0, "%s%s", t.o.out, t.o.err);
    T_HAS(t.o.out, "pd: delivered: HTTP 202");
    T_HAS(t.o.out, "(2 requests)");
    rx_assert(&t.r, "assert [B(i)['event_action'] for i in (0, 1)] == ['trigger', 'resolve'] and "
                    "B(0)['dedup_key'] == B(1)['dedup_key'] and B(0)['payload']['severity'] == 'info'");
    nt_end(&t);
}
END_TEST

/* ---- the template, the headers ---- */

START_TEST(template_placeholders_are_json_escaped)
{
    /* The text's newlines would break a template pasted raw (a JSON
     * string holds no control character); quotes in a reason are in
     * daemon_down_then_up, the one place a user's words reach. */
    free(t_write(files, "tpl.json",
                 "{\"summary\": \"{subject}\",\n \"text\": \"{text}\",\n \"where\": \"{location}\",\n"
                 " \"event\": \"{event}\", \"count\": {count}, \"key\": \"{secret}\",\n"
                 " \"braces\": {\"kept\": \"{ not a placeholder }\"}}\n"));
    struct nt t;
    nt_run(&t, "ok", "location = eu-west\n", "t",
           "[notify t]\nplugin = webhook\nurl = http://127.0.0.1:PORT/in\ntemplate = FILES/tpl.json\n"
           "secret_file = FILES/secret\n");
    ck_assert_msg(t.o.status == 0, "%s%s", t.o.out, t.o.err);
    secret_not_in(&t.o);
    rx_assert(&t.r, "b = B(0); assert b['where'] == 'eu-west', b['where']; "
                    "assert b['event'] == 'TEST' and b['count'] == 1 and b['key'] == '" SECRET "'; "
                    "assert b['summary'].startswith('[sitewatch] TEST') and '\\n' in b['text']; "
                    "assert b['braces'] == {'kept': '{ not a placeholder }'}");
    nt_end(&t);
}
END_TEST

START_TEST(headers_sent_with_every_request)
{
    struct nt t;
    nt_run(&t, "ok", NULL, "h",
           "[notify h]\nplugin = webhook\nurl = http://127.0.0.1:PORT/v2/alerts\npreset = opsgenie\n"
           "secret_file = FILES/secret\nheaders = X-Trace: abc 123\nheaders = X-Key: k-{secret}\n");
    ck_assert_msg(t.o.status == 0, "%s%s", t.o.out, t.o.err);
    secret_not_in(&t.o);
    rx_assert(&t.r, "assert len(R) == 2; "
                    "assert all(H(i, 'X-Trace') == ['abc 123'] and H(i, 'X-Key') == ['k-" SECRET "'] "
                    "and H(i, 'Content-Type') == ['application/json'] for i in (0, 1)), R");
    nt_end(&t);
}
END_TEST

/* ---- receivers that fail ---- */

static const struct {
    const char *mode, *ini, *want;
    double min_s, max_s; /* how long notify-test takes */
} failing[] = {
    {"500", "url = http://127.0.0.1:PORT/x\npreset = slack\n",
     "f: not delivered: HTTP 500: internal error: the receiver was told to fail", 0, 10},
    {"hang", "url = http://127.0.0.1:PORT/x\ntimeout = 2s\n", "f: not delivered: timed out after 2 s", 2, 6},
    /* An https:// url to a plain HTTP receiver fails in the handshake:
     * nothing is posted in clear. */
    {"ok", "url = https://127.0.0.1:PORT/x\ntimeout = 5s\n", "f: not delivered: ", 0, 10},
};

START_TEST(receiver_fails_not_delivered)
{
    struct nt t;
    char ini[600];
    snprintf(ini, sizeof ini, "[notify f]\nplugin = webhook\n%s", failing[_i].ini);
    nt_run(&t, failing[_i].mode, NULL, "f", ini);
    ck_assert_msg(t.o.status == 1, "exit %d\n%s%s", t.o.status, t.o.out, t.o.err);
    T_HAS(t.o.out, failing[_i].want);
    /* Under valgrind the start alone takes seconds. */
    double max = failing[_i].max_s * (getenv("SW_VALGRIND") ? 4 : 1);
    ck_assert_msg(t.took >= failing[_i].min_s && t.took < max, "took %.1f s", t.took);
    if (strcmp(failing[_i].mode, "ok") == 0)
        rx_assert(&t.r, "assert R == []");
    nt_end(&t);
}
END_TEST

/* TLS: verified against the system's CAs, or ca_file's. */
static const struct {
    const char *cert; /* the receiver's */
    const char *keys;
    int delivered;
    const char *want;
} tls[] = {
    {"valid", "ca_file = FILES/tls/ca.pem\n", 1, "t: delivered: HTTP 200"},
    {"valid", "", 0, "t: not delivered: SSL certificate problem: unable to get local issuer certificate"},
    {"self", "ca_file = FILES/tls/ca.pem\n", 0, "t: not delivered: SSL certificate problem: self"},
    {"other", "ca_file = FILES/tls/ca.pem\n", 0, "t: not delivered: SSL"},
};

START_TEST(tls_verified)
{
    struct nt t;
    char ini[600];
    snprintf(ini, sizeof ini,
             "[notify t]\nplugin = webhook\nurl = https://127.0.0.1:PORT/x\ntimeout = 5s\n%s", tls[_i].keys);
    nt_run_tls(&t, "ok", tls[_i].cert, NULL, "t", ini);
    ck_assert_msg(t.o.status == !tls[_i].delivered, "exit %d\n%s%s", t.o.status, t.o.out, t.o.err);
    T_HAS(t.o.out, tls[_i].want);
    rx_assert(&t.r, tls[_i].delivered ? "assert len(R) == 1" : "assert R == []");
    nt_end(&t);
}
END_TEST

/* ---- through the daemon: DOWN, then UP ---- */

static int rx_count(const struct rx *r)
{
    int n = 0;
    char path[700];
    for (;;) {
        snprintf(path, sizeof path, "%s/%06d.json", r->dir, n + 1);
        if (access(path, F_OK) != 0)
            return n;
        n++;
    }
}

static void rx_wait_count(const struct rx *r, int n, const char *errfile)
{
    for (int i = 0; i < 400 && rx_count(r) < n; i++)
        t_msleep(50);
    if (rx_count(r) < n) {
        char *log = t_read(errfile);
        ck_abort_msg("%d request(s), not %d; the daemon said:\n%s", rx_count(r), n, log ? log : "");
    }
}

/* Two sites fail together: PagerDuty gets one digest of two triggers, one
 * dedup_key per series, then resolves each with the same key; the
 * template gets each reason (quotes in it) JSON-escaped. */
START_TEST(daemon_down_then_up)
{
    struct rx site, pd, tpl;
    rx_start(&site, "ok");
    rx_start(&pd, "202");
    rx_start(&tpl, "ok");
    free(t_write(files, "daemon.json",
                 "{\"event\": \"{event}\", \"site\": \"{site}\", \"reason\": \"{reason}\"}"));
    char *dir = t_tmpdir();
    free(t_write(
        dir, "a.ini",
        "[notify pd]\nplugin = webhook\nurl = http://127.0.0.1:%d/v2/enqueue\npreset = pagerduty\n"
        "secret_file = %s/secret\ngroup_wait = 2s\n"
        "[notify tpl]\nplugin = webhook\nurl = http://127.0.0.1:%d/in\ntemplate = %s/daemon.json\n"
        "group_wait = 0\n"
        "[site shop]\nurl = http://127.0.0.1:%d/\nchecks = http\ninterval = 1s\nhttp.expect_content = up\n"
        "[site api]\nurl = http://127.0.0.1:%d/\nchecks = http\ninterval = 1s\nhttp.expect_content = up\n",
        pd.port, files, tpl.port, files, site.port, site.port));
    /* The state file in the test's folder, not var/. */
    free(t_write(dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nstate = %s/state.db\nalert_after = 1\n"
                 "recover_after = 1\nmin_interval = 1s\nnotify = pd, tpl\n",
                 t_plugin_dir(), dir));
    char errfile[700], down[700];
    snprintf(errfile, sizeof errfile, "%s/err.log", dir);
    snprintf(down, sizeof down, "%s/down", site.dir);
    pid_t pid = t_sitewatch_bg(dir, errfile, "run", NULL);
    t_msleep(2500); /* both up and known */
    free(t_write(site.dir, "down", "%s", ""));
    rx_wait_count(&pd, 2, errfile);
    rx_wait_count(&tpl, 2, errfile);
    unlink(down);
    rx_wait_count(&pd, 4, errfile);
    rx_wait_count(&tpl, 4, errfile);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 0);
    char *log = t_read(errfile);
    T_HAS(log, "delivered 2 event(s): HTTP 202");
    ck_assert_msg(!strstr(log, SECRET), "the secret is in the log:\n%s", log);
    free(log);
    rx_assert(&pd,
              "keys = {'shop/http/local', 'api/http/local'}\n"
              "    assert len(R) == 4, len(R)\n"
              "    assert [B(i)['event_action'] for i in range(4)] == ['trigger'] * 2 + ['resolve'] * 2\n"
              "    assert {B(0)['dedup_key'], B(1)['dedup_key']} == keys == {B(2)['dedup_key'], "
              "B(3)['dedup_key']}\n"
              "    assert all(B(i)['payload']['severity'] == 'critical' for i in (0, 1))\n"
              "    assert all(B(i)['routing_key'] == '" SECRET "' for i in range(4))");
    rx_assert(&tpl, "D = [B(i) for i in range(4) if B(i)['event'] == 'DOWN']\n"
                    "    assert len(D) == 2 and all(d['reason'] == 'body lacks \"up\"' for d in D), D\n"
                    "    assert sorted(B(i)['event'] for i in range(4)) == ['DOWN', 'DOWN', 'UP', 'UP']");
    t_rmtree(dir);
    free(dir);
    rx_stop(&site);
    rx_stop(&pd);
    rx_stop(&tpl);
}
END_TEST

/* ---- configuration errors ---- */

static const struct {
    const char *ini; /* subst */
    const char *want;
} bad[] = {
    {"url = ftp://example.org/x\n", "url = \"ftp://example.org/x\": expected an http:// or https:// URL"},
    {"url = http://\n", "expected an http:// or https:// URL"},
    {"url = https://h.example/x\npreset = carrier-pigeon\n", "preset = \"carrier-pigeon\": expected"},
    {"url = https://h.example/x\npreset = telegram\n", "expected chat_id beside it"},
    {"url = https://h.example/x\npreset = pagerduty\n",
     "expected secret_file beside it, holding the integration's"},
    {"url = https://h.example/x\npreset = opsgenie\n", "expected secret_file beside it, holding the API"},
    {"url = https://h.example/x\npreset = gotify\n",
     "expected secret_file beside it, holding the application token"},
    {"url = https://h.example/x\npreset = matrix\nsecret_file = FILES/secret\n", "expected room beside it"},
    {"url = https://h.example/x\npreset = matrix\nsecret_file = FILES/secret\nroom = #alias:example.org\n",
     "room = \"#alias:example.org\": expected a room id such as !abc123:example.org"},
    {"url = https://h.example/x\nchat_id = 42\n",
     "chat_id = \"42\": expected no chat_id: it is for preset = telegram"},
    {"url = https://h.example/x\nroom = !a:b\n", "room = \"!a:b\": expected no room"},
    {"url = https://ntfy.example/\npreset = ntfy\n",
     "expected an ntfy topic URL such as https://ntfy.sh/mytopic"},
    /* The whole url may be the secret; a bad one is said without it. */
    {"url = {secret}\nsecret_file = FILES/secret\n",
     "url = \"{secret}\": expected an http:// or https:// URL"},
    {"url = https://h.example/{secret}\n",
     "url = \"https://h.example/{secret}\": expected secret_file beside {secret}"},
    {"url = https://h.example/x\nsecret_file = FILES/secret\n",
     "expected a secret that is used: write {secret} where it goes"},
    {"url = https://h.example/x\nsecret_file = FILES/nothing-here\n",
     "secret_file = \"FILES/nothing-here\": expected a readable file (No such file or directory)"},
    {"url = https://h.example/x\nsecret_file = FILES\n",
     "secret_file = \"FILES\": expected a readable file (Is a directory)"},
    {"url = https://h.example/x\nsecret_file = FILES/empty\n",
     "expected a file whose first line is the secret (it is empty)"},
    {"url = https://h.example/x\nheaders = no colon here\n",
     "headers = \"no colon here\": expected a header line such as 'X-Api-Key: {secret}'"},
    {"url = https://h.example/x\ntemplate = FILES/unknown.json\n",
     "expected a template whose placeholders are known: {sitee} on line 2 is none of"},
    {"url = https://h.example/x\ntemplate = FILES/notjson.json\n",
     "expected a JSON body once its placeholders are filled: line 1"},
    {"url = https://h.example/x\ntemplate = FILES/empty\n",
     "expected a file with the body to send (it is empty)"},
    {"url = https://h.example/x\npreset = slack\ntemplate = FILES/tpl-ok.json\n",
     "expected no template with preset = slack: the template is the whole body"},
    {"url = https://h.example/x\nca_file = FILES/no-ca.pem\n",
     "ca_file = \"FILES/no-ca.pem\": expected a readable file"},
    {"preset = slack\n", "url"},
};

START_TEST(bad_config_refused)
{
    char body[1200], ini[1400], want[800];
    subst(bad[_i].ini, 0, body, sizeof body);
    snprintf(ini, sizeof ini, "[notify n]\nplugin = webhook\n%s", body);
    subst(bad[_i].want, 0, want, sizeof want);
    const char *const w[] = {want, "a.ini:", "[notify n]", "!out of memory", "!" SECRET};
    t_validate_errors(ini, w, sizeof w / sizeof *w);
}
END_TEST

START_TEST(good_config_validates)
{
    char ini[1200];
    subst("[notify a]\nplugin = webhook\nurl = https://hooks.slack.com/services/{secret}\npreset = slack\n"
          "secret_file = FILES/secret\n"
          "[notify b]\nplugin = webhook\nurl = https://events.pagerduty.com/v2/enqueue\npreset = pagerduty\n"
          "secret_file = FILES/secret\n"
          "[notify c]\nplugin = webhook\nurl = https://example.org/in\ntemplate = FILES/tpl-ok.json\n",
          0, ini, sizeof ini);
    char *dir = t_conf_dir(NULL, NULL);
    free(t_write(dir, "a.ini", "%s", ini));
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    t_out_free(&o);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(declared_keys)
{
    const char *const want[] = {"\"url\"",         "\"preset\"",  "\"template\"", "\"headers\"",
                                "\"secret_file\"", "\"ca_file\"", "\"chat_id\"",  "\"room\"",
                                "pagerduty",       "matrix"};
    t_plugin_declares("webhook", want, sizeof want / sizeof *want);
}
END_TEST

int main(void)
{
    files = t_tmpdir();
    free(t_write(files, "secret", SECRET "\n"));
    char path[700];
    snprintf(path, sizeof path, "%s/secret", files);
    chmod(path, 0600);
    free(t_write(files, "empty", "%s", ""));
    free(t_write(files, "unknown.json", "{\"a\": \"{site}\",\n \"b\": \"{sitee}\"}\n"));
    free(t_write(files, "notjson.json", "{\"a\": {site}}\n"));
    char script[700], tlsdir[700];
    snprintf(script, sizeof script, "%s/tests/tls/make-certs", t_source_root());
    snprintf(tlsdir, sizeof tlsdir, "%s/tls", files);
    mkdir(tlsdir, 0700);
    struct t_out mk = t_run((char *const[]){"sh", script, tlsdir, NULL}, 60);
    if (mk.status != 0) {
        fprintf(stderr, "make-certs failed:\n%s%s", mk.out, mk.err);
        return 99;
    }
    t_out_free(&mk);
    free(t_write(files, "tpl-ok.json", "{\"text\": \"{subject}\"}\n"));

    Suite *s = suite_create("webhook");
    TCase *tc = tcase_create("receiver");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, preset_shapes, 0, (int)(sizeof presets / sizeof *presets));
    tcase_add_test(tc, pagerduty_trigger_then_resolve_one_dedup_key);
    tcase_add_test(tc, template_placeholders_are_json_escaped);
    tcase_add_test(tc, headers_sent_with_every_request);
    tcase_add_loop_test(tc, receiver_fails_not_delivered, 0, (int)(sizeof failing / sizeof *failing));
    tcase_add_loop_test(tc, tls_verified, 0, (int)(sizeof tls / sizeof *tls));
    tcase_add_test(tc, daemon_down_then_up);
    tcase_add_loop_test(tc, bad_config_refused, 0, (int)(sizeof bad / sizeof *bad));
    tcase_add_test(tc, good_config_validates);
    tcase_add_test(tc, declared_keys);
    suite_add_tcase(s, tc);
    int rc = t_run_suite(s, 0);
    t_rmtree(files);
    free(files);
    return rc;
}

/* SPDX-License-Identifier: MIT
 * The alertmanager notify plugin against Debian's real Alertmanager
 * (/usr/bin/prometheus-alertmanager on 127.0.0.1, no gossip, its storage
 * in the test's folder, a route to a receiver that does nothing), read
 * back through its own API (GET /api/v2/alerts): `notify-test` delivered,
 * to one of a cluster's two, and not delivered (nobody listening, a 404);
 * the daemon against nginx flipped by a file: a digest of two DOWNs fires
 * two alerts with their labels and annotations, re-posted every repeat,
 * resolved after UP; an Alertmanager away when the site goes DOWN gets
 * the alert once it is back (the core's retry); a restart of sitewatch
 * keeps the alert firing (SW_NOTIFY_RESTATE); sitewatch about itself
 * fires SitewatchSelf; every bad key refused. */
#include <arpa/inet.h>
#include <check.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

#define AM_BIN "/usr/bin/prometheus-alertmanager"

/* Waits stretch under valgrind. */
static int slow(int seconds)
{
    return getenv("SW_VALGRIND") ? seconds * 3 : seconds;
}

/* ---- the Alertmanager ---- */

struct amx {
    char *dir;
    int port; /* kept across a restart */
    pid_t pid;
};

/* GET PATH from 127.0.0.1:PORT: the body of a 200, or NULL. */
static char *http_get(int port, const char *path)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        if (s >= 0)
            close(s);
        return NULL;
    }
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    if (write(s, req, (size_t)n) != n) {
        close(s);
        return NULL;
    }
    size_t len = 0, cap = 65536;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(s, buf + len, cap - len - 1)) > 0) {
        len += (size_t)r;
        if (cap - len < 2)
            buf = realloc(buf, cap *= 2);
    }
    close(s);
    buf[len] = '\0';
    char *body = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.1 200", 12) != 0 && strncmp(buf, "HTTP/1.0 200", 12) != 0) {
        free(buf);
        return NULL;
    }
    char *out = strdup(body ? body + 4 : "");
    free(buf);
    return out;
}

static void amx_start(struct amx *x)
{
    if (!x->dir) {
        x->dir = t_tmpdir();
        x->port = t_free_port();
        free(t_write(x->dir, "am.yml", "route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n"));
    }
    x->pid = fork();
    ck_assert(x->pid >= 0);
    if (x->pid == 0) {
        char conf[700], storage[700], listen[64], log[700];
        snprintf(conf, sizeof conf, "--config.file=%s/am.yml", x->dir);
        snprintf(storage, sizeof storage, "--storage.path=%s/data", x->dir);
        snprintf(listen, sizeof listen, "--web.listen-address=127.0.0.1:%d", x->port);
        snprintf(log, sizeof log, "%s/am.log", x->dir);
        FILE *f = freopen(log, "a", stderr);
        (void)f;
        dup2(2, 1);
        execl(AM_BIN, AM_BIN, conf, storage, listen, "--cluster.listen-address=", "--log.level=warn",
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 300; i++) {
        char *ok = http_get(x->port, "/-/ready");
        free(ok);
        if (ok)
            return;
        t_msleep(50);
    }
    char path[700];
    snprintf(path, sizeof path, "%s/am.log", x->dir);
    ck_abort_msg("Alertmanager did not get ready:\n%s", t_read(path));
}

static void amx_stop(struct amx *x)
{
    if (x->pid <= 0)
        return;
    kill(x->pid, SIGTERM);
    if (t_wait(x->pid, 10) < 0) {
        kill(x->pid, SIGKILL);
        t_wait(x->pid, 5);
    }
    x->pid = 0;
}

static void amx_free(struct amx *x)
{
    amx_stop(x);
    if (x->dir)
        t_rmtree(x->dir);
    free(x->dir);
    x->dir = NULL;
}

/* The alert named ALERTNAME of SITE that Alertmanager holds active (not
 * resolved: it leaves those out), or NULL; a new reference. */
static json_t *amx_alert(const struct amx *x, const char *alertname, const char *site)
{
    char *body = http_get(x->port, "/api/v2/alerts");
    json_t *all = body ? json_loads(body, 0, NULL) : NULL, *found = NULL, *a;
    free(body);
    size_t i;
    json_array_foreach(all, i, a)
    {
        json_t *l = json_object_get(a, "labels");
        const char *n = json_string_value(json_object_get(l, "alertname")),
                   *s = json_string_value(json_object_get(l, "site"));
        if (n && s && strcmp(n, alertname) == 0 && strcmp(s, site) == 0)
            found = json_incref(a);
    }
    json_decref(all);
    return found;
}

/* Wait up to SECONDS until the alert is there (PRESENT) or gone. */
static int amx_wait(const struct amx *x, const char *alertname, const char *site, int present, int seconds)
{
    for (int i = 0; i < seconds * 5; i++) {
        json_t *a = amx_alert(x, alertname, site);
        json_decref(a);
        if ((a != NULL) == present)
            return 1;
        t_msleep(200);
    }
    return 0;
}

static const char *jstr(const json_t *o, const char *path1, const char *key)
{
    const char *v = json_string_value(json_object_get(path1 ? json_object_get(o, path1) : o, key));
    return v ? v : "";
}

/* Seconds since the epoch of an RFC 3339 time in UTC. */
static double rfc3339(const char *s)
{
    struct tm tm = {0};
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    double frac = rest && *rest == '.' ? strtod(rest, NULL) : 0;
    return (double)timegm(&tm) + frac;
}

/* ---- notify-test ---- */

static const char *notifier(const char *extra)
{
    static char ini[2000];
    snprintf(ini, sizeof ini, "[notify am]\nplugin = alertmanager\n%s", extra);
    return ini;
}

static struct t_out notify_test(const char *ini)
{
    char *dir = t_conf_dir("location = lab\n", NULL);
    free(t_write(dir, "a.ini", "%s", ini));
    struct t_out o = t_sitewatch(dir, "notify-test", "am", NULL);
    t_rmtree(dir);
    free(dir);
    return o;
}

/* One TEST alert, its labels and annotations as documented. */
START_TEST(notify_test_delivered)
{
    struct amx x = {0};
    amx_start(&x);
    char extra[300];
    snprintf(extra, sizeof extra, "url = http://127.0.0.1:%d\nseverity = page\nlabels = team=web\n", x.port);
    struct t_out o = notify_test(notifier(extra));
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    ck_assert_str_eq(o.out, "am: delivered: HTTP 200\n");
    json_t *a = amx_alert(&x, "SitewatchTest", "sitewatch");
    ck_assert_msg(a != NULL, "no SitewatchTest alert in Alertmanager");
    ck_assert_str_eq(jstr(a, "labels", "location"), "lab");
    ck_assert_str_eq(jstr(a, "labels", "severity"), "page");
    ck_assert_str_eq(jstr(a, "labels", "team"), "web");
    ck_assert_str_eq(jstr(a, "status", "state"), "active");
    T_HAS(jstr(a, "annotations", "summary"), "[sitewatch] TEST: a test message from sitewatch");
    T_HAS(jstr(a, "annotations", "description"), "(notify-test)");
    /* It ends by itself, 3 x repeat (1 min) after it was posted. */
    double left = rfc3339(jstr(a, NULL, "endsAt")) - rfc3339(jstr(a, NULL, "updatedAt"));
    ck_assert_msg(left > 170 && left < 190, "endsAt %.0f s ahead", left);
    json_decref(a);
    t_out_free(&o);
    amx_free(&x);
}
END_TEST

/* Two urls, the second Alertmanager of the cluster away: delivered, and
 * which one failed is said. */
START_TEST(notify_test_one_of_two)
{
    struct amx x = {0};
    amx_start(&x);
    int away = t_free_port();
    char extra[300], want[300];
    snprintf(extra, sizeof extra, "url = http://127.0.0.1:%d/\nurl = http://127.0.0.1:%d/\n", x.port, away);
    struct t_out o = notify_test(notifier(extra));
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    snprintf(want, sizeof want,
             "am: delivered: taken by 1 of 2 Alertmanagers (http://127.0.0.1:%d/api/v2/alerts: ", away);
    T_HAS(o.out, want);
    T_HAS(o.out, "Couldn't connect to server)");
    ck_assert(amx_wait(&x, "SitewatchTest", "sitewatch", 1, 5));
    t_out_free(&o);
    amx_free(&x);
}
END_TEST

/* Nobody listening (one url, two urls), an answer that is not 2xx: not
 * delivered, exit 1, the reason in words. */
static const struct {
    int urls;   /* away */
    int prefix; /* the url has a path Alertmanager does not serve */
    const char *want;
} failing[] = {
    {1, 0, "am: not delivered: Failed to connect to 127.0.0.1 port "},
    {2, 0, "am: not delivered: none of 2 Alertmanagers took it (http://127.0.0.1:"},
    {0, 1, "am: not delivered: HTTP 404: 404 page not found"},
};

START_TEST(notify_test_not_delivered)
{
    struct amx x = {0};
    char extra[300] = "";
    if (failing[_i].prefix) {
        amx_start(&x);
        snprintf(extra, sizeof extra, "url = http://127.0.0.1:%d/elsewhere\n", x.port);
    }
    for (int i = 0; i < failing[_i].urls; i++)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "url = http://127.0.0.1:%d\n",
                 t_free_port());
    struct t_out o = notify_test(notifier(extra));
    ck_assert_msg(o.status == 1, "exit %d\n%s%s", o.status, o.out, o.err);
    T_HAS(o.out, failing[_i].want);
    t_out_free(&o);
    amx_free(&x);
}
END_TEST

/* An Alertmanager behind a proxy that wants a token (nginx: 401 without
 * "Authorization: Bearer TOKEN" and X-Team: web): headers with {secret}
 * from secret_file get through; the token is in no line printed; without
 * the headers the proxy's 401 is said; a long answer said on one line, cut
 * on a UTF-8 boundary. */
#define TOKEN "tok-5e3c7a"

START_TEST(notify_test_through_a_proxy)
{
    struct amx x = {0};
    amx_start(&x);
    struct t_nginx proxy = {0};
    int port = t_free_port();
    char servers[1024], extra[1200], a195[196], *dir = t_tmpdir();
    memset(a195, 'a', 195);
    a195[195] = '\0';
    snprintf(servers, sizeof servers,
             "server { listen 127.0.0.1:%d;\n"
             "  location / {\n"
             "    if ($http_authorization != \"Bearer " TOKEN "\") { return 401 \"no token\\n\"; }\n"
             "    if ($http_x_team != \"web\") { return 400 \"no team\\n\"; }\n"
             "    proxy_pass http://127.0.0.1:%d;\n"
             "  }\n"
             "  location /long/ { return 400 \"x  \\t\\n y %s\xc3\xa9 and more\"; }\n"
             "}\n",
             port, x.port, a195);
    ck_assert_int_eq(t_nginx_start_with(&proxy, servers), 0);
    char *token = t_write(dir, "token", TOKEN "\n");
    ck_assert_int_eq(chmod(token, 0600), 0);
    snprintf(extra, sizeof extra,
             "url = http://127.0.0.1:%d\nsecret_file = %s\nheaders = Authorization: Bearer {secret}\n"
             "headers = X-Team: web\n",
             port, token);
    struct t_out o = notify_test(notifier(extra));
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    ck_assert_str_eq(o.out, "am: delivered: HTTP 200\n");
    ck_assert_msg(!strstr(o.err, TOKEN), "the token was printed:\n%s", o.err);
    ck_assert(amx_wait(&x, "SitewatchTest", "sitewatch", 1, 5));
    t_out_free(&o);
    snprintf(extra, sizeof extra, "url = http://127.0.0.1:%d\n", port);
    o = notify_test(notifier(extra));
    ck_assert_msg(o.status == 1, "exit %d\n%s%s", o.status, o.out, o.err);
    ck_assert_str_eq(o.out, "am: not delivered: HTTP 401: no token\n");
    t_out_free(&o);
    /* A long answer: blanks one space, cut before the character the 200
     * bytes end inside. */
    snprintf(extra, sizeof extra, "url = http://127.0.0.1:%d/long/\n", port);
    o = notify_test(notifier(extra));
    ck_assert_msg(o.status == 1, "exit %d\n%s%s", o.status, o.out, o.err);
    char want[300];
    snprintf(want, sizeof want, "am: not delivered: HTTP 400: x y %s...\n", a195);
    ck_assert_str_eq(o.out, want);
    t_out_free(&o);
    free(token);
    t_nginx_stop(&proxy);
    t_rmtree(dir);
    free(dir);
    amx_free(&x);
}
END_TEST

/* secret_file's own mistakes, each on its key: empty, nothing uses it. */
START_TEST(secret_file_refused)
{
    char *dir = t_tmpdir(), ini[1200];
    char *empty = t_write(dir, "empty", "\n"), *token = t_write(dir, "token", TOKEN "\n");
    snprintf(ini, sizeof ini, "url = http://am.example:9093\nsecret_file = %s\nheaders = X-Key: {secret}\n",
             empty);
    const char *const w1[] = {"expected a file whose first line is the secret (it is empty)",
                              "a.ini:", "!" TOKEN};
    t_validate_errors(notifier(ini), w1, sizeof w1 / sizeof *w1);
    snprintf(ini, sizeof ini, "url = http://am.example:9093\nsecret_file = %s\nheaders = X-Team: web\n",
             token);
    const char *const w2[] = {"expected a secret that is used: write {secret} where it goes, in headers",
                              "!" TOKEN};
    t_validate_errors(notifier(ini), w2, sizeof w2 / sizeof *w2);
    free(empty);
    free(token);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- the daemon ---- */

static struct t_nginx ngx;
static int site_port;
static char *conf;
static const char *plugin_dir; /* t_plugin_dir(), unless a case makes its own */

/* /flip/NAME answers 503 while CONF/down-NAME exists (t_flip). */
static void daemon_setup(void)
{
    conf = t_tmpdir();
    site_port = t_free_port();
    plugin_dir = t_plugin_dir();
    ck_assert_int_eq(t_nginx_start_flip(&ngx, site_port, conf), 0);
}

static void daemon_teardown(void)
{
    t_nginx_stop(&ngx);
    t_rmtree(conf);
    free(conf);
}

/* [core], the notifier am with EXTRA, and the sites NAMES (NULL-ended). */
static void write_conf(const struct amx *x, const char *extra, const char *const *names)
{
    free(t_write(conf, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\nlocation = lab\nstate = %s/state.db\n"
                 "notify = am\nalert_after = 2\nrecover_after = 2\n"
                 "[notify am]\nplugin = alertmanager\nurl = http://127.0.0.1:%d\nrepeat = 2s\n%s\n",
                 plugin_dir, conf, x->port, extra ? extra : "group_wait = 0s\n"));
    for (; *names; names++) {
        char file[160];
        snprintf(file, sizeof file, "%s.ini", *names);
        free(t_write(conf, file,
                     "[site %s]\nurl = http://127.0.0.1:%d/flip/%s\nchecks = http\ninterval = 1s\n", *names,
                     site_port, *names));
    }
}

static void set_down(const char *name, int down)
{
    t_flip(conf, name, down);
}

static char *errlog(int n)
{
    static char path[700];
    snprintf(path, sizeof path, "%s/err%d.log", conf, n);
    return path;
}

static void stop(pid_t pid)
{
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 0);
}

/* Two sites fail together (group_wait 2 s: one digest): two SiteDown
 * alerts, each with its labels and annotations, ending 3 x repeat ahead
 * and posted again every repeat; resolved when the sites are back. */
START_TEST(daemon_fires_then_resolves)
{
    struct amx x = {0};
    amx_start(&x);
    write_conf(&x, "group_wait = 2s\nlabels = team=web\n", (const char *const[]){"shop", "api", NULL});
    pid_t pid = t_sitewatch_bg(conf, errlog(1), "run", NULL);
    t_msleep(slow(2) * 1000);
    set_down("shop", 1);
    set_down("api", 1);
    ck_assert_msg(amx_wait(&x, "SiteDown", "shop", 1, slow(20)) && amx_wait(&x, "SiteDown", "api", 1, 5),
                  "no alerts; sitewatch said:\n%s", t_read(errlog(1)));
    json_t *a = amx_alert(&x, "SiteDown", "shop");
    ck_assert_str_eq(jstr(a, "labels", "check"), "http");
    ck_assert_str_eq(jstr(a, "labels", "location"), "lab");
    ck_assert_str_eq(jstr(a, "labels", "severity"), "critical");
    ck_assert_str_eq(jstr(a, "labels", "team"), "web");
    ck_assert_int_eq((int)json_object_size(json_object_get(a, "labels")), 6);
    ck_assert_str_eq(jstr(a, "status", "state"), "active");
    T_HAS(jstr(a, "annotations", "summary"), "[sitewatch] DOWN shop http: HTTP 503");
    T_HAS(jstr(a, "annotations", "description"), "HTTP 503");
    char url[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/flip/shop", site_port);
    ck_assert_str_eq(jstr(a, NULL, "generatorURL"), url);
    double starts = rfc3339(jstr(a, NULL, "startsAt")), ends = rfc3339(jstr(a, NULL, "endsAt"));
    double ahead = ends - rfc3339(jstr(a, NULL, "updatedAt"));
    ck_assert_msg(ahead > 5 && ahead < 7, "endsAt %.1f s ahead, not 6", ahead);
    ck_assert_msg(time(NULL) - starts < slow(15), "startsAt %.0f s ago", time(NULL) - starts);
    json_decref(a);
    /* The timer posts it again: endsAt moves on, startsAt stays. */
    t_msleep(slow(3) * 1000);
    a = amx_alert(&x, "SiteDown", "shop");
    ck_assert_msg(a && rfc3339(jstr(a, NULL, "endsAt")) > ends + 1, "not posted again");
    ck_assert_msg(rfc3339(jstr(a, NULL, "startsAt")) == starts, "startsAt moved");
    json_decref(a);
    set_down("shop", 0);
    set_down("api", 0);
    ck_assert_msg(amx_wait(&x, "SiteDown", "shop", 0, slow(20)) && amx_wait(&x, "SiteDown", "api", 0, 5),
                  "not resolved; sitewatch said:\n%s", t_read(errlog(1)));
    /* Nothing fires any more: nothing is posted again. */
    t_msleep(slow(3) * 1000);
    ck_assert(!amx_wait(&x, "SiteDown", "shop", 1, 1));
    stop(pid);
    char *log = t_read(errlog(1));
    T_HAS(log, "delivered 2 event(s): HTTP 200");
    ck_assert_msg(!strstr(log, "re-post of"), "a re-post failed:\n%s", log);
    free(log);
    amx_free(&x);
}
END_TEST

/* Alertmanager away when the site goes DOWN: not delivered, the core
 * tries again, and once Alertmanager is there the alert fires. */
START_TEST(alertmanager_away_then_back)
{
    struct amx x = {0};
    amx_start(&x);
    amx_stop(&x);
    write_conf(&x, NULL, (const char *const[]){"shop", NULL});
    set_down("shop", 1);
    pid_t pid = t_sitewatch_bg(conf, errlog(1), "run", NULL);
    char *log = NULL;
    for (int i = 0; i < slow(20) * 10 && !(log && strstr(log, "again in 2 s")); i++) {
        free(log);
        t_msleep(100);
        log = t_read(errlog(1));
    }
    ck_assert_msg(log &&
                      strstr(log, "not delivered (attempt 2; again in 2 s): Failed to connect to 127.0.0.1"),
                  "no retries said:\n%s", log);
    free(log);
    /* Meanwhile the table posts it again every repeat: logged, not lost. */
    t_msleep(slow(3) * 1000);
    log = t_read(errlog(1));
    T_HAS(log, "alertmanager: [notify am] re-post of 1 firing alert(s): Failed to connect to 127.0.0.1");
    T_HAS(log, "; again in 2 s");
    free(log);
    amx_start(&x);
    ck_assert_msg(amx_wait(&x, "SiteDown", "shop", 1, slow(20)), "never delivered; sitewatch said:\n%s",
                  t_read(errlog(1)));
    stop(pid);
    amx_free(&x);
}
END_TEST

/* sitewatch stopped while shop is DOWN, then started: the core restates
 * what is DOWN (SW_NOTIFY_RESTATE), so the alert is still firing long
 * after the last post before the stop would have ended it (3 x 2 s). */
START_TEST(restart_keeps_it_firing)
{
    struct amx x = {0};
    amx_start(&x);
    write_conf(&x, NULL, (const char *const[]){"shop", NULL});
    set_down("shop", 1);
    pid_t pid = t_sitewatch_bg(conf, errlog(1), "run", NULL);
    ck_assert_msg(amx_wait(&x, "SiteDown", "shop", 1, slow(20)), "no alert; sitewatch said:\n%s",
                  t_read(errlog(1)));
    stop(pid);
    pid = t_sitewatch_bg(conf, errlog(2), "run", NULL);
    t_msleep(8000);
    json_t *a = amx_alert(&x, "SiteDown", "shop");
    ck_assert_msg(a != NULL, "the alert ended: nothing restated after the start; sitewatch said:\n%s",
                  t_read(errlog(2)));
    json_decref(a);
    stop(pid);
    char *log = t_read(errlog(2));
    ck_assert_msg(!strstr(log, "shop http: DOWN"), "a second DOWN:\n%s", log);
    free(log);
    amx_free(&x);
}
END_TEST

/* A check plugin that fails to load: sitewatch about itself fires
 * SitewatchSelf, its check label the part. */
START_TEST(self_alert)
{
    char *dir = t_tmpdir(), from[1024], to[1024];
    const char *so[][2] = {{t_plugin_dir(), "alertmanager.so"}, {getenv("SW_TEST_PLUGINS"), "initfail.so"}};
    for (int i = 0; i < 2; i++) {
        snprintf(from, sizeof from, "%s/%s", so[i][0], so[i][1]);
        snprintf(to, sizeof to, "%s/%s", dir, so[i][1]);
        ck_assert_int_eq(symlink(from, to), 0);
    }
    plugin_dir = dir;
    struct amx x = {0};
    amx_start(&x);
    write_conf(&x, NULL, (const char *const[]){NULL});
    free(t_write(conf, "broken.ini", "[site broken]\nurl = http://127.0.0.1:%d/\nchecks = initfail\n",
                 site_port));
    pid_t pid = t_sitewatch_bg(conf, errlog(1), "run", NULL);
    ck_assert_msg(amx_wait(&x, "SitewatchSelf", "sitewatch", 1, slow(20)),
                  "no SitewatchSelf; sitewatch said:\n%s", t_read(errlog(1)));
    stop(pid);
    json_t *a = amx_alert(&x, "SitewatchSelf", "sitewatch");
    ck_assert_str_eq(jstr(a, "labels", "check"), "plugin initfail");
    ck_assert_str_eq(jstr(a, "labels", "severity"), "critical");
    T_HAS(jstr(a, "annotations", "summary"), "[sitewatch] SELF sitewatch plugin initfail: ");
    json_decref(a);
    amx_free(&x);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- configuration ---- */

static const struct {
    const char *ini;
    const char *want;
} bad[] = {
    {"url = ftp://example.org/\n",
     "url = \"ftp://example.org/\": expected an Alertmanager's http:// or https:// URL"},
    {"url = http://am.example:9093/?x=1\n", "expected an Alertmanager's http:// or https:// URL"},
    {"url = not a url\n", "url = \"not a url\": expected an absolute URL"},
    {"url = http://am.example:9093\nlabels = team\n",
     "labels = \"team\": expected name=value, such as team=web"},
    {"url = http://am.example:9093\nlabels = 9lives=x\n", "expected name=value"},
    {"url = http://am.example:9093\nlabels = __name__=x\n", "expected name=value"},
    {"url = http://am.example:9093\nlabels = team=\n", "labels = \"team=\": expected name=value"},
    {"url = http://am.example:9093\nlabels = site=x\n",
     "labels = \"site=x\": expected a label of your own: alertname, site, check, location and severity are "
     "sitewatch's"},
    {"url = http://am.example:9093\nlabels = a=1\nlabels = a=2\n",
     "labels = \"a=2\": expected each label once"},
    {"url = http://am.example:9093\nseverity =\n", "expected a severity such as critical or warning"},
    {"url = http://am.example:9093\nrepeat = 0s\n", "repeat = \"0s\": expected"},
    {"url = http://am.example:9093\nca_file = /nonexistent/ca.pem\n",
     "ca_file = \"/nonexistent/ca.pem\": expected a readable file of PEM certificates (No such file"},
    {"severity = warning\n", "url"},
    {"url = http://am.example:9093\nheaders = Authorization: Bearer {secret}\n",
     "expected secret_file beside {secret}: the file that holds the secret"},
    {"url = http://am.example:9093\nheaders = no colon\n",
     "headers = \"no colon\": expected a header line such as 'X-Api-Key: {secret}'"},
    {"url = http://am.example:9093\nsecret_file = /nonexistent/token\nheaders = X-Key: {secret}\n",
     "secret_file = \"/nonexistent/token\": expected a readable file (No such file or directory)"},
    {"url = http://am.example:9093\nsecret_file = /dev/null\nheaders = X-Key: {secret}\n",
     "secret_file = \"/dev/null\": expected a readable file (not a regular file)"},
};

START_TEST(bad_config_refused)
{
    const char *const w[] = {bad[_i].want, "a.ini:", "[notify am]", "!out of memory"};
    t_validate_errors(notifier(bad[_i].ini), w, sizeof w / sizeof *w);
}
END_TEST

START_TEST(good_config_validates)
{
    char *dir = t_conf_dir(NULL, NULL);
    free(t_write(dir, "a.ini", "%s",
                 notifier("url = https://am1.example:9093/\nurl = https://am2.example/prefix/api/v2/alerts\n"
                          "severity = warning\nrepeat = 30s\nlabels = team=web\nlabels = env = prod\n")));
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    t_out_free(&o);
    /* The shipped example validates as it is. */
    char path[700];
    snprintf(path, sizeof path, "%s/conf.d/examples/notify-alertmanager.ini", t_source_root());
    char *ex = t_read(path);
    ck_assert_msg(ex != NULL, "no %s", path);
    free(t_write(dir, "a.ini", "%s", ex));
    free(ex);
    o = t_sitewatch(dir, "validate", NULL);
    ck_assert_msg(o.status == 0, "the example: exit %d\n%s%s", o.status, o.out, o.err);
    t_out_free(&o);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(declared_keys)
{
    const char *const want[] = {"\"url\"",         "\"severity\"", "\"repeat\"", "\"labels\"", "\"headers\"",
                                "\"secret_file\"", "\"ca_file\"",  "critical",   "\"1m\""};
    t_plugin_declares("alertmanager", want, sizeof want / sizeof *want);
}
END_TEST

int main(void)
{
    if (access(AM_BIN, X_OK) != 0) {
        fprintf(stderr, "%s is not installed (Debian's prometheus-alertmanager)\n", AM_BIN);
        return 77;
    }
    Suite *s = suite_create("alertmanager");
    TCase *tc = tcase_create("notify-test");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, notify_test_delivered);
    tcase_add_test(tc, notify_test_one_of_two);
    tcase_add_test(tc, notify_test_through_a_proxy);
    tcase_add_test(tc, secret_file_refused);
    tcase_add_loop_test(tc, notify_test_not_delivered, 0, (int)(sizeof failing / sizeof *failing));
    tcase_add_loop_test(tc, bad_config_refused, 0, (int)(sizeof bad / sizeof *bad));
    tcase_add_test(tc, good_config_validates);
    tcase_add_test(tc, declared_keys);
    suite_add_tcase(s, tc);
    TCase *td = tcase_create("daemon");
    tcase_set_timeout(td, 180);
    tcase_add_checked_fixture(td, daemon_setup, daemon_teardown);
    tcase_add_test(td, daemon_fires_then_resolves);
    tcase_add_test(td, alertmanager_away_then_back);
    tcase_add_test(td, restart_keeps_it_firing);
    tcase_add_test(td, self_alert);
    suite_add_tcase(s, td);
    return t_run_suite(s, 0);
}

/* SPDX-License-Identifier: MIT
 * The html output: pages rendered from a SQLite file the test fills through
 * the sqlite plugin's own write path (so rollups are made as in use), with
 * uptime figures computed here from the same results, hostile text that
 * must come out escaped, SVG that must parse as XML, a real headless
 * Chromium reading the pages from file://, and the daemon keeping the
 * folder current. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <unistd.h>

#include "host.h"
#include "loader.h"
#include "metrics.h"
#include "result.h"
#include "store.h"
#include "support.h"
#include "util.h"
#include "sitewatch/plugin.h"

#define MIN10   600000000LL
#define HOSTILE "<script>alert(\"x\")</script> & \"quoted\" 'single'"

struct series {
    const char *site, *check;
    int n;                 /* results, one each 10 min, newest first */
    int (*verdict)(int k); /* of the k-th newest */
    const char *(*location)(int k);
    const char *reason;
};

static int v_mixed(int k)
{
    return k % 17 == 3 ? SW_FAIL : k % 5 == 1 ? SW_WARN : k % 23 == 7 ? SW_UNKNOWN : SW_OK;
}
static int v_fail_now(int k)
{
    return k < 3 ? SW_FAIL : SW_OK;
}
static int v_warn(int k)
{
    (void)k;
    return SW_WARN;
}
static const char *l_two(int k)
{
    return k % 2 ? "cloud" : "lab";
}
static const char *l_one(int k)
{
    (void)k;
    return "lab";
}

static const struct series fixtures[] = {
    {"alpha", "http", 8 * 144, v_mixed, l_two, "HTTP 200, 16 B in 12 ms"},
    {"beta", "http", 40 * 144, v_fail_now, l_one, "HTTP 500, expected 200-399"},
    {"beta", "dns", 100, v_warn, l_one, "answer took 1.2 s (warn after 1 s)"},
    {"hostile", "http", 10, v_warn, l_one, HOSTILE},
};
#define NFIX (sizeof fixtures / sizeof *fixtures)

static char *dir, *pub;
static int64_t t0;

/* Make and store every fixture; results k minutes 5 + 10k before T0 so no
 * result sits on a window's edge while the render runs. */
static void fill(void)
{
    t0 = sw_now_wall();
    size_t cap = 0, n = 0;
    for (size_t f = 0; f < NFIX; f++)
        cap += (size_t)fixtures[f].n;
    sw_result **v = calloc(cap, sizeof *v);
    for (size_t f = 0; f < NFIX; f++) {
        const struct series *s = &fixtures[f];
        /* since: when the run of equal verdicts that ends at k began */
        int64_t since = 0;
        for (int k = s->n - 1; k >= 0; k--) {
            sw_result *r = sw_result_new(s->site, s->check, s->location(k));
            int64_t started = t0 - 300000000LL - k * MIN10;
            int verdict = s->verdict(k);
            if (k == s->n - 1 || s->verdict(k + 1) != verdict)
                since = started;
            r->scheduled = started;
            r->started = started;
            r->duration = (20 + k % 7 * 5) * 1000 + (verdict == SW_WARN ? 900000 : 0);
            r->since = since;
            sw_result_set(r, verdict, "%s",
                          verdict == SW_FAIL && f == 0 ? "timed out after 10 s" : s->reason);
            sw_result_metric(r, "time.total", (double)r->duration / 1e6);
            sw_result_metric(r, "time.dns", 0.001);
            sw_result_metric(r, "time.connect", 0.002);
            sw_result_metric(r, "time.first_byte", (double)r->duration / 2e6);
            sw_result_metric(r, "time.transfer", 0.0005);
            if (k == 0)
                sw_result_info(r, "http.ip", "127.0.0.1");
            /* Info and metric names come from plugins (third parties')
             * and from the servers they talked to: hostile too. */
            if (k == 0 && strcmp(s->site, "hostile") == 0) {
                sw_result_info(r, "<b>fact</b>", "<script>alert(2)</script>\n<i>line two</i> & more");
                sw_result_info(r, "http.final_url", "http://joe:hunter2@127.0.0.1:1/next");
                sw_result_metric(r, "<m>\"x\"", 1);
            }
            v[n++] = r;
        }
    }
    t_store(dir, "sqlite", v, n);
    for (size_t i = 0; i < n; i++)
        sw_result_unref(v[i]);
    free(v);
}

static void setup(void)
{
    dir = t_conf_dir("location = lab\n", NULL);
    pub = malloc(strlen(dir) + 16);
    sprintf(pub, "%s/public", dir);
    free(t_write(dir, "1out.ini",
                 "[storage sqlite]\npath = %s/sw.db\n[output html]\ndir = %s\ntitle = Lab & <friends>\n", dir,
                 pub));
    free(t_write(dir, "sites.ini",
                 "[site alpha]\nurl = http://127.0.0.1:1/\nchecks = http\n"
                 "[site beta]\nurl = http://127.0.0.1:1/\nchecks = http, dns\n"
                 "[site hostile]\nurl = http://user:s3cret@127.0.0.1:1/?q=<b>&x=\"y\"\nchecks = http\n"));
    fill();
}

static void teardown(void)
{
    if (!getenv("SW_KEEP_TMP"))
        t_rmtree(dir);
    free(dir);
    free(pub);
}

static char *file(const char *rel)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", pub, rel);
    return t_read(path);
}

/* Expected uptime (percent) of fixture F over the last WINDOW. */
static double expect_uptime(const struct series *s, int64_t window, int64_t now)
{
    long up = 0, judged = 0;
    for (int k = 0; k < s->n; k++) {
        int64_t started = t0 - 300000000LL - k * MIN10;
        if (started < now - window)
            continue;
        int v = s->verdict(k);
        judged += v != SW_UNKNOWN;
        up += v == SW_OK || v == SW_WARN;
    }
    return judged ? 100.0 * (double)up / (double)judged : -1;
}

static int exists(const char *rel)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", pub, rel);
    return access(path, F_OK) == 0;
}

static struct t_out python(const char *script, const char *arg)
{
    char *py = t_write(dir, "check.py", "%s", script);
    char *argv[] = {"python3", py, (char *)arg, NULL};
    struct t_out o = t_run(argv, 60);
    free(py);
    return o;
}

START_TEST(render_from_sqlite)
{
    struct t_out o = t_sitewatch(dir, "render", NULL);
    ck_assert_msg(o.status == 0, "render exited %d\n%s", o.status, o.err);
    t_out_free(&o);
    const char *files[] = {"index.html",     "style.css",         "status.json",     "site/alpha.html",
                           "site/beta.html", "site/hostile.html", "badge/alpha.svg", "badge/hostile.svg"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *s = file(files[i]);
        ck_assert_msg(s && *s, "%s missing", files[i]);
        free(s);
    }
    /* status.json parses; verdicts and uptime as computed from the rows. */
    char want[4096] = "";
    int64_t now = sw_now_wall();
    static const int64_t windows[] = {86400000000LL, 7 * 86400000000LL, 30 * 86400000000LL};
    static const char *const wnames[] = {"24h", "7d", "30d"};
    char path[2048];
    snprintf(path, sizeof path, "%s/status.json", pub);
    o = python("import json,sys\n"
               "d=json.load(open(sys.argv[1]))\n"
               "for s in d['sites']:\n"
               "  for c in s['checks']:\n"
               "    for w in ('24h','7d','30d'):\n"
               "      p=c['uptime'][w]['percent']\n"
               "      print(s['name'], s['verdict'], c['check'], c['verdict'], w, '%.6f' % (-1 if p is None "
               "else p))\n",
               path);
    ck_assert_msg(o.status == 0, "%s", o.err);
    static const char *const site_verdict[] = {"OK", "FAIL", "FAIL", "WARN"};
    static const char *const check_verdict[] = {"OK", "FAIL", "WARN", "WARN"};
    for (size_t f = 0; f < NFIX; f++) {
        for (int w = 0; w < 3; w++) {
            double e = expect_uptime(&fixtures[f], windows[w], now);
            snprintf(want, sizeof want, "%s %s %s %s %s %.6f\n", fixtures[f].site, site_verdict[f],
                     fixtures[f].check, check_verdict[f], wnames[w], e);
            ck_assert_msg(strstr(o.out, want), "want %s in\n%s", want, o.out);
        }
    }
    /* The site in FAIL comes first, the WARN one next, OK last. */
    char *index = file("index.html");
    char *pb = strstr(index, "data-site=\"beta\""), *ph = strstr(index, "data-site=\"hostile\""),
         *pa = strstr(index, "data-site=\"alpha\"");
    ck_assert_msg(pb && ph && pa && pb < ph && ph < pa, "order wrong");
    /* Hostile text is text: in the index, the pages, the title. */
    ck_assert_ptr_null(strstr(index, "<script>"));
    ck_assert_ptr_nonnull(strstr(index,
                                 "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quoted&quot; "
                                 "&#39;single&#39;"));
    ck_assert_ptr_nonnull(strstr(index, "<title>Lab &amp; &lt;friends&gt;</title>"));
    /* The URL shown without its password. */
    ck_assert_ptr_nonnull(strstr(index, "http://user:***@127.0.0.1:1/?q=&lt;b&gt;&amp;x=&quot;y&quot;"));
    free(index);
    char *page = file("site/hostile.html");
    ck_assert_ptr_null(strstr(page, "<script>"));
    ck_assert_ptr_nonnull(strstr(page, "&lt;script&gt;"));
    /* Each field from outside, escaped: an info value and its name, the URL. */
    T_HAS(page, "&lt;b&gt;fact&lt;/b&gt;");
    T_HAS(page, "&lt;script&gt;alert(2)&lt;/script&gt;");
    T_HAS(page, "&lt;i&gt;line two&lt;/i&gt; &amp; more");
    T_HAS(page, "http://joe:***@127.0.0.1:1/next");
    T_HAS(page, "http://user:***@127.0.0.1:1/?q=&lt;b&gt;");
    ck_assert_ptr_null(strstr(page, "<b>fact"));
    ck_assert_ptr_null(strstr(page, "<i>line"));
    free(page);
    /* No password anywhere in what is published. */
    struct t_out leak =
        python("import glob,sys\n"
               "bad=[f for f in glob.glob(sys.argv[1]+'/**',recursive=True)\n"
               "     if f.endswith(('.html','.json','.svg')) and\n"
               "     any(w in open(f,encoding='utf-8').read() for w in ('s3cret','hunter2'))]\n"
               "print(bad)\n",
               pub);
    ck_assert_str_eq(leak.out, "[]\n");
    t_out_free(&leak);
    /* Several locations: a row each on alpha's page. */
    page = file("site/alpha.html");
    T_HAS(page, "data-location=\"cloud\"");
    T_HAS(page, "data-location=\"lab\"");
    T_HAS(page, "class=\"warn\"");
    T_HAS(page, "class=\"fail\"");
    T_HAS(page, "latency (ms)");
    T_HAS(page, "time (UTC)");
    /* The phases' legend in the words http declares, in its order, its
     * colours by place; a phase with no time (TLS over http) left out. */
    T_HAS(page, "fill=\"#8e24aa\"/><text x=\"80\" y=\"18\">DNS</text>");
    T_HAS(page, "fill=\"#1e88e5\"/><text x=\"180\" y=\"18\">connect</text>");
    T_HAS(page, "fill=\"#f9a825\"/><text x=\"280\" y=\"18\">first byte</text>");
    T_HAS(page, "fill=\"#6d4c41\"/><text x=\"380\" y=\"18\">transfer</text>");
    T_HAS(page, ": transfer 0.5 ms</title>");
    ck_assert_ptr_null(strstr(page, ">TLS</text>"));
    free(page);
    t_out_free(&o);
    /* Every SVG, inline or badge, is well-formed XML. */
    o = python("import re,sys,glob,os\n"
               "import xml.etree.ElementTree as ET\n"
               "n=0\n"
               "for f in glob.glob(os.path.join(sys.argv[1],'site','*.html')):\n"
               "  for m in re.findall(r'<svg.*?</svg>', open(f,encoding='utf-8').read(), re.S):\n"
               "    ET.fromstring(m); n+=1\n"
               "for f in glob.glob(os.path.join(sys.argv[1],'badge','*.svg')):\n"
               "  ET.parse(f); n+=1\n"
               "print('svg', n)\n",
               pub);
    ck_assert_msg(o.status == 0, "%s%s", o.out, o.err);
    /* 3 pages x (24 h, 7 d, phases) per check (4 checks) + 3 badges */
    T_HAS(o.out, "svg 15\n");
    t_out_free(&o);
}
END_TEST

/* A site no longer configured loses its page and badge at the next render. */
START_TEST(removed_site_pruned)
{
    /* Enough sites that pages are written by several threads. */
    char *more = t_write(dir, "more.ini", "%s", "");
    FILE *f = fopen(more, "w");
    for (int i = 0; i < 80; i++)
        fprintf(f, "[site extra-%02d]\nurl = http://127.0.0.1:1/\nchecks = http\n", i);
    fclose(f);
    struct t_out o = t_sitewatch(dir, "render", NULL);
    ck_assert_msg(o.status == 0, "%s", o.err);
    t_out_free(&o);
    for (int i = 0; i < 80; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "site/extra-%02d.html", i);
        ck_assert_msg(exists(rel), "%s missing", rel);
    }
    unlink(more);
    free(more);
    free(t_write(dir, "sites.ini", "[site alpha]\nurl = http://127.0.0.1:1/\nchecks = http\n"));
    o = t_sitewatch(dir, "render", NULL);
    ck_assert_int_eq(o.status, 0);
    t_out_free(&o);
    ck_assert(!exists("site/beta.html"));
    ck_assert(!exists("badge/beta.svg"));
    ck_assert(!exists("site/extra-00.html"));
    ck_assert(exists("site/alpha.html"));
    ck_assert(exists("badge/alpha.svg"));
}
END_TEST

START_TEST(bad_output_config)
{
    const char *want[] = {
        "a.ini:5: in [output html], dir = \"\": expected the folder to write the pages to",
        "a.ini:6: unknown key 'colour' in [output html]: plugin html accepts dir, every, title",
        "a.ini:7: in [output html], every = \"0\": expected a duration from 1 s to 1440 min"};
    t_validate_errors(
        "[site x]\nurl = http://127.0.0.1:1/\nchecks = http\n[output html]\ndir =\ncolour = red\nevery = 0\n",
        want, 3);
}
END_TEST

/* Headless Chromium with the flags this machine needs (no sandbox as root,
 * nothing from the network), a profile of the test's own, and up to three
 * more arguments; fails the test unless it exits 0. */
static struct t_out chromium(const char *profile, const char *a, const char *b, const char *c)
{
    char *argv[] = {"chromium",
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--hide-scrollbars",
                    (char *)profile,
                    (char *)a,
                    (char *)b,
                    (char *)c,
                    NULL};
    struct t_out o = t_run(argv, 90);
    ck_assert_msg(o.status == 0, "chromium exited %d: %s", o.status, o.err);
    return o;
}

/* The pages in a real browser, from file://: the DOM shows every site with
 * its verdict; screenshots land in the build folder for people to look at. */
START_TEST(chromium_reads_pages)
{
    struct t_out o = t_sitewatch(dir, "render", NULL);
    ck_assert_int_eq(o.status, 0);
    t_out_free(&o);
    char profile[2048], url[2048], shot[2048], arg[2100];
    snprintf(profile, sizeof profile, "--user-data-dir=%s/chromium", dir);
    const char *pages[][2] = {{"index.html", "html-index.png"}, {"site/alpha.html", "html-site.png"}};
    for (int i = 0; i < 2; i++) {
        snprintf(url, sizeof url, "file://%s/%s", pub, pages[i][0]);
        o = chromium(profile, "--dump-dom", url, NULL);
        if (i == 0) {
            const char *rows[] = {"data-site=\"alpha\" data-check=\"http\" data-verdict=\"OK\"",
                                  "data-site=\"beta\" data-check=\"http\" data-verdict=\"FAIL\"",
                                  "data-site=\"beta\" data-check=\"dns\" data-verdict=\"WARN\"",
                                  "data-site=\"hostile\" data-check=\"http\" data-verdict=\"WARN\""};
            for (int r = 0; r < 4; r++)
                T_HAS(o.out, rows[r]);
            /* the hostile reason is a text node, not an element */
            ck_assert_ptr_null(strstr(o.out, "<script>alert"));
        } else {
            T_HAS(o.out, "<svg");
            T_HAS(o.out, "By location");
        }
        t_out_free(&o);
        snprintf(shot, sizeof shot, "%s/tests/%s", t_build_root(), pages[i][1]);
        unlink(shot);
        snprintf(arg, sizeof arg, "--screenshot=%s", shot);
        o = chromium(profile, "--window-size=1200,900", arg, url);
        t_out_free(&o);
        struct stat st;
        ck_assert_msg(stat(shot, &st) == 0 && st.st_size > 10000, "no screenshot at %s", shot);
        fprintf(stderr, "screenshot: %s\n", shot);
    }
}
END_TEST

/* Laid out by Chromium, every cell of the index sits under its own header,
 * also for a site with several checks that each have a reason row (the
 * reason row once broke the site cell's rowspan and shifted the next
 * check's cells one column left). */
START_TEST(chromium_cells_under_their_headers)
{
    struct t_out o = t_sitewatch(dir, "render", NULL);
    ck_assert_int_eq(o.status, 0);
    t_out_free(&o);
    char *index = file("index.html");
    char *end = strstr(index, "</body>");
    ck_assert_ptr_nonnull(end);
    /* The page has no script of its own: one is added to a copy, beside it
     * so that its style sheet applies, and writes what it finds. */
    static const char script[] =
        "<pre id=\"align\"></pre><script>\n"
        "var hs = Array.from(document.querySelectorAll('table.sites thead th')).map(function (t) {\n"
        "  var r = t.getBoundingClientRect(); return {l: r.left, r: r.right, name: t.textContent}; });\n"
        "function under(c) { var r = c.getBoundingClientRect();\n"
        "  var h = hs.filter(function (h) { return Math.abs(h.l - r.left) < 1; });\n"
        "  return h.length ? h[0].name : '?'; }\n"
        "var out = [];\n"
        "document.querySelectorAll('table.sites tbody tr').forEach(function (tr) {\n"
        "  var names = Array.from(tr.children).map(under).join('|');\n"
        "  var what = tr.classList.contains('reason') ? 'reason' : tr.dataset.site + '/' + "
        "tr.dataset.check;\n"
        "  out.push(what + ' ' + names); });\n"
        "document.getElementById('align').textContent = out.join('\\n');\n"
        "</script>\n";
    char *copy = sw_xasprintf("%.*s%s%s", (int)(end - index), index, script, end);
    free(t_write(pub, "align-check.html", "%s", copy));
    free(copy);
    free(index);
    char profile[2048], url[2048];
    snprintf(profile, sizeof profile, "--user-data-dir=%s/chromium", dir);
    snprintf(url, sizeof url, "file://%s/align-check.html", pub);
    o = chromium(profile, "--window-size=1400,900", "--dump-dom", url);
    /* Only what the script wrote: a failing message stays readable. */
    char *pre = strstr(o.out, "<pre id=\"align\">"), *pre_end = pre ? strstr(pre, "</pre>") : NULL;
    ck_assert_msg(pre && pre_end, "no alignment report in the DOM");
    pre += strlen("<pre id=\"align\">");
    char *got = sw_xasprintf("%.*s\n", (int)(pre_end - pre), pre);
    t_out_free(&o);
    const char *full = "|Check|Status|Since|Latency|24 h|7 d|30 d|Last 7 results\n";
    const char *want[] = {
        "beta/http Site|Check|Status|Since|Latency|24 h|7 d|30 d|Last 7 results\n",
        "reason Check\n",
        "beta/dns Check|Status|Since|Latency|24 h|7 d|30 d|Last 7 results\n",
        "hostile/http Site",
        "alpha/http Site",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        T_HAS(got, want[i]);
    /* beta has two reason rows, one after each of its checks */
    char *b = strstr(got, "beta/http ");
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(strstr(b, "reason Check\nbeta/dns Check|"));
    ck_assert_ptr_nonnull(strstr(strstr(b, "beta/dns "), "\nreason Check\n"));
    ck_assert_ptr_null(strstr(got, "|?"));
    ck_assert_ptr_nonnull(strstr(got, full));
    free(got);
}
END_TEST

/* `sitewatch run` keeps the folder current and renders once more at stop. */
START_TEST(daemon_keeps_pages_current)
{
    struct t_nginx ngx;
    ck_assert_int_eq(t_nginx_start(&ngx), 0);
    free(t_write(dir, "sites.ini",
                 "[site live]\nurl = http://127.0.0.1:%d/ok\nchecks = http\ninterval = 1s\n", ngx.port));
    free(t_write(dir, "1out.ini", "[storage sqlite]\npath = %s/sw.db\n[output html]\ndir = %s\nevery = 1s\n",
                 dir, pub));
    free(t_write(dir, "0core.ini", "[core]\nplugin_dir = %s\nmin_interval = 1s\nlocation = lab\n",
                 t_plugin_dir()));
    char errfile[2048];
    snprintf(errfile, sizeof errfile, "%s/daemon.log", dir);
    pid_t pid = t_sitewatch_bg(dir, errfile, "run", NULL);
    char *js = NULL;
    for (int i = 0; i < 100; i++) {
        free(js);
        js = file("status.json");
        if (js && strstr(js, "\"name\":\"live\"") && strstr(js, "\"verdict\":\"OK\""))
            break;
        t_msleep(100);
    }
    ck_assert_msg(js && strstr(js, "\"verdict\":\"OK\""), "status.json: %s", js ? js : "(none)");
    free(js);
    char *before = file("index.html");
    t_msleep(2500);
    char *after = file("index.html");
    ck_assert_msg(before && after && strcmp(before, after) != 0, "index.html not rewritten");
    free(before);
    free(after);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    t_nginx_stop(&ngx);
    /* No temporary file left behind. */
    struct t_out o =
        python("import os,sys\n"
               "print(sorted(f for r,d,fs in os.walk(sys.argv[1]) for f in fs if f.startswith('.')))\n",
               pub);
    T_HAS(o.out, "[]\n");
    t_out_free(&o);
}
END_TEST

/* Issue 15, item 4: the render's memory is linear in sites.  Each site
 * had an array as long as all series (6,000 sites: 290 MB more); now the
 * growth over a three-site render stays within a few KB a site, and every
 * site is on the index and in status.json.  (Under valgrind: few sites and
 * no bound, valgrind's own memory is the RSS.) */
START_TEST(render_memory_is_linear_in_sites)
{
#if defined(__SANITIZE_ADDRESS__)
    /* ASan's quarantine keeps up to 256 MB of freed memory: a small one,
     * so the RSS is the render's (both runs, the same). */
    char *asan = getenv("ASAN_OPTIONS") ? strdup(getenv("ASAN_OPTIONS")) : NULL;
    char opts[512];
    snprintf(opts, sizeof opts, "%s:quarantine_size_mb=4", asan ? asan : "");
    setenv("ASAN_OPTIONS", opts, 1);
#endif
    struct t_out o = t_sitewatch(dir, "render", NULL);
    ck_assert_msg(o.status == 0, "%s", o.err);
    long baseline = o.maxrss_kb;
    t_out_free(&o);
    int vg = getenv("SW_VALGRIND") != NULL, n = vg ? 200 : 6000;
    char *more = t_write(dir, "more.ini", "%s", "");
    FILE *f = fopen(more, "w");
    for (int i = 0; i < n; i++)
        fprintf(f, "[site many-%05d]\nurl = http://127.0.0.1:1/\nchecks = http\n", i);
    fclose(f);
    o = t_sitewatch(dir, "render", NULL);
    ck_assert_msg(o.status == 0, "%s", o.err);
    long grown = o.maxrss_kb - baseline;
    fprintf(stderr, "render_memory: 3 sites %ld KB, %d more %ld KB (+%ld KB, %.1f KB a site)\n", baseline, n,
            o.maxrss_kb, grown, (double)grown / n);
    t_out_free(&o);
#if defined(__SANITIZE_ADDRESS__)
    if (asan)
        setenv("ASAN_OPTIONS", asan, 1);
    else
        unsetenv("ASAN_OPTIONS");
    free(asan);
    const long per_site = 24; /* KB: redzones and shadow */
#else
    const long per_site = 6;
#endif
    if (!vg)
        ck_assert_msg(grown < n * per_site, "RSS grew by %ld KB for %d sites (bound %ld KB)", grown, n,
                      n * per_site);
    char *index = file("index.html"), *json = file("status.json");
    char want[64];
    snprintf(want, sizeof want, "%d sites:", n + 3);
    T_HAS(index, want);
    snprintf(want, sizeof want, "\"name\":\"many-%05d\"", n - 1);
    T_HAS(json, want);
    snprintf(want, sizeof want, "site/many-%05d.html", n - 1);
    ck_assert(exists(want));
    free(index);
    free(json);
    unlink(more);
    free(more);
}
END_TEST

/* Issue 15, item 9: one page that cannot be written (a folder in its
 * place) stops nothing: every other page and badge, status.json and the
 * index are written, the log names the file and why, and the index and
 * status.json show it as the site's page error. */
START_TEST(unwritable_page_stops_nothing)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/site/beta.html", pub);
    char *argv[] = {"mkdir", "-p", path, NULL};
    struct t_out o = t_run(argv, 10);
    ck_assert_int_eq(o.status, 0);
    t_out_free(&o);
    o = t_sitewatch(dir, "render", NULL);
    ck_assert_msg(o.status != 0, "render exit 0 with a page it could not write\n%s", o.err);
    const char *const written[] = {"index.html",      "status.json",       "style.css",
                                   "site/alpha.html", "site/hostile.html", "badge/alpha.svg",
                                   "badge/beta.svg",  "badge/hostile.svg"};
    for (size_t i = 0; i < sizeof written / sizeof *written; i++)
        ck_assert_msg(exists(written[i]), "%s missing", written[i]);
    T_HAS(o.err, "html: cannot put in place site/beta.html: Is a directory (in ");
    T_HAS(o.err, "html: 1 of 9 files could not be written");
    t_out_free(&o);
    char *index = file("index.html"), *json = file("status.json");
    T_HAS(index, "<div class=\"page-error\">cannot put in place site/beta.html: Is a directory</div>");
    T_HAS(index, "site/alpha.html");
    T_HAS(json, "\"page_error\":\"cannot put in place site/beta.html: Is a directory\"");
    T_HAS(json, "\"name\":\"alpha\"");
    ck_assert_ptr_null(strstr(index, pub)); /* the server's folders stay private */
    free(index);
    free(json);
    o = python("import json,sys\n"
               "d = json.load(open(sys.argv[1] + '/status.json'))\n"
               "print(sorted((s['name'], s['page_error'] is None) for s in d['sites']))\n",
               pub);
    T_HAS(o.out, "[('alpha', True), ('beta', False), ('hostile', True)]");
    t_out_free(&o);
}
END_TEST

/* Two instances of the html plugin (plugin = html) render side by side,
 * each into its own folder with its own title. */
START_TEST(two_html_outputs)
{
    free(t_write(dir, "1out.ini",
                 "[storage sqlite]\npath = %s/sw.db\n[output html]\ndir = %s\ntitle = Public\n"
                 "[output internal]\nplugin = html\ndir = %s/internal\ntitle = Internal\n",
                 dir, pub, dir));
    struct t_out o = t_sitewatch(dir, "render", NULL);
    ck_assert_msg(o.status == 0, "render exited %d\n%s", o.status, o.err);
    t_out_free(&o);
    char *index = file("index.html");
    T_HAS(index, "Public");
    T_HAS(index, "alpha");
    free(index);
    char path[2048];
    snprintf(path, sizeof path, "%s/internal/index.html", dir);
    index = t_read(path);
    ck_assert_msg(index != NULL, "%s missing", path);
    T_HAS(index, "Internal");
    T_HAS(index, "alpha");
    ck_assert_msg(strstr(index, "Public") == NULL, "%s", index);
    free(index);
    snprintf(path, sizeof path, "%s/internal/site/beta.html", dir);
    ck_assert_msg(access(path, F_OK) == 0, "%s missing", path);
}
END_TEST

/* ---- the sqlite storage under the pages ---- */

/* 2026-11-21T00:00:00Z */
#define H0   1795219200000000LL
#define HOUR (6 * MIN10)

static void sql_ok(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK, "%s: %s", sql, err);
}

/* The phases of the K-th old result, seconds: total, first byte. */
static double old_total(int k)
{
    return 0.020 + 0.001 * (k % 7);
}
static double old_first_byte(int k)
{
    return 0.005 + 0.0005 * (k % 3);
}
/* ...and its transfer, as schema 2 computed it. */
static double old_transfer(int k)
{
    return old_total(k) - 0.003 - old_first_byte(k);
}

struct old_sums {
    int n, nphases;
    int64_t count;
    char names[8][32];
    double means[8], legacy[SW_PHASES];
};

static int old_bucket(const struct sw_bucket *b, void *ud)
{
    struct old_sums *o = ud;
    ck_assert_int_ge(b->size, sizeof *b);
    o->n++;
    o->count += b->count[SW_OK];
    o->nphases = b->nphases;
    for (int p = 0; p < b->nphases && p < 8; p++) {
        snprintf(o->names[p], sizeof o->names[p], "%s", b->phase_names[p]);
        o->means[p] = b->phase_means[p];
    }
    memcpy(o->legacy, b->phase, sizeof o->legacy);
    return 0;
}

static int old_newest(const sw_result *r, void *ud)
{
    double *transfer = ud;
    for (int i = 0; i < sw_host_api()->result_metric_count(r); i++) {
        const char *k;
        double v;
        sw_host_api()->result_metric_at(r, i, &k, &v);
        if (strcmp(k, "time.transfer") == 0)
            *transfer = v;
    }
    return 1;
}

/* Results and their rollups as a sitewatch of schema version 3 stored
 * them: the web checks reported no time.transfer, and the writer summed
 * time.total less the other phases into ph_transfer. */
static void old_fill(sqlite3 *h, int n)
{
    sql_ok(h, "INSERT INTO series(id, site, check_name, location) VALUES (1, 'old', 'http', 'lab')");
    for (int k = 0; k < n; k++) {
        char *row =
            sqlite3_mprintf("INSERT INTO results(series, scheduled, started, duration, verdict, since,"
                            " reason, metrics) VALUES (1, %lld, %lld, %d, 0, %lld, 'fine',"
                            " '{\"time.total\":%.4f,\"time.dns\":0.001,\"time.connect\":0.002,"
                            "\"time.first_byte\":%.4f}')",
                            (long long)(H0 + k * MIN10 + MIN10 / 2), (long long)(H0 + k * MIN10 + MIN10 / 2),
                            (int)(old_total(k) * 1e6), (long long)H0, old_total(k), old_first_byte(k));
        sql_ok(h, row);
        sqlite3_free(row);
    }
    static const int64_t spans[] = {MIN10, HOUR, 24 * HOUR};
    for (int sp = 0; sp < 3; sp++) {
        for (int64_t slot = H0; slot < H0 + n * MIN10; slot += spans[sp]) {
            int m = 0, lat = 0;
            double fb = 0, tr = 0;
            for (int k = 0; k < n; k++) {
                int64_t t = H0 + k * MIN10 + MIN10 / 2;
                if (t < slot || t >= slot + spans[sp])
                    continue;
                m++, lat += (int)(old_total(k) * 1e6), fb += old_first_byte(k);
                tr += old_transfer(k);
            }
            char *row = sqlite3_mprintf(
                "INSERT INTO rollups VALUES (1, %lld, %lld, %d, 0, 0, 0, %d, %d, 0, 0,"
                " %d, %.17g, %.17g, 0, %.17g, %.17g, NULL)",
                (long long)spans[sp], (long long)slot, m, m, lat, m, 0.001 * m, 0.002 * m, fb, tr);
            sql_ok(h, row);
            sqlite3_free(row);
        }
    }
}

enum { OLD_N = 36 }; /* six hours, one every 10 min */

/* A config folder whose [storage sqlite] is DB (DIR/old.db), a file of
 * schema version 3 holding OLD_N results of site old. */
static char *old_database(char *db, size_t size)
{
    char *d = t_conf_dir(NULL, NULL);
    snprintf(db, size, "%s/old.db", d);
    free(t_write(d, "1st.ini", "[storage sqlite]\npath = %s\n", db));
    /* Versions 1 to 3 are the same migrations as ever: made by the plugin,
     * with versions 4 and 5 taken back (an empty file has nothing else of
     * them). */
    struct t_storage t;
    t_storage_open(&t, d, "sqlite");
    t_storage_close(&t);
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    sql_ok(h, "DROP TABLE phases; DROP TABLE results_v3; ALTER TABLE rollups DROP COLUMN n_maint;"
              " DELETE FROM schema_version WHERE version > 3");
    old_fill(h, OLD_N);
    sqlite3_close(h);
    return d;
}

/* A file of schema version 3 (rollups with five fixed phase columns, no
 * time.transfer in its results) is migrated when opened, without writing
 * its results again: the same phases come back, now by name, from whole
 * rollup slots and from the raw results at a window's ragged edges alike. */
START_TEST(old_database_keeps_its_phases)
{
    char db[2048], *d = old_database(db, sizeof db);
    enum { N = OLD_N };
    struct t_storage t;
    t_storage_open(&t, d, "sqlite");
    ck_assert_int_eq(t_sql_long(db, "SELECT max(version) FROM schema_version"), 5);
    ck_assert_int_eq(t_sql_long(db, "SELECT last_id FROM results_v3"), N);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results WHERE metrics LIKE '%time.transfer%'"), 0);
    /* Whole hours (rollups), then ragged edges: raw rows at both ends. */
    const int64_t froms[] = {H0, H0 + 3 * 60000000LL},
                  tos[] = {H0 + 6 * HOUR, H0 + 6 * HOUR - 2 * 60000000LL};
    for (int w = 0; w < 2; w++) {
        int64_t from = froms[w], to = tos[w];
        struct old_sums got = {0};
        ck_assert_int_eq(
            t.p->desc.storage_buckets(t.inst, "old", "http", from, to, to - from, 0, old_bucket, &got), 0);
        double dns = 0, con = 0, fb = 0, tr = 0;
        int n = 0;
        for (int k = 0; k < N; k++) {
            if (H0 + k * MIN10 + MIN10 / 2 < from || H0 + k * MIN10 + MIN10 / 2 >= to)
                continue;
            dns += 0.001, con += 0.002, fb += old_first_byte(k);
            tr += old_transfer(k);
            n++;
        }
        ck_assert_int_eq(got.n, 1);
        ck_assert_int_eq(got.count, n);
        ck_assert_int_eq(got.nphases, 5);
        const char *names[] = {"time.dns", "time.connect", "time.tls", "time.first_byte", "time.transfer"};
        double want[] = {dns / n, con / n, 0, fb / n, tr / n};
        for (int p = 0; p < 5; p++) {
            ck_assert_str_eq(got.names[p], names[p]);
            ck_assert_msg(fabs(got.means[p] - want[p]) < 1e-9, "window %d, %s: %.9f, want %.9f", w, names[p],
                          got.means[p], want[p]);
            ck_assert_msg(fabs(got.legacy[p] - want[p]) < 1e-9, "window %d, phase[%d]: %.9f, want %.9f", w, p,
                          got.legacy[p], want[p]);
        }
    }
    /* ...and the old results say their transfer, as the web checks now do. */
    double transfer = -1;
    ck_assert_int_eq(
        t.p->desc.storage_history(t.inst, "old", "http", 0, INT64_MAX, 1, 0, old_newest, &transfer), 0);
    ck_assert_msg(fabs(transfer - old_transfer(N - 1)) < 1e-9, "%.9f", transfer);
    /* A result stored since reads as it was written: this one reports a
     * time.total and no transfer. */
    sw_result *r = sw_result_new("old", "dns", "lab");
    r->scheduled = r->started = H0 + 7 * HOUR;
    r->duration = 3000;
    sw_result_set(r, SW_OK, "A 127.0.0.1");
    sw_result_metric(r, "time.total", 0.003);
    ck_assert_int_eq(t.p->desc.storage_write(t.inst, (const sw_result *const *)&r, 1), 0);
    sw_result_unref(r);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE \"check\" = 'dns'"), 1);
    transfer = -1;
    ck_assert_int_eq(
        t.p->desc.storage_history(t.inst, "old", "dns", 0, INT64_MAX, 1, 0, old_newest, &transfer), 0);
    ck_assert_msg(transfer == -1, "a new result got a transfer of %.9f", transfer);
    t_storage_close(&t);
    t_rmtree(d);
    free(d);
}
END_TEST

/* `sitewatch -c D ARGS...` (up to five) by a user who may not write its
 * files: root writes a 0444 file all the same, so as root it runs as
 * nobody (the folder open to it, for the -shm file SQLite reads WAL by). */
static struct t_out old_as_reader(const char *d, const char *const *args)
{
    char *argv[13] = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *)t_bin(),
                      "-c",      (char *)d};
    for (int i = 0; args[i] && i < 5; i++)
        argv[7 + i] = (char *)args[i];
    return t_run(geteuid() == 0 ? argv : argv + 4, 30);
}

/* A schema-3 file the reader may not write (never migrated: the daemon
 * that would has not run since the upgrade) still reads: status, history
 * with its phases, uptime from its rollups, and the file stays as it was. */
START_TEST(old_database_read_only)
{
    char db[2048], *d = old_database(db, sizeof db);
    free(t_write(d, "2site.ini", "[site old]\nurl = http://127.0.0.1:9/\nchecks = http\n"));
    ck_assert_int_eq(chmod(db, 0444), 0);
    ck_assert_int_eq(chmod(d, 0777), 0);
    struct t_out o = old_as_reader(d, (const char *const[]){"status", NULL});
    ck_assert_msg(o.status == 0, "status exited %d\n%s%s", o.status, o.out, o.err);
    T_HAS(o.out, "O O O O O O O");
    T_HAS(o.err, "read-only at schema version 3: read as it is, not migrated");
    t_out_free(&o);
    o = old_as_reader(d, (const char *const[]){"history", "old", "--format", "json", NULL});
    ck_assert_msg(o.status == 0, "history exited %d\n%s", o.status, o.err);
    char want[128];
    snprintf(want, sizeof want, "\"time.first_byte\":%g,\"time.transfer\":%g}", old_first_byte(OLD_N - 1),
             old_transfer(OLD_N - 1));
    T_HAS(o.out, want);
    t_out_free(&o);
    o = old_as_reader(d, (const char *const[]){"uptime", "--since", "3650d", "--format", "json", NULL});
    ck_assert_msg(o.status == 0, "uptime exited %d\n%s", o.status, o.err);
    T_HAS(o.out, "\"ok\":36,");
    t_out_free(&o);
    ck_assert_int_eq(t_sql_long(db, "SELECT max(version) FROM schema_version"), 3);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM sqlite_master WHERE name = 'phases'"), 0);
    t_rmtree(d);
    free(d);
}
END_TEST

/* A phase no plugin of the tree declares (a third party's check) gets a
 * rollups column of its own while the writer runs, and comes back by name
 * after the web ones, its mean as stored. */
START_TEST(a_new_phase_gets_its_column)
{
    char *d = t_conf_dir(NULL, NULL);
    free(t_write(d, "1st.ini", "[storage sqlite]\npath = %s/new.db\n", d));
    struct t_storage t;
    t_storage_open(&t, d, "sqlite");
    static const struct sw_metric_decl decls[] = {{.name = "smtp.banner",
                                                   .unit = "s",
                                                   .flags = SW_METRIC_PHASE,
                                                   .help = "until the banner",
                                                   .label = "banner"},
                                                  {.name = NULL}};
    struct sw_loaded smtp = {.name = "smtp",
                             .desc = {.kind = SW_KIND_CHECK},
                             .metrics = (struct sw_metric_decl *)decls,
                             .nmetrics = 1};
    sw_metrics_note(&smtp);
    sw_result *v[4];
    for (int i = 0; i < 4; i++) {
        v[i] = sw_result_new("mail", "smtp", "lab");
        v[i]->scheduled = v[i]->started = H0 + i * MIN10;
        v[i]->duration = 50000;
        sw_result_set(v[i], SW_OK, "220 ready");
        sw_result_metric(v[i], "smtp.banner", 0.01 * (i + 1));
    }
    ck_assert_int_eq(t.p->desc.storage_write(t.inst, (const sw_result *const *)v, 4), 0);
    for (int i = 0; i < 4; i++)
        sw_result_unref(v[i]);
    struct old_sums got = {0};
    ck_assert_int_eq(
        t.p->desc.storage_buckets(t.inst, "mail", "smtp", H0, H0 + HOUR, HOUR, 0, old_bucket, &got), 0);
    ck_assert_int_eq(got.n, 1);
    ck_assert_int_eq(got.nphases, 6);
    ck_assert_str_eq(got.names[5], "smtp.banner");
    ck_assert_msg(fabs(got.means[5] - 0.025) < 1e-12, "%.9f", got.means[5]);
    ck_assert_msg(fabs(got.means[0]) < 1e-12, "time.dns %.9f", got.means[0]);
    t_storage_close(&t);
    t_rmtree(d);
    free(d);
}
END_TEST

static int count_bucket(const struct sw_bucket *b, void *ud)
{
    int64_t *n = ud;
    n[0]++;
    n[1] += b->count[SW_OK];
    return 0;
}

static int count_result(const sw_result *r, void *ud)
{
    (void)r;
    ++*(int *)ud;
    return 0;
}

/* One site in 300 locations is 300 series: every one is read (reads once
 * stopped at 256 a site, silently). */
START_TEST(more_than_256_series_a_site)
{
    char *d = t_conf_dir(NULL, NULL);
    free(t_write(d, "1st.ini", "[storage sqlite]\npath = %s/wide.db\n", d));
    enum { N = 300 };
    sw_result *v[N];
    for (int i = 0; i < N; i++) {
        char loc[16];
        snprintf(loc, sizeof loc, "loc-%03d", i);
        v[i] = sw_result_new("wide", "http", loc);
        v[i]->scheduled = v[i]->started = H0 + i * 1000000LL;
        v[i]->duration = 1000;
        sw_result_set(v[i], SW_OK, "fine");
    }
    t_store(d, "sqlite", v, N);
    for (int i = 0; i < N; i++)
        sw_result_unref(v[i]);
    struct t_storage t;
    t_storage_open(&t, d, "sqlite");
    int64_t per_loc[2] = {0}, merged[2] = {0};
    ck_assert_int_eq(t.p->desc.storage_buckets(t.inst, "wide", "http", H0, H0 + HOUR, HOUR,
                                               SW_BUCKETS_BY_LOCATION, count_bucket, per_loc),
                     0);
    ck_assert_int_eq(per_loc[0], N);
    ck_assert_int_eq(per_loc[1], N);
    ck_assert_int_eq(
        t.p->desc.storage_buckets(t.inst, "wide", NULL, H0, H0 + HOUR, HOUR, 0, count_bucket, merged), 0);
    ck_assert_int_eq(merged[0], 1);
    ck_assert_int_eq(merged[1], N);
    int results = 0;
    ck_assert_int_eq(t.p->desc.storage_history(t.inst, "wide", NULL, 0, INT64_MAX, 1000, SW_HISTORY_SUMMARY,
                                               count_result, &results),
                     0);
    ck_assert_int_eq(results, N);
    t_storage_close(&t);
    t_rmtree(d);
    free(d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("html");
    TCase *tc = tcase_create("render");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, render_from_sqlite);
    tcase_add_test(tc, removed_site_pruned);
    tcase_add_test(tc, bad_output_config);
    tcase_add_test(tc, chromium_reads_pages);
    tcase_add_test(tc, chromium_cells_under_their_headers);
    tcase_add_test(tc, daemon_keeps_pages_current);
    tcase_add_test(tc, render_memory_is_linear_in_sites);
    tcase_add_test(tc, unwritable_page_stops_nothing);
    tcase_add_test(tc, two_html_outputs);
    suite_add_tcase(s, tc);
    TCase *st = tcase_create("storage");
    tcase_add_test(st, old_database_keeps_its_phases);
    tcase_add_test(st, old_database_read_only);
    tcase_add_test(st, more_than_256_series_a_site);
    tcase_add_test(st, a_new_phase_gets_its_column);
    suite_add_tcase(s, st);
    return t_run_suite(s, 0);
}

/* SPDX-License-Identifier: MIT
 *
 *     [output html]
 *     dir   = public              ; the folder to publish
 *     every = 60s                 ; how often the core renders; the pages' refresh
 *     title = python.org status
 *
 * One render: gather the model, then write style.css, index.html,
 * site/NAME.html, badge/NAME.svg and status.json, each whole and renamed
 * into place; pages of sites no longer configured are removed.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"

SW_PLUGIN_INIT1

/* `every` is declared here, and only here: the core renders at this
 * interval (core/output.c reads it from this declaration) and the pages
 * refresh at it. */
static const struct sw_key html_keys[] = {
    {.name = "dir",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED,
     .help = "the folder to write (created if missing)"},
    {.name = "every",
     .type = SW_KEY_DURATION,
     .def = "60s",
     .min = SW_S,
     .max = SW_DAY,
     .help =
         "how often run rewrites it (the core schedules renders by this key); also the pages' meta refresh"},
    {.name = "title", .type = SW_KEY_STRING, .def = "Status", .help = "the heading of every page"},
    {0},
};

const char html_css[] =
    ":root{--ok:#2e7d32;--warn:#b26a00;--fail:#c62828;--unknown:#616161;--maint:#5c6bc0;--line:#e0e0e0}\n"
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI','DejaVu Sans',sans-serif;margin:0;color:#212121;"
    "background:#fafafa}\n"
    "header,main,footer{max-width:1100px;margin:0 auto;padding:0 16px}\n"
    "header{padding-top:20px}h1{font-size:26px;margin:8px 0}h2{font-size:20px;margin:28px 0 6px}"
    "h3{font-size:15px;margin:20px 0 6px;color:#424242}\n"
    "a{color:#1565c0}nav a{text-decoration:none}\n"
    ".summary{font-size:17px;margin:4px 0 16px}.url{color:#616161;font-size:13px;word-break:break-all;"
    "font-weight:normal}\n"
    "table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}\n"
    "th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}\n"
    "thead th{background:#f5f5f5;font-size:13px;color:#424242;white-space:nowrap}\n"
    "tbody.site{border-top:2px solid #bdbdbd}tbody.site th{border-left:5px solid var(--unknown)}\n"
    "tbody.v-ok th{border-left-color:var(--ok)}tbody.v-warn th{border-left-color:var(--warn)}"
    "tbody.v-fail th{border-left-color:var(--fail)}\n"
    ".num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}.since{white-space:nowrap}\n"
    ".verdict{font-weight:600;white-space:nowrap}.v-ok.verdict,.summary .v-ok{color:var(--ok)}"
    ".v-warn.verdict,.summary .v-warn{color:var(--warn)}"
    ".v-fail.verdict,.summary .v-fail{color:var(--fail)}.v-unknown.verdict,.summary "
    ".v-unknown{color:var(--unknown)}\n"
    "h1 .verdict,h2 .verdict{font-size:.8em;margin-left:8px}\n"
    ".mark{display:inline-block;width:18px;height:18px;line-height:18px;margin-right:2px;border-radius:3px;"
    "color:#fff;text-align:center;font-size:12px;font-weight:700;cursor:default}\n"
    ".mark.v-ok{background:var(--ok)}.mark.v-warn{background:var(--warn)}.mark.v-fail{background:var(--fail)}"
    ".mark.v-unknown{background:var(--unknown)}.mark.maint{background:var(--maint)}\n"
    "tr.reason td{border-top:0;padding-top:0;font-size:13px;color:#424242;word-break:break-word}"
    "tr.reason.v-fail td{color:var(--fail)}tr.reason.v-warn td{color:var(--warn)}\n"
    ".page-error{color:var(--fail);font-size:12px;font-weight:normal;word-break:break-all}\n"
    "td.marks{white-space:nowrap}.warnshare{font-size:11px;color:var(--warn)}.none{color:#757575}\n"
    "p.reason{font-size:15px;margin:4px 0}p.meta{color:#616161;font-size:13px;margin:4px 0}\n"
    "svg.graph{max-width:100%;height:auto;display:block;background:#fff;border:1px solid var(--line)}\n"
    "table.results td.reason{word-break:break-word}table.details pre{margin:0;white-space:pre-wrap;"
    "word-break:break-all;font-size:12px}\n"
    "section.check{border-top:1px solid var(--line);margin-top:16px}\n"
    "footer{color:#757575;font-size:12px;padding:24px 16px}\n";

static int html_open(void *state, const sw_config *cfg, void **out)
{
    (void)state;
    const char *dir = sw_api->config_get(cfg, "dir");
    if (!dir) /* required: the core said so */
        return SW_ECONFIG;
    if (!*dir)
        return sw_api->config_error(cfg, "dir", "the folder to write the pages to, e.g. public");
    const char *title = sw_api->config_get(cfg, "title");
    int64_t refresh = sw_api->config_value(cfg, "every", -1);
    struct html_inst *h = calloc(1, sizeof *h);
    if (!h)
        return SW_ENOMEM;
    h->dir = strdup(dir);
    h->title = strdup(title && *title ? title : "Status");
    h->refresh = refresh;
    /* Pages are for a web server to read: 0666 less the umask, as open(2)
     * would give.  Read here, on the main thread, before any render. */
    mode_t mask = umask(022);
    umask(mask);
    h->mode = 0644 & ~(int)mask; /* readable by the web server, writable by no one else */
    if (!h->dir || !h->title) {
        free(h->dir);
        free(h->title);
        free(h);
        return SW_ENOMEM;
    }
    *out = h;
    return 0;
}

static void html_close(void *p)
{
    struct html_inst *h = p;
    if (!h)
        return;
    free(h->dir);
    free(h->title);
    free(h);
}

static int html_slug_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Remove the files in SUB ending in EXT that belong to no site of the
 * model (looked up in the sorted slugs: a scan of every site per file was
 * 10^8 comparisons at 10,000 sites). */
static void html_prune(const struct html_inst *h, const struct html_model *m, const char *sub,
                       const char *ext)
{
    struct buf path = {0};
    buf_printf(&path, "%s/%s", h->dir, sub);
    char **slugs = malloc(sizeof *slugs * ((size_t)m->nsites + 1));
    DIR *d = path.failed || !slugs ? NULL : opendir(path.s);
    for (int i = 0; slugs && i < m->nsites; i++)
        slugs[i] = m->sites[i].slug;
    if (slugs)
        qsort(slugs, (size_t)m->nsites, sizeof *slugs, html_slug_cmp);
    size_t el = strlen(ext);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n <= el || strcmp(e->d_name + n - el, ext) != 0 || e->d_name[0] == '.')
            continue;
        char stem[sizeof e->d_name];
        memcpy(stem, e->d_name, n - el);
        stem[n - el] = '\0';
        char *key = stem;
        if (!bsearch(&key, slugs, (size_t)m->nsites, sizeof *slugs, html_slug_cmp)) {
            struct buf f = {0};
            buf_printf(&f, "%s/%s", path.s, e->d_name);
            if (!f.failed)
                unlink(f.s);
            buf_free(&f);
        }
    }
    if (d)
        closedir(d);
    free(slugs);
    buf_free(&path);
}

/* Site pages and badges, the bulk of a render, share out over a few
 * threads: the model is read-only by now (but for each site's error,
 * written by the thread that has the site), and the host's history reads
 * may come from several threads at once (ABI 1.2).  A page that cannot be
 * written stops nothing: the site keeps the error, for the index and
 * status.json to show. */
struct html_pages_job {
    const struct html_inst *h;
    struct html_model *m;
    int first, step;
    int *nfailed; /* files that could not be written, shared */
};

/* Write the file REL (its bytes in B) of SITE; a failure is kept on it. */
static void html_site_file(struct html_pages_job *j, struct html_site *site, const struct buf *rel,
                           const struct buf *b, int if_changed)
{
    char why[600];
    int rc = rel->failed ? SW_ENOMEM : html_write_file(j->h, rel->s, b, if_changed, why, sizeof why);
    if (rc == SW_ENOMEM && rel->failed)
        snprintf(why, sizeof why, "cannot name a file of site %s: out of memory", site->name);
    if (!rc)
        return;
    html_write_failed(j->h, j->nfailed, why);
    if (!site->error)
        site->error = strdup(why);
}

/* Empty B and NAME for the next file; out of memory stays with a buf (it
 * is sticky), so one that failed is freed and starts anew. */
static void html_bufs_fresh(struct buf *b, struct buf *name)
{
    if (b->failed || name->failed) {
        buf_free(b);
        buf_free(name);
    }
    buf_reset(b);
    buf_reset(name);
}

static void *html_pages_share(void *arg)
{
    struct html_pages_job *j = arg;
    struct buf b = {0}, name = {0};
    for (int i = j->first; i < j->m->nsites; i += j->step) {
        struct html_site *site = &j->m->sites[i];
        html_bufs_fresh(&b, &name);
        html_site_page(&b, j->m, site); /* out of memory: B says so, and the write below */
        buf_printf(&name, "site/%s.html", site->slug);
        html_site_file(j, site, &name, &b, 0);
        html_bufs_fresh(&b, &name);
        html_badge(&b, site);
        buf_printf(&name, "badge/%s.svg", site->slug);
        html_site_file(j, site, &name, &b, 1);
    }
    buf_free(&b);
    buf_free(&name);
    return NULL;
}

static void html_pages(const struct html_inst *h, struct html_model *m, int *nfailed)
{
    enum { MAX_THREADS = 4, SITES_PER_THREAD = 32 };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
    if (n > 1 + m->nsites / SITES_PER_THREAD)
        n = 1 + m->nsites / SITES_PER_THREAD;
    struct html_pages_job jobs[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < n; t++) {
        jobs[t] = (struct html_pages_job){h, m, t, n, nfailed};
        if (t > 0)
            started[t] = pthread_create(&tid[t], NULL, html_pages_share, &jobs[t]) == 0;
    }
    /* This thread takes the first share, and any share whose thread did not start. */
    for (int t = 0; t < n; t++)
        if (t == 0 || !started[t])
            html_pages_share(&jobs[t]);
    for (int t = 0; t < n; t++)
        if (started[t])
            pthread_join(tid[t], NULL);
}

/* Write one of the render's own files (style.css, status.json, index.html). */
static void html_top_file(const struct html_inst *h, const char *rel, const struct buf *b, int if_changed,
                          int *nfailed)
{
    char why[600];
    if (html_write_file(h, rel, b, if_changed, why, sizeof why))
        html_write_failed(h, nfailed, why);
}

static int html_render(void *p, const sw_render *rd)
{
    struct html_inst *h = p;
    struct html_model m;
    int rc = html_model_build(&m, rd, h);
    int nfailed = 0, nfiles = 3 + 2 * m.nsites;
    if (rc) {
        html_model_free(&m);
        return rc;
    }
    /* A folder that cannot be made is logged; its files then fail one by one. */
    html_mkdirs(h->dir, "site");
    html_mkdirs(h->dir, "badge");
    struct buf b = {0};
    buf_puts(&b, html_css);
    html_top_file(h, "style.css", &b, 1, &nfailed);
    html_pages(h, &m, &nfailed);
    buf_free(&b); /* a fresh buf: out of memory in one file must not fail the next */
    html_status_json(&b, &m);
    html_top_file(h, "status.json", &b, 0, &nfailed);
    /* The index last: when it links a page, the page is there. */
    buf_free(&b);
    html_index(&b, &m);
    html_top_file(h, "index.html", &b, 0, &nfailed);
    html_prune(h, &m, "site", ".html");
    html_prune(h, &m, "badge", ".svg");
    buf_free(&b);
    html_model_free(&m);
    if (nfailed)
        sw_api->log(SW_LOG_ERROR,
                    "html: %d of %d files could not be written (said above); the rest are in place", nfailed,
                    nfiles);
    return nfailed ? SW_EIO : 0;
}

static const struct sw_plugin html_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "html",
    .kind = SW_KIND_OUTPUT,
    .description = "a static status site: index, a page and a badge per site, status.json",
    .key_decls = html_keys,
    .key_size = sizeof(struct sw_key),
    .output_open = html_open,
    .output_close = html_close,
    .output_render_view = html_render,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    SW_PLUGIN_INIT2(host);
    if (!SW_API_HAS(host, history_buckets))
        return NULL; /* needs ABI 1.2: the loader names both versions */
    return &html_plugin;
}

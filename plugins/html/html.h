/* SPDX-License-Identifier: MIT
 * The html output plugin: a folder of static files (index.html, one page per
 * site, status.json, a badge per site, style.css) that needs no JavaScript
 * and no asset from elsewhere.  One render gathers a model of every site
 * from the snapshot and storage, then writes each file whole under a
 * temporary name and renames it into place. */
#ifndef SW_HTML_H
#define SW_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

SW_PLUGIN_INIT3

#define HTML_MARKS 7 /* results shown as marks on the index */
#define HTML_LAST  50
enum { HTML_24H, HTML_7D, HTML_30D, HTML_WINDOWS };
extern const int64_t html_window[HTML_WINDOWS];
extern const char *const html_window_name[HTML_WINDOWS];

struct html_mark {
    int64_t started, duration;
    int verdict;
    int maintenance; /* came inside a maintenance window: its own colour */
    char *reason;
};

/* Buckets copied out of a history_buckets call, each with its own copy of
 * the phase means; the phase names (the same for every bucket of a call)
 * copied once, into names. */
struct bucket_list {
    struct sw_bucket *v;
    int n, cap, failed;
    char **names;
    int nnames;
};
int bucket_cb(const struct sw_bucket *b, void *ud); /* appends to a bucket_list */
void bucket_list_free(struct bucket_list *l);

/* One site x check as the pages show it. */
struct html_series {
    const char *site, *check, *url; /* lent by the snapshot */
    int64_t interval;
    int index;   /* in the snapshot */
    int verdict; /* of the newest result; SW_UNKNOWN with nmarks == 0 */
    int64_t since, last_started, last_duration;
    char *reason;
    struct html_mark marks[HTML_MARKS]; /* newest first */
    int nmarks;
    int64_t up[HTML_WINDOWS][4]; /* results by verdict in each window */
    struct bucket_list locs;     /* the last 24 h, one bucket per location */
    int have_up;
};

struct html_site {
    const char *name, *url;
    char *slug; /* file name without .html/.svg */
    int verdict;
    int64_t since;
    char *error; /* its page or badge could not be written: which and why (the page thread's) */
    struct html_series **series; /* a slice of the model's site_series */
    int nseries;
};

struct html_model {
    const sw_render *rd;
    int64_t now;
    const char *title, *location;
    int64_t refresh;
    struct html_series *series;
    int nseries;
    struct html_site *sites;          /* worst first, then configuration order */
    struct html_series **site_series; /* the sites' series lists, one slice each */
    int nsites;
};

struct html_inst {
    char *dir, *title;
    int64_t refresh;
    int mode; /* file permissions: 0666 less the umask at open */
};

/* model.c */
int html_model_build(struct html_model *m, const sw_render *rd, const struct html_inst *h);
void html_model_free(struct html_model *m);
/* Uptime in percent of the judged results (OK + WARN over OK + WARN +
 * FAIL; UNKNOWN is the monitor's failure, not the site's); NAN if none. */
double html_uptime(const int64_t n[4]);
double html_warn_share(const int64_t n[4]);

/* files.c */
/* Write B to DIR/REL; with IF_CHANGED leave a file that already holds B
 * alone (badges rarely change: a rename costs a journal commit).  0, or an
 * SW_E* code with WHY (WHYLEN bytes, may be NULL) saying which file (REL:
 * the pages show it, not the server's folders) and why, not logged. */
int html_write_file(const struct html_inst *h, const char *rel, const struct buf *b, int if_changed,
                    char *why, size_t whylen);
/* Log WHY of a file of H that could not be written: the first few of a
 * render (NFAILED counts them, shared by the page threads), then a count. */
void html_write_failed(const struct html_inst *h, int *nfailed, const char *why);
int html_mkdirs(const char *dir, const char *sub);
char *html_slug(const char *name);
extern const char html_css[];

/* text.c: words and times for pages */
const char *html_verdict_word(int v);
const char *html_verdict_class(int v);
const char *html_verdict_glyph(int v);
/* "2026-11-21 10:05 UTC" (SECONDS adds :ss). */
void html_time(struct buf *b, int64_t us, int seconds);
void html_ms(struct buf *b, double seconds);
void html_percent(struct buf *b, double p);
void html_page_head(struct buf *b, const struct html_model *m, const char *title, const char *root);
void html_page_foot(struct buf *b, const struct html_model *m);

/* the files */
void html_index(struct buf *b, const struct html_model *m);
int html_site_page(struct buf *b, const struct html_model *m, const struct html_site *s);
void html_status_json(struct buf *b, const struct html_model *m);
void html_badge(struct buf *b, const struct html_site *s);

/* svg.c */
struct html_graph {
    int64_t from, to, step;
    const struct sw_bucket *b; /* buckets with data, oldest first */
    int n;
    int day_ticks; /* ticks at midnight with weekday labels, else every 3 h */
    int64_t gap;   /* a longer pause between buckets breaks the line */
};
void html_svg_latency(struct buf *b, const struct html_graph *g, const char *label);
/* The buckets' phases stacked (their phase_names and phase_means), with
 * the legend's words from the declarations (api->metrics_declared). */
void html_svg_phases(struct buf *b, const struct html_graph *g, const char *label);

#endif

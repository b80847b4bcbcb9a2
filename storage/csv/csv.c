/* SPDX-License-Identifier: MIT
 *
 *     [storage csv]
 *     dir   = var/csv      ; one file per UTC day: results-2026-11-21.csv
 *     fsync = batch        ; batch: on disk before the batch counts as stored;
 *                          ; never: leave it to the kernel
 *
 * RFC 4180 files a spreadsheet or Python's csv module opens as they are: a
 * header row, CRLF-free LF rows, fields quoted when they need it, UTC
 * ISO-8601 times, one column per well-known metric and two JSON columns
 * with every metric and every info.  Each batch goes out in one write()
 * per file; if that fails the file is cut back to where it was, and a row
 * torn by a crash is cut off when the plugin next opens the folder, so a
 * reader never meets half a row.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fs.h"

SW_PLUGIN_INIT1

static const char *const csv_fsync_words[] = {"batch", "never", NULL};
enum { CSV_FSYNC_BATCH, CSV_FSYNC_NEVER };

static const struct sw_key csv_keys[] = {
    {.name = "dir",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED,
     .help = "the folder of daily files, created if missing"},
    {.name = "fsync",
     .type = SW_KEY_WORD,
     .def = "batch",
     .words = csv_fsync_words,
     .help = "batch: each batch is on disk before it counts as stored; never: left to the kernel"},
    {0},
};

/* Metrics with a column of their own, in this order after the fixed ones. */
static const char *const csv_metric_cols[] = {
    "time.total",  "time.dns",      "time.connect", "time.tls",    "time.first_byte", "size.body",
    "http.status", "tls.days_left", "dns.rcode",    "dns.answers", "sched.lag",       NULL,
};

struct csv_inst {
    char *dir;
    int fsync;
    int fd;       /* the open day's file, or -1 */
    char day[16]; /* its date, YYYY-MM-DD */
};

static void csv_header(struct buf *b)
{
    buf_puts(b, "started,scheduled,site,check,location,verdict,since,duration_ms,reason");
    for (const char *const *m = csv_metric_cols; *m; m++)
        buf_printf(b, ",%s", *m);
    buf_puts(b, ",metrics,info\n");
}

/* UTC ISO-8601 with microseconds; YYYY-MM-DD into DAY when given. */
static void csv_time(struct buf *b, int64_t us, char day[16])
{
    time_t s = (time_t)(us / 1000000);
    int frac = (int)(us % 1000000);
    if (frac < 0) {
        s--;
        frac += 1000000;
    }
    struct tm tm;
    char t[40];
    gmtime_r(&s, &tm);
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
    if (b)
        buf_printf(b, "%s.%06dZ", t, frac);
    if (day)
        strftime(day, 16, "%Y-%m-%d", &tm);
}

static void csv_num(struct buf *b, double v)
{
    if (v == v && v - v == 0) /* finite; an empty field otherwise */
        buf_printf(b, "%.15g", v);
}

static void csv_row(struct buf *b, const sw_result *r)
{
    csv_time(b, sw_api->result_started(r), NULL);
    buf_puts(b, ",");
    csv_time(b, sw_api->result_scheduled(r), NULL);
    buf_puts(b, ",");
    buf_csv(b, sw_api->result_site(r));
    buf_puts(b, ",");
    buf_csv(b, sw_api->result_check(r));
    buf_puts(b, ",");
    buf_csv(b, sw_api->result_location(r));
    static const char *const verdicts[] = {"OK", "WARN", "FAIL", "UNKNOWN"};
    buf_printf(b, ",%s,", verdicts[sw_api->result_verdict(r) & 3]);
    if (sw_api->result_since(r))
        csv_time(b, sw_api->result_since(r), NULL);
    buf_printf(b, ",%.3f,", (double)sw_api->result_duration(r) / 1e3);
    buf_csv(b, sw_api->result_reason(r));
    int nm = sw_api->result_metric_count(r), ni = sw_api->result_info_count(r);
    for (const char *const *col = csv_metric_cols; *col; col++) {
        buf_puts(b, ",");
        for (int i = 0; i < nm; i++) {
            const char *k;
            double v;
            sw_api->result_metric_at(r, i, &k, &v);
            if (strcmp(k, *col) == 0)
                csv_num(b, v);
        }
    }
    struct buf j = {0};
    buf_puts(&j, "{");
    for (int i = 0; i < nm; i++) {
        const char *k;
        double v;
        sw_api->result_metric_at(r, i, &k, &v);
        buf_puts(&j, i ? "," : "");
        buf_json_str(&j, k);
        buf_puts(&j, ":");
        buf_json_num(&j, v);
    }
    buf_puts(&j, "}");
    buf_puts(b, ",");
    buf_csv(b, j.s);
    buf_reset(&j);
    buf_puts(&j, "{");
    for (int i = 0; i < ni; i++) {
        const char *k, *v;
        sw_api->result_info_at(r, i, &k, &v);
        buf_puts(&j, i ? "," : "");
        buf_json_str(&j, k);
        buf_puts(&j, ":");
        buf_json_str(&j, v);
    }
    buf_puts(&j, "}");
    buf_puts(b, ",");
    buf_csv(b, j.s);
    buf_puts(b, "\n");
    b->failed |= j.failed;
    buf_free(&j);
}

/* Cut FD back to its last complete row: the last LF outside quotes.  Rows
 * may hold quoted newlines, so the quotes are counted from the start. */
static int csv_repair(int fd, const char *path)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size == 0)
        return 0;
    off_t keep = 0, pos = 0;
    int quoted = 0;
    char chunk[65536];
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (chunk[i] == '"')
                quoted = !quoted;
            else if (chunk[i] == '\n' && !quoted)
                keep = pos + i + 1;
        }
        pos += n;
    }
    if (n < 0)
        return SW_EIO;
    if (keep == st.st_size)
        return 0;
    if (ftruncate(fd, keep) != 0)
        return SW_EIO;
    sw_api->log(SW_LOG_WARN, "csv: %s: cut %lld byte(s) of a row left unfinished (a crash while writing?)",
                path, (long long)(st.st_size - keep));
    return 0;
}

/* Open (creating with its header) the file for DAY. */
static int csv_use_day(struct csv_inst *c, const char *day)
{
    if (c->fd >= 0 && strcmp(c->day, day) == 0)
        return 0;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    struct buf path = {0};
    buf_printf(&path, "%s/results-%s.csv", c->dir, day);
    if (path.failed)
        return SW_ENOMEM;
    int fd = open(path.s, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    int rc = fd < 0 ? SW_EIO : csv_repair(fd, path.s);
    struct stat st;
    if (!rc && fstat(fd, &st) == 0 && st.st_size == 0) {
        struct buf h = {0};
        csv_header(&h);
        if (h.failed || fs_write_all(fd, h.s, h.len) != 0)
            rc = SW_EIO;
        buf_free(&h);
    }
    if (rc) {
        sw_api->log(SW_LOG_ERROR, "csv: cannot open %s: %s", path.s, strerror(errno));
        if (fd >= 0)
            close(fd);
    } else {
        c->fd = fd;
        snprintf(c->day, sizeof c->day, "%s", day);
    }
    buf_free(&path);
    return rc;
}

/* Append B to the open file in one write; on failure cut it back. */
static int csv_flush(struct csv_inst *c, struct buf *b)
{
    if (!b->len)
        return 0;
    if (b->failed)
        return SW_ENOMEM;
    off_t before = lseek(c->fd, 0, SEEK_END);
    int rc = fs_write_all(c->fd, b->s, b->len) != 0 ? SW_EIO : 0;
    if (!rc && c->fsync && fdatasync(c->fd) != 0)
        rc = SW_EIO;
    if (rc) {
        sw_api->log(SW_LOG_ERROR, "csv: %s/results-%s.csv: write failed: %s; the batch will be retried",
                    c->dir, c->day, strerror(errno));
        if (before >= 0 && ftruncate(c->fd, before) != 0)
            sw_api->log(SW_LOG_ERROR, "csv: cannot cut back a failed write: %s", strerror(errno));
    }
    buf_reset(b);
    return rc;
}

static int csv_write(void *p, const sw_result *const *results, size_t n)
{
    struct csv_inst *c = p;
    struct buf b = {0};
    int rc = 0;
    /* Results of one batch may cross midnight: one write per day's file.
     * A batch that fails in a later file leaves the earlier days written;
     * the retry then repeats them, which costs duplicates, never losses. */
    for (size_t i = 0; i < n && !rc; i++) {
        char day[16];
        csv_time(NULL, sw_api->result_started(results[i]), day);
        if (c->fd < 0 || strcmp(day, c->day) != 0) {
            rc = c->fd >= 0 ? csv_flush(c, &b) : 0;
            if (!rc)
                rc = csv_use_day(c, day);
        }
        if (!rc)
            csv_row(&b, results[i]);
    }
    if (!rc)
        rc = csv_flush(c, &b);
    buf_free(&b);
    return rc;
}

static void csv_close(void *p)
{
    struct csv_inst *c = p;
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c->dir);
    free(c);
}

static int csv_open(void *state, const sw_config *cfg, void **out)
{
    (void)state;
    const char *dir = sw_api->config_get(cfg, "dir");
    if (!dir) /* required: the core said so */
        return SW_ECONFIG;
    if (!*dir)
        return sw_api->config_error(cfg, "dir", "the folder for the daily CSV files, e.g. var/csv");
    struct csv_inst *c = calloc(1, sizeof *c);
    if (!c || !(c->dir = strdup(dir))) {
        free(c);
        return SW_ENOMEM;
    }
    c->fd = -1;
    c->fsync = sw_api->config_value(cfg, "fsync", -1) == CSV_FSYNC_BATCH;
    char *failed = NULL;
    if (fs_mkdirs(c->dir, -1, &failed) != 0) {
        sw_api->log(SW_LOG_ERROR, "csv: cannot create %s: %s", failed ? failed : c->dir, strerror(errno));
        free(failed);
        csv_close(c);
        return SW_EIO;
    }
    /* Repair the newest file now: a crash may have torn its last row. */
    struct dirent **names;
    int n = scandir(c->dir, &names, NULL, alphasort);
    const char *last = NULL;
    for (int i = 0; i < n; i++)
        if (strncmp(names[i]->d_name, "results-", 8) == 0 && strlen(names[i]->d_name) == 22)
            last = names[i]->d_name;
    int rc = 0;
    if (last) {
        char day[16];
        snprintf(day, sizeof day, "%.10s", last + 8);
        rc = csv_use_day(c, day);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    if (n >= 0)
        free(names);
    if (rc) {
        csv_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

static const struct sw_plugin csv_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "csv",
    .kind = SW_KIND_STORAGE,
    .description = "results appended to one RFC 4180 CSV file per day",
    .key_decls = csv_keys,
    .key_size = sizeof(struct sw_key),
    .storage_open = csv_open,
    .storage_close = csv_close,
    .storage_write = csv_write,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    SW_PLUGIN_INIT2(host);
    return &csv_plugin;
}

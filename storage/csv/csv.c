/* SPDX-License-Identifier: MIT
 *
 *     [storage csv]
 *     dir   = var/csv      ; one file per UTC day: results-2026-11-21.csv
 *     fsync = batch        ; batch: on disk before the batch counts as stored;
 *                          ; never: leave it to the kernel
 *
 * RFC 4180 files a spreadsheet or Python's csv module opens as they are: a
 * header row, CRLF-free LF rows, fields quoted when they need it, UTC
 * ISO-8601 times, one column per declared metric (api->metrics_declared:
 * every check plugin's in use, then the core's) and two JSON columns with
 * every metric and every info.  A file only ever holds rows of its own
 * header: when the declarations change (another check plugin in use), the
 * day goes on in its next file, results-2026-11-21.2.csv, .3.csv ...  Each
 * batch goes out in one write() per file; if that fails the file is cut
 * back to where it was, and a row torn by a crash is cut off when the
 * plugin next opens the folder, so a reader never meets half a row.
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

struct csv_inst {
    char *dir;
    int fsync;
    int fd;       /* the open day's file, or -1 */
    char day[16]; /* its date, YYYY-MM-DD */
    int part;     /* which of the day's files: 1 results-DAY.csv, 2 results-DAY.2.csv ... */
    /* The metric columns, as declared when the header was made. */
    const struct sw_metric_decl *const *cols;
    int ncols;
    struct buf header;
};

/* The columns and header for the declarations as they are now; whether
 * they changed. */
static int csv_columns(struct csv_inst *c)
{
    const struct sw_metric_decl *const *cols = NULL;
    int n = SW_API_HAS(sw_api, metrics_declared) ? sw_api->metrics_declared(&cols) : 0;
    if (c->header.len && cols == c->cols)
        return 0;
    c->cols = cols;
    c->ncols = n;
    buf_reset(&c->header);
    buf_puts(&c->header, "started,scheduled,site,check,location,verdict,since,duration_ms,reason");
    for (int i = 0; i < n; i++) {
        buf_puts(&c->header, ",");
        buf_csv(&c->header, cols[i]->name);
    }
    buf_puts(&c->header, ",metrics,info\n");
    return 1;
}

/* UTC ISO-8601 with microseconds; YYYY-MM-DD into DAY when given. */
static void csv_time(struct buf *b, int64_t us, char day[16])
{
    time_t s = (time_t)(us / SW_S);
    int frac = (int)(us % SW_S);
    if (frac < 0) {
        s--;
        frac += SW_S;
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

static void csv_row(const struct csv_inst *c, struct buf *b, const sw_result *r)
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
    for (int col = 0; col < c->ncols; col++) {
        buf_puts(b, ",");
        for (int i = 0; i < nm; i++) {
            const char *k;
            double v;
            sw_api->result_metric_at(r, i, &k, &v);
            if (strcmp(k, c->cols[col]->name) == 0)
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

/* The path of DAY's file PART into PATH. */
static void csv_path(const struct csv_inst *c, const char *day, int part, struct buf *path)
{
    buf_reset(path);
    if (part > 1)
        buf_printf(path, "%s/results-%s.%d.csv", c->dir, day, part);
    else
        buf_printf(path, "%s/results-%s.csv", c->dir, day);
}

/* Whether FD (SIZE bytes) is empty or starts with header H. */
static int csv_header_is(int fd, off_t size, const struct buf *h)
{
    if (size == 0)
        return 1;
    char *got = malloc(h->len);
    int same = got && pread(fd, got, h->len, 0) == (ssize_t)h->len && memcmp(got, h->s, h->len) == 0;
    free(got);
    return same;
}

/* Open PATH for appending into *FD, repaired, its header written when it
 * is empty: 0; 1 when it holds rows of another header (not opened); or an
 * SW_E* code. */
static int csv_open_part(struct csv_inst *c, const struct buf *path, int *fd)
{
    if (path->failed || c->header.failed)
        return SW_ENOMEM;
    *fd = open(path->s, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    int rc = *fd < 0 ? SW_EIO : csv_repair(*fd, path->s);
    struct stat st;
    if (!rc && fstat(*fd, &st) != 0)
        rc = SW_EIO;
    if (!rc && !csv_header_is(*fd, st.st_size, &c->header))
        rc = 1;
    else if (!rc && st.st_size == 0 && fs_write_all(*fd, c->header.s, c->header.len) != 0)
        rc = SW_EIO;
    if (rc && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

/* Open DAY's file for appending: its last part when that has this header,
 * else a new part after it, so that no file holds rows of two headers. */
static int csv_use_day(struct csv_inst *c, const char *day)
{
    if (c->fd >= 0 && strcmp(c->day, day) == 0)
        return 0;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    struct buf path = {0};
    int part = 1;
    for (; part < INT16_MAX; part++) {
        csv_path(c, day, part + 1, &path);
        if (path.failed || access(path.s, F_OK) != 0)
            break;
    }
    csv_path(c, day, part, &path);
    int fd = -1, rc = csv_open_part(c, &path, &fd);
    if (rc == 1) {
        sw_api->log(SW_LOG_INFO, "csv: %s has other columns; the day goes on in its next file", path.s);
        csv_path(c, day, ++part, &path);
        rc = csv_open_part(c, &path, &fd);
    }
    if (rc) {
        sw_api->log(SW_LOG_ERROR, "csv: cannot open %s: %s", path.s ? path.s : c->dir,
                    rc == 1 ? "it has other columns" : strerror(errno));
        rc = rc == 1 ? SW_EIO : rc;
    } else {
        c->fd = fd;
        c->part = part;
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
        struct buf path = {0};
        csv_path(c, c->day, c->part, &path);
        sw_api->log(SW_LOG_ERROR, "csv: %s: write failed: %s; the batch will be retried",
                    path.s ? path.s : c->dir, strerror(errno));
        buf_free(&path);
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
    /* Other columns (a reload brought a check plugin): a file with their
     * header, chosen anew. */
    if (csv_columns(c) && c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
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
            csv_row(c, &b, results[i]);
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
    buf_free(&c->header);
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
    /* Repair the newest day's last file now: a crash may have torn its
     * last row.  results-DAY.csv or results-DAY.N.csv; the day sorts. */
    csv_columns(c);
    struct dirent **names;
    int n = scandir(c->dir, &names, NULL, alphasort);
    char day[16] = "";
    for (int i = 0; i < n; i++) {
        const char *f = names[i]->d_name;
        size_t len = strlen(f);
        if (strncmp(f, "results-", 8) == 0 && len >= 22 && strcmp(f + len - 4, ".csv") == 0 && f[18] == '.' &&
            strncmp(f + 8, day, 10) > 0)
            snprintf(day, sizeof day, "%.10s", f + 8);
    }
    int rc = *day ? csv_use_day(c, day) : 0;
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

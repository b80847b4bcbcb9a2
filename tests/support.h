/* SPDX-License-Identifier: MIT
 * Test helpers: temporary folders and files, running the built sitewatch
 * binary with its output captured, free loopback ports, a real nginx with
 * its own config in a temp folder, and SQLite queries on result files. */
#ifndef SW_TEST_SUPPORT_H
#define SW_TEST_SUPPORT_H

#include <stddef.h>
#include <sys/types.h>

/* A new empty folder under $TMPDIR (removed by t_rmtree). */
char *t_tmpdir(void);
void t_rmtree(const char *dir);
/* Write TEXT (printf format) to DIR/NAME; returns the path (free it). */
char *t_write(const char *dir, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *t_read(const char *path);

struct t_out {
    int status; /* exit code, or 128+signal */
    char *out, *err;
    long maxrss_kb; /* the child's peak RSS */
};
/* Run ARGV (NULL-terminated) with a time limit; capture stdout/stderr. */
struct t_out t_run(char *const argv[], int timeout_s);
/* Run the built sitewatch with -c DIR and the given arguments. */
struct t_out t_sitewatch(const char *dir, ...);
void t_out_free(struct t_out *o);
/* Start the built sitewatch in the background; stderr to ERRFILE.  For
 * `run`, returns once the daemon logged that it is running (or exited). */
pid_t t_sitewatch_bg(const char *dir, const char *errfile, ...);
/* Wait for PID up to TIMEOUT_S; returns its exit code or -1. */
int t_wait(pid_t pid, int timeout_s);

/* A loopback TCP port nobody listens on right now. */
int t_free_port(void);
/* Sleep MS milliseconds. */
void t_msleep(int ms);

struct t_nginx {
    char *dir;
    int port;
    pid_t pid;
    int has_v6; /* also listening on [::1] */
};
/* ::1 can be bound on this machine. */
int t_have_ipv6(void);
/* Start nginx on 127.0.0.1 with the test locations (see support.c). */
int t_nginx_start(struct t_nginx *n);
/* The same, with more server blocks (text inside http { }). */
int t_nginx_start_with(struct t_nginx *n, const char *servers);
/* The same, with one more server on 127.0.0.1:PORT whose /flip/NAME
 * answers 503 "down on purpose" while DIR/down-NAME exists and 200 "fine"
 * otherwise: a site a test takes down and up with t_flip. */
int t_nginx_start_flip(struct t_nginx *n, int port, const char *dir);
/* Create (DOWN) or remove DIR/down-NAME. */
void t_flip(const char *dir, const char *name, int down);
void t_nginx_stop(struct t_nginx *n);
/* Lines of the access log matching SUBSTR. */
int t_nginx_hits(const struct t_nginx *n, const char *substr);

struct t_dnsmasq {
    char *dir;
    int port;
    pid_t pid;
};
/* Start dnsmasq on 127.0.0.1 and a free port, answering only from ARGS
 * (its own options, NULL-terminated): no upstream, no /etc/hosts. */
int t_dnsmasq_start(struct t_dnsmasq *d, const char *const *args);
void t_dnsmasq_stop(struct t_dnsmasq *d);

/* The first column of the first row of SQL on DB as text ("" if none). */
char *t_sql(const char *db, const char *sql);
long t_sql_long(const char *db, const char *sql);

/* Absolute path of the folder with the built plugins, the binary, sources. */
const char *t_plugin_dir(void);
const char *t_bin(void);
const char *t_source_root(void);
const char *t_build_root(void);

/* The JSON line in OUT whose "site" is SITE (a pointer into OUT, up to its
 * newline, copied), or NULL. */
char *t_json_line(const char *out, const char *site);

/* The same for a Check test: fails the test (showing O's output) when
 * SITE has no line. */
char *t_site_line(const struct t_out *o, const char *site);
/* The number after "KEY": in the JSON LINE; fails the test when absent. */
double t_json_num(const char *line, const char *key);
/* Fail the test unless LINE contains TEXT. */
#define T_HAS(line, text) ck_assert_msg(strstr(line, text) != NULL, "'%s' not in %s", text, line)

/* A new folder with 0core.ini naming the built plugins, plus CORE_EXTRA
 * lines in [core]; with DB, also [storage sqlite] at DIR/sw.db, its path
 * in *DB (free it). */
char *t_conf_dir(const char *core_extra, char **db);

/* Write INI as a.ini to a new folder (with a [core] for the built
 * plugins), run `validate` there, and fail the test unless it exits 1 and
 * its errors hold each of the N strings in WANT; a string that starts with
 * '!' must not be there ("!refused the configuration"). */
void t_validate_errors(const char *ini, const char *const *want, size_t n);

/* Fail the test unless `sitewatch plugins PLUGIN --format json` succeeds
 * and its output holds each of the N strings in WANT. */
void t_plugin_declares(const char *plugin, const char *const *want, size_t n);

/* Run the suite S (forking each case unless NOFORK), free it, and return
 * the process exit code. */
struct Suite;
int t_run_suite(struct Suite *s, int nofork);

/* tests/smtp_server.py (aiosmtpd) on 127.0.0.1: each mail it accepts is
 * DIR/NNNNNN.eml (the data as received) with DIR/NNNNNN.json (envelope,
 * AUTH user, tls, helo).  PORT 0 at the first start: a free one, chosen
 * by the server; kept, so that a restart listens where it did. */
struct t_smtp {
    char *dir;
    int port;
    pid_t pid;
};
/* Start it with its options ARGS (NULL-terminated, or NULL): "--starttls",
 * CERT, KEY, "--auth", "user:password", "--fail-data", "451 ...", ...;
 * returns once it listens: 0, or -1 (its output shown). */
int t_smtp_start(struct t_smtp *s, const char *const *args);
/* Stop it (SIGTERM); the mails stay until t_smtp_free. */
void t_smtp_stop(struct t_smtp *s);
void t_smtp_free(struct t_smtp *s);
/* How many mails it accepted; wait until at least N (0 on time, -1 not). */
int t_smtp_count(const struct t_smtp *s);
int t_smtp_wait(const struct t_smtp *s, int n, int timeout_ms);
/* Mail I (1-based) as received (EXT "eml") or its envelope ("json"). */
char *t_smtp_mail(const struct t_smtp *s, int i, const char *ext);

#endif

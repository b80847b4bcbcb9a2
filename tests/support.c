/* SPDX-License-Identifier: MIT */
#include "support.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *t_env(const char *name)
{
    const char *v = getenv(name);
    if (!v) {
        fprintf(stderr, "test: %s is not set (run through meson test)\n", name);
        exit(99);
    }
    return v;
}

const char *t_plugin_dir(void)
{
    return t_env("SW_PLUGINS");
}
const char *t_bin(void)
{
    return t_env("SW_BIN");
}
const char *t_source_root(void)
{
    return t_env("SW_SOURCE_ROOT");
}
const char *t_build_root(void)
{
    return t_env("SW_BUILD_ROOT");
}

char *t_tmpdir(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *d = malloc(strlen(base) + 32);
    sprintf(d, "%s/swtest.XXXXXX", base);
    if (!mkdtemp(d)) {
        perror("mkdtemp");
        exit(99);
    }
    return d;
}

static int t_rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void t_rmtree(const char *dir)
{
    if (dir && !getenv("SW_KEEP_TMP"))
        nftw(dir, t_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

char *t_write(const char *dir, const char *name, const char *fmt, ...)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(99);
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    return path;
}

char *t_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    return buf;
}

void t_msleep(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* t_wait, also giving the child's peak RSS in KB. */
static int t_wait_rss(pid_t pid, int timeout_s, long *maxrss_kb)
{
    struct rusage ru;
    for (int i = 0; i < timeout_s * 100; i++) {
        int st;
        pid_t r = wait4(pid, &st, WNOHANG, &ru);
        if (r == pid) {
            if (maxrss_kb)
                *maxrss_kb = ru.ru_maxrss;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        t_msleep(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

int t_wait(pid_t pid, int timeout_s)
{
    return t_wait_rss(pid, timeout_s, NULL);
}

struct t_out t_run(char *const argv[], int timeout_s)
{
    struct t_out o = {0};
    int po[2], pe[2];
    if (pipe(po) < 0 || pipe(pe) < 0)
        exit(99);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    char *bufs[2] = {NULL, NULL};
    size_t lens[2] = {0, 0};
    FILE *ms[2] = {open_memstream(&bufs[0], &lens[0]), open_memstream(&bufs[1], &lens[1])};
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    time_t end = time(NULL) + timeout_s;
    while (open_fds && time(NULL) < end) {
        if (poll(fds, 2, 200) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !fds[i].revents)
                continue;
            char chunk[4096];
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else {
                fwrite(chunk, 1, (size_t)n, ms[i]);
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    fclose(ms[0]);
    fclose(ms[1]);
    o.out = bufs[0];
    o.err = bufs[1];
    o.status = t_wait_rss(pid, open_fds ? 1 : timeout_s, &o.maxrss_kb);
    return o;
}

static char **t_argv(const char *first, const char *dir, va_list ap)
{
    char **argv = calloc(64, sizeof *argv);
    int n = 0;
    /* SW_VALGRIND=1 runs sitewatch under valgrind: any error or definite
     * leak makes it exit 97, which no test expects. */
    if (getenv("SW_VALGRIND") && strcmp(first, t_bin()) == 0) {
        static const char *const vg[] = {"valgrind",
                                         "-q",
                                         "--error-exitcode=97",
                                         "--leak-check=full",
                                         "--errors-for-leak-kinds=definite",
                                         "--show-leak-kinds=definite"};
        static char supp[600];
        snprintf(supp, sizeof supp, "--suppressions=%s/tests/valgrind.supp", t_source_root());
        for (size_t i = 0; i < sizeof vg / sizeof *vg; i++)
            argv[n++] = (char *)vg[i];
        argv[n++] = supp;
    }
    argv[n++] = (char *)first;
    if (dir) {
        argv[n++] = "-c";
        argv[n++] = (char *)dir;
    }
    const char *a;
    while ((a = va_arg(ap, const char *)) && n < 62)
        argv[n++] = (char *)a;
    return argv;
}

struct t_out t_sitewatch(const char *dir, ...)
{
    va_list ap;
    va_start(ap, dir);
    char **argv = t_argv(t_bin(), dir, ap);
    va_end(ap);
    struct t_out o = t_run(argv, 60);
    free(argv);
    return o;
}

/* PID has exited (a zombie, not yet reaped) or is gone. */
static int t_exited(pid_t pid)
{
    char path[64], stat[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *p = strrchr(stat, ')');
    return !p || p[2] == 'Z' || p[2] == 'X';
}

pid_t t_sitewatch_bg(const char *dir, const char *errfile, ...)
{
    va_list ap;
    va_start(ap, errfile);
    char **argv = t_argv(t_bin(), dir, ap);
    va_end(ap);
    int daemon = 0;
    for (char **a = argv; *a; a++)
        daemon |= strcmp(*a, "run") == 0;
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    free(argv);
    /* A daemon is started once it says so: its signal handlers are set and
     * its schedule begins (under valgrind that takes seconds). */
    for (int i = 0; daemon && i < 3000; i++) {
        char *log = t_read(errfile);
        int up = log && strstr(log, "running: ") != NULL;
        free(log);
        if (up || t_exited(pid))
            break;
        t_msleep(10);
    }
    return pid;
}

void t_out_free(struct t_out *o)
{
    free(o->out);
    free(o->err);
}

int t_free_port(void)
{
    /* The kernel may hand out a port again once it is closed: never give one
     * caller the same port twice in a row of servers. */
    static int given[64];
    static unsigned next;
    for (;;) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(s, (struct sockaddr *)&a, &len) < 0)
            exit(99);
        close(s);
        int port = ntohs(a.sin_port), seen = 0;
        for (int i = 0; i < 64; i++)
            seen |= given[i] == port;
        if (seen)
            continue;
        given[next++ % 64] = port;
        return port;
    }
}

int t_have_ipv6(void)
{
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int ok = s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0;
    if (s >= 0)
        close(s);
    return ok;
}

static int t_port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

/* The test site: every behaviour the http tests need, from stock nginx
 * plus Debian's echo module for a slow first byte and unsized bodies. */
static const char *const t_nginx_conf =
    "daemon off;\n"
    "master_process off;\n"
    "worker_processes 1;\n"
    "pid %1$s/nginx.pid;\n"
    "error_log %1$s/error.log;\n"
    "load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;\n"
    "events { worker_connections 512; }\n"
    "http {\n"
    "  access_log %1$s/access.log;\n"
    "  client_body_temp_path %1$s/tmp; proxy_temp_path %1$s/tmp; fastcgi_temp_path %1$s/tmp;\n"
    "  uwsgi_temp_path %1$s/tmp; scgi_temp_path %1$s/tmp;\n"
    "  default_type text/plain;\n"
    "  types { text/html html; }\n"
    "  server {\n"
    "    listen 127.0.0.1:%2$d;\n"
    "    %3$s\n"
    "    root %1$s/www;\n"
    "    location = /ok { return 200 \"hello sitewatch\\n\"; }\n"
    "    location = /404 { return 404; }\n"
    "    location = /500 { return 500; }\n"
    "    location = /r1 { return 302 /r2; }\n"
    "    location = /r2 { return 302 /ok; }\n"
    "    location = /loop { return 302 /loop; }\n"
    "    location = /big.bin { }\n"
    "    location = /stream { echo_duplicate 300000 \"x\"; }\n"
    "    location = /slow { echo_sleep 1.2; echo \"slow but fine\"; }\n"
    "    location = /stall { echo_sleep 8; echo \"too late\"; }\n"
    "    location = /page.html { }\n"
    "    location = /large.html { }\n"
    /* One page in two network reads, the split inside "Python". */
    "    location = /split {\n"
    "      default_type text/html;\n"
    "      echo -n \"<html><head><title>Welcome to Pyt\"; echo_flush; echo_sleep 0.2;\n"
    "      echo -n \"hon.org</title></head></html>\";\n"
    "    }\n"
    "  }\n"
    "%4$s\n"
    "}\n";

int t_nginx_start(struct t_nginx *n)
{
    return t_nginx_start_with(n, "");
}

int t_nginx_start_with(struct t_nginx *n, const char *servers)
{
    n->dir = t_tmpdir();
    n->port = t_free_port();
    char path[512];
    snprintf(path, sizeof path, "%s/tmp", n->dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/www", n->dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/www/big.bin", n->dir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 300 * 1024; i++)
        fputc('b', f);
    fclose(f);
    free(t_write(n->dir, "www/page.html",
                 "<!doctype html>\n<html><head><title>Welcome to Python.org</title></head>\n"
                 "<body><p>The official home of the Python Programming Language</p></body></html>\n"));
    /* 1 MB of filler with the word only at the end, past a 200 KB limit. */
    snprintf(path, sizeof path, "%s/www/large.html", n->dir);
    f = fopen(path, "w");
    for (int i = 0; i < 1024 * 1024 - 64; i++)
        fputc(i % 64 == 63 ? '\n' : '.', f);
    fputs("<p>Python</p>\n", f);
    fclose(f);
    char v6[64] = "";
    n->has_v6 = t_have_ipv6();
    if (n->has_v6)
        snprintf(v6, sizeof v6, "listen [::1]:%d;", n->port);
    free(t_write(n->dir, "nginx.conf", t_nginx_conf, n->dir, n->port, v6, servers));
    snprintf(path, sizeof path, "%s/nginx.conf", n->dir);
    char errlog[512];
    snprintf(errlog, sizeof errlog, "%s/error.log", n->dir);
    n->pid = fork();
    if (n->pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        dup2(nul, 1);
        execl("/usr/sbin/nginx", "nginx", "-p", n->dir, "-e", errlog, "-c", path, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        if (t_port_open(n->port))
            return 0;
        if (waitpid(n->pid, NULL, WNOHANG) == n->pid)
            break;
        t_msleep(10);
    }
    fprintf(stderr, "nginx did not start:\n%s\n", t_read(errlog));
    return -1;
}

int t_nginx_start_flip(struct t_nginx *n, int port, const char *dir)
{
    char servers[2048];
    snprintf(servers, sizeof servers,
             "server { listen 127.0.0.1:%d;\n"
             "  location ~ ^/flip/(?<name>[a-z0-9-]+)$ {\n"
             "    if (-f %s/down-$name) { return 503 \"down on purpose\\n\"; }\n"
             "    return 200 \"fine\\n\";\n"
             "  }\n"
             "}\n",
             port, dir);
    return t_nginx_start_with(n, servers);
}

void t_flip(const char *dir, const char *name, int down)
{
    char file[256], path[1024];
    snprintf(file, sizeof file, "down-%s", name);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (down)
        free(t_write(dir, file, "down\n"));
    else
        unlink(path);
}

void t_nginx_stop(struct t_nginx *n)
{
    if (n->pid > 0) {
        kill(n->pid, SIGTERM);
        t_wait(n->pid, 10);
    }
    t_rmtree(n->dir);
    free(n->dir);
    n->dir = NULL;
}

int t_nginx_hits(const struct t_nginx *n, const char *substr)
{
    char path[512];
    snprintf(path, sizeof path, "%s/access.log", n->dir);
    char *log = t_read(path);
    int hits = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
        hits += strstr(line, substr) != NULL;
    free(log);
    return hits;
}

char *t_sql(const char *db, const char *sql)
{
    sqlite3 *h;
    char *res = strdup("");
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
                free(res);
                res = strdup((const char *)sqlite3_column_text(st, 0));
            }
            sqlite3_finalize(st);
        } else {
            fprintf(stderr, "t_sql: %s: %s\n", sql, sqlite3_errmsg(h));
        }
    }
    sqlite3_close(h);
    return res;
}

long t_sql_long(const char *db, const char *sql)
{
    char *s = t_sql(db, sql);
    long v = strtol(s, NULL, 10);
    free(s);
    return v;
}

char *t_json_line(const char *out, const char *site)
{
    char key[256];
    snprintf(key, sizeof key, "{\"site\":\"%s\"", site);
    for (const char *p = out; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (strncmp(p, key, strlen(key)) == 0)
            return strndup(p, len);
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

int t_run_suite(Suite *s, int nofork)
{
    SRunner *sr = srunner_create(s);
    if (nofork)
        srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

double t_json_num(const char *line, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(line, k);
    ck_assert_msg(p != NULL, "no %s in %s", key, line);
    return strtod(p + strlen(k), NULL);
}

char *t_site_line(const struct t_out *o, const char *site)
{
    char *l = t_json_line(o->out, site);
    ck_assert_msg(l != NULL, "no JSON line for %s in:\n%s\nstderr:\n%s", site, o->out, o->err);
    return l;
}

int t_dnsmasq_start(struct t_dnsmasq *d, const char *const *args)
{
    d->dir = t_tmpdir();
    d->port = t_free_port();
    char port[32], pidfile[512], user[64] = "--user=", *argv[64];
    int n = 0;
    snprintf(port, sizeof port, "--port=%d", d->port);
    snprintf(pidfile, sizeof pidfile, "--pid-file=%s/dnsmasq.pid", d->dir);
    struct passwd *pw = getpwuid(getuid());
    snprintf(user + 7, sizeof user - 7, "%s", pw ? pw->pw_name : "root"); /* stay who we are */
    const char *fixed[] = {"dnsmasq",
                           "--keep-in-foreground",
                           "--conf-file=/dev/null",
                           port,
                           "--listen-address=127.0.0.1",
                           "--bind-interfaces",
                           "--no-resolv",
                           "--no-hosts",
                           pidfile,
                           user,
                           "--log-facility=-"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        argv[n++] = (char *)fixed[i];
    for (int i = 0; args[i] && n < 62; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    char errlog[512];
    snprintf(errlog, sizeof errlog, "%s/dnsmasq.log", d->dir);
    d->pid = fork();
    if (d->pid == 0) {
        int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp("dnsmasq", argv);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        if (t_port_open(d->port)) /* it listens on TCP too */
            return 0;
        if (waitpid(d->pid, NULL, WNOHANG) == d->pid)
            break;
        t_msleep(10);
    }
    char *log = t_read(errlog);
    fprintf(stderr, "dnsmasq did not start:\n%s\n", log ? log : "");
    free(log);
    return -1;
}

void t_dnsmasq_stop(struct t_dnsmasq *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGTERM);
        t_wait(d->pid, 10);
        d->pid = 0;
    }
    if (d->dir) {
        t_rmtree(d->dir);
        free(d->dir);
        d->dir = NULL;
    }
}

void t_validate_errors(const char *ini, const char *const *want, size_t n)
{
    char *dir = t_conf_dir(NULL, NULL);
    free(t_write(dir, "a.ini", "%s", ini));
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    ck_assert_msg(o.status == 1, "validate exited %d:\n%s", o.status, o.err);
    for (size_t i = 0; i < n; i++) {
        if (want[i][0] == '!')
            ck_assert_msg(!strstr(o.err, want[i] + 1), "%s\nwant no %s", o.err, want[i] + 1);
        else
            ck_assert_msg(strstr(o.err, want[i]), "%s\nwant %s", o.err, want[i]);
    }
    t_out_free(&o);
    t_rmtree(dir);
    free(dir);
}

void t_plugin_declares(const char *plugin, const char *const *want, size_t n)
{
    char *dir = t_conf_dir(NULL, NULL);
    struct t_out o = t_sitewatch(dir, "plugins", plugin, "--format", "json", NULL);
    ck_assert_msg(o.status == 0, "plugins %s: exit %d\n%s", plugin, o.status, o.err);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strstr(o.out, want[i]), "%s\nwant %s", o.out, want[i]);
    t_out_free(&o);
    t_rmtree(dir);
    free(dir);
}

char *t_conf_dir(const char *core_extra, char **db)
{
    char *dir = t_tmpdir();
    char storage[600] = "";
    if (db) {
        *db = malloc(strlen(dir) + 8);
        sprintf(*db, "%s/sw.db", dir);
        snprintf(storage, sizeof storage, "[storage sqlite]\npath = %s\n", *db);
    }
    free(t_write(dir, "0core.ini", "[core]\nplugin_dir = %s\n%s%s", t_plugin_dir(),
                 core_extra ? core_extra : "", storage));
    return dir;
}

int t_smtp_start(struct t_smtp *s, const char *const *args)
{
    if (!s->dir)
        s->dir = t_tmpdir();
    char script[512], ready[512], log[512], port[16], *argv[48];
    snprintf(script, sizeof script, "%s/tests/smtp_server.py", t_source_root());
    snprintf(ready, sizeof ready, "%s/.ready", s->dir);
    snprintf(log, sizeof log, "%s/.server.log", s->dir);
    snprintf(port, sizeof port, "%d", s->port);
    unlink(ready);
    int n = 0;
    const char *fixed[] = {"/usr/bin/python3", script, "--dir", s->dir, "--ready", ready, "--port", port};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        argv[n++] = (char *)fixed[i];
    for (int i = 0; args && args[i] && n < 46; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    for (int i = 0; i < 1500; i++) { /* python and aiosmtpd take a while under load */
        char *p = t_read(ready);     /* "" until it is there */
        int port = atoi(p);
        free(p);
        if (port > 0) {
            s->port = port;
            return 0;
        }
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0;
            break;
        }
        t_msleep(10);
    }
    char *out = t_read(log);
    fprintf(stderr, "smtp_server.py did not start:\n%s\n", out ? out : "");
    free(out);
    t_smtp_stop(s);
    return -1;
}

void t_smtp_stop(struct t_smtp *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        t_wait(s->pid, 10); /* SIGKILL after that */
        s->pid = 0;
    }
}

void t_smtp_free(struct t_smtp *s)
{
    t_smtp_stop(s);
    if (s->dir) {
        t_rmtree(s->dir);
        free(s->dir);
        s->dir = NULL;
    }
}

int t_smtp_count(const struct t_smtp *s)
{
    int n = 0;
    for (;; n++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%06d.eml", s->dir, n + 1);
        if (access(path, F_OK) != 0)
            return n;
    }
}

int t_smtp_wait(const struct t_smtp *s, int n, int timeout_ms)
{
    for (int waited = 0; t_smtp_count(s) < n; waited += 20) {
        if (waited >= timeout_ms)
            return -1;
        t_msleep(20);
    }
    return 0;
}

char *t_smtp_mail(const struct t_smtp *s, int i, const char *ext)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%06d.%s", s->dir, i, ext);
    return t_read(path);
}

/* SPDX-License-Identifier: MIT
 * What a user installs beside the binary: the man pages render without a
 * single warning from groff, the bash completion completes commands,
 * site names from the configuration folder and plugin names, and the
 * plugins' key and metric tables in docs/ are what the plugins declare.
 * And docs/writing-a-plugin.md works as written. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"
#include "util.h"

static void man_page_clean(const char *name)
{
    char *page = sw_xasprintf("%s/docs/%s", t_build_root(), name);
    char *argv[] = {"groff", "-ww", "-z", "-man", "-Tutf8", page, NULL};
    struct t_out o = t_run(argv, 30);
    ck_assert_msg(o.status == 0 && !*o.err, "%s: exit %d\n%s", name, o.status, o.err);
    t_out_free(&o);
    /* Every command the binary knows has its entry. */
    char *text = t_read(page);
    static const char *const commands[] = {"check",          "run",     "status",  "validate",
                                           "render",         "plugins", "add",     "remove",
                                           "set\\-interval", "purge",   "history", "uptime"};
    if (strcmp(name, "sitewatch.1") == 0)
        for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
            ck_assert_msg(strstr(text, commands[i]), "%s lacks %s", name, commands[i]);
    ck_assert_ptr_null(strstr(text, "@CONF_DIR@"));
    ck_assert_ptr_null(strstr(text, "@PLUGIN_DIR@"));
    free(text);
    free(page);
}

START_TEST(man_pages_render_without_warnings)
{
    man_page_clean("sitewatch.1");
    man_page_clean("sitewatch.conf.5");
}
END_TEST

/* What the completion offers for the words WORDS (the last one being
 * completed), one a line, sorted. */
static char *complete(const char *words)
{
    char *script = sw_xasprintf(
        "source '%s/docs/sitewatch.bash'; COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
        "_sitewatch; printf '%%s\\n' \"${COMPREPLY[@]}\" | sort",
        t_build_root(), words);
    char *argv[] = {"bash", "--norc", "--noprofile", "-c", script, NULL};
    struct t_out o = t_run(argv, 30);
    ck_assert_msg(o.status == 0, "bash: exit %d\n%s", o.status, o.err);
    char *out = sw_xstrdup(o.out);
    t_out_free(&o);
    free(script);
    return out;
}

START_TEST(bash_completion)
{
    char *dir = t_conf_dir(NULL, NULL);
    free(t_write(dir, "sites.ini",
                 "[site shop]\nurl = http://127.0.0.1:1/\nchecks = http\n"
                 "  [ site  api.v2 ]  ; odd spacing\nurl = http://127.0.0.1:1/a\nchecks = http\n"));
    char *words = sw_xasprintf("'%s' -c '%s' ''", t_bin(), dir);
    char *got = complete(words);
    T_HAS(got, "check\n");
    T_HAS(got, "set-interval\n");
    T_HAS(got, "uptime\n");
    free(got);
    free(words);

    words = sw_xasprintf("'%s' -c '%s' remove ''", t_bin(), dir);
    got = complete(words);
    ck_assert_str_eq(got, "--purge\napi.v2\nshop\n");
    free(got);
    free(words);

    words = sw_xasprintf("'%s' -c '%s' add x http://y --checks http,ht", t_bin(), dir);
    got = complete(words);
    ck_assert_str_eq(got, "http,http\nhttp,https\n");
    free(got);
    free(words);

    words = sw_xasprintf("'%s' -c '%s' plugins h", t_bin(), dir);
    got = complete(words);
    ck_assert_str_eq(got, "html\nhttp\nhttps\n");
    free(got);
    free(words);

    words = sw_xasprintf("'%s' -c '%s' status --format ''", t_bin(), dir);
    got = complete(words);
    ck_assert_str_eq(got, "json\ntable\n");
    free(got);
    free(words);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* The key and metric tables of docs/configuration.md and docs/results.md
 * are what the plugins declare (ABI 1.3): tools/gen-docs --check rebuilds
 * them from `sitewatch plugins NAME --format json` and prints the diff when
 * the docs drifted (or a declaring plugin has no table). */
START_TEST(plugin_tables_match_declarations)
{
    char *tool = sw_xasprintf("%s/tools/gen-docs", t_source_root());
    char *argv[] = {"/usr/bin/python3", tool, "--check", (char *)t_build_root(), NULL};
    struct t_out o = t_run(argv, 60);
    ck_assert_msg(o.status == 0, "tools/gen-docs --check: exit %d (run tools/gen-docs %s)\n%s%s", o.status,
                  t_build_root(), o.out, o.err);
    t_out_free(&o);
    free(tool);
}
END_TEST

/* ---- docs/writing-a-plugin.md, done as a newcomer would ----
 *
 * Every fenced block whose info string names a file ("```c fileage.c") is
 * appended to that file; every "```console" block is run line by line: "$ "
 * or "# " starts a command, the lines after it are all it prints ("..."
 * alone: anything, as long as it succeeds).  In page order, in a temp
 * folder that stands for the page's /tmp/fileage (the text is rewritten to
 * name it).  sitewatch is the built one (under valgrind with SW_VALGRIND=1),
 * cc is meson's compiler (docs/meson.build writes the wrapper), and
 * pkg-config finds a sitewatch.pc whose includedir is the tree's core/ and
 * whose plugindir is a temp folder: the package need not be installed. */

#define PAGE_DIR "/tmp/fileage"

struct page {
    char *tmp;       /* the temp folder: bin/, pc/, plugins/, fileage/ */
    char *described; /* what `plugins fileage` printed, as the page shows it */
    int files, runs; /* blocks written, sitewatch commands run */
};

/* The next line of *REST, cut in place, or NULL at the end. */
static char *line_cut(char **rest)
{
    char *l = *rest;
    if (!l || !*l)
        return NULL;
    char *nl = strchr(l, '\n');
    *rest = nl ? nl + 1 : NULL;
    if (nl)
        *nl = '\0';
    return l;
}

/* B empty, and a string even before anything is put in it. */
static void buf_clear(struct buf *b)
{
    buf_puts(b, "");
    b->len = 0;
    b->s[0] = '\0';
}

static char *replace_all(const char *s, const char *from, const char *to)
{
    struct buf b = {0};
    buf_clear(&b);
    for (const char *hit; (hit = strstr(s, from)); s = hit + strlen(from)) {
        buf_put(&b, s, (size_t)(hit - s));
        buf_puts(&b, to);
    }
    buf_puts(&b, s);
    return b.s;
}

/* TEXT as compared: runs of blanks one space, none at a line's end, and a
 * timing ("0 ms", "12 ms") any number of milliseconds. */
static char *normalise(const char *text)
{
    struct buf b = {0};
    buf_clear(&b);
    for (const char *p = text; *p;) {
        if (*p == ' ' || *p == '\t') {
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p && *p != '\n')
                buf_puts(&b, " ");
        } else if (isdigit((unsigned char)*p)) {
            const char *end = p;
            while (isdigit((unsigned char)*end))
                end++;
            if (strncmp(end, " ms", 3) == 0)
                buf_puts(&b, "#");
            else
                buf_put(&b, p, (size_t)(end - p));
            p = end;
        } else {
            buf_put(&b, p++, 1);
        }
    }
    return b.s;
}

/* The exit code `check` gives for what it printed: the worst verdict of
 * its table, UNKNOWN when it printed configuration errors instead. */
static int check_exit(const char *printed)
{
    static const char *const verdicts[] = {" UNKNOWN ", " FAIL ", " WARN ", " OK "};
    if (!strstr(printed, "SITE "))
        return 3;
    for (int i = 0; i < 4; i++)
        if (strstr(printed, verdicts[i]))
            return 3 - i;
    return 0;
}

/* LINE, `sitewatch -c DIR ARGS...`, run with the built binary; WANT is
 * what the page shows it printing. */
static struct t_out page_sitewatch(const char *line, const char *want)
{
    ck_assert_msg(!strpbrk(line, "'\"\\$"), "%s: the test splits sitewatch's words at spaces", line);
    char *cmd = sw_xstrdup(line), *w[16] = {0};
    int n = 0;
    for (char *tok = strtok(cmd, " "); tok && n < 15; tok = strtok(NULL, " "))
        w[n++] = tok;
    ck_assert_msg(n >= 4 && n <= 9 && strcmp(w[1], "-c") == 0, "%s: write it sitewatch -c DIR ...", line);
    struct t_out o = t_sitewatch(w[2], w[3], w[4], w[5], w[6], w[7], w[8], NULL);
    int want_status = strcmp(w[3], "check") == 0 ? check_exit(want) : 0;
    ck_assert_msg(o.status == want_status, "$ %s: exit %d, not %d\n%s%s", line, o.status, want_status, o.out,
                  o.err);
    free(cmd);
    return o;
}

/* LINE ("$ command" or "# command") and what the page shows it printing. */
static void page_command(struct page *pg, const char *line, const char *want)
{
    const char *cmd = line + 2;
    if (strncmp(cmd, "cd ", 3) == 0) {
        ck_assert_msg(chdir(cmd + 3) == 0, "%s", line);
        return;
    }
    struct t_out o;
    if (strncmp(cmd, "sitewatch ", 10) == 0) {
        o = page_sitewatch(cmd, want);
        pg->runs++;
    } else {
        char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
        o = t_run(argv, 240);
        ck_assert_msg(o.status == 0, "%s: exit %d\n%s%s", line, o.status, o.out, o.err);
    }
    if (strcmp(want, "...\n") != 0) {
        char *printed = sw_xasprintf("%s%s", o.out, o.err);
        char *got = normalise(printed), *shown = normalise(want);
        ck_assert_msg(strcmp(got, shown) == 0, "%s printed\n%s\nbut the page shows\n%s", line, printed, want);
        free(got);
        free(shown);
        free(printed);
    }
    if (strstr(cmd, " plugins fileage") && !strstr(cmd, "--format")) {
        free(pg->described);
        pg->described = sw_xstrdup(want);
    }
    t_out_free(&o);
}

static void page_console(struct page *pg, const char *block)
{
    char *text = sw_xstrdup(block), *cmd = NULL;
    struct buf want = {0};
    buf_clear(&want);
    for (char *rest = text, *l; (l = line_cut(&rest));) {
        if (strncmp(l, "$ ", 2) == 0 || strncmp(l, "# ", 2) == 0) {
            if (cmd)
                page_command(pg, cmd, want.s);
            cmd = l;
            buf_clear(&want);
        } else {
            ck_assert_msg(cmd != NULL, "console block starts without a command: %s", l);
            buf_printf(&want, "%s\n", l);
        }
    }
    if (cmd)
        page_command(pg, cmd, want.s);
    buf_free(&want);
    free(text);
}

static void page_block(struct page *pg, const char *info, const char *body)
{
    const char *name = strchr(info, ' ');
    if (strcmp(info, "console") == 0) {
        page_console(pg, body);
    } else if (name) {
        FILE *f = fopen(name + 1, "a");
        ck_assert_msg(f != NULL, "```%s: cannot write %s (does the page make its folder?)", info, name + 1);
        fputs(body, f);
        fclose(f);
        pg->files++;
    }
}

/* The tools the page's commands find: meson's cc, and pkg-config's
 * sitewatch.pc for the tree's header. */
static void page_tools(struct page *pg)
{
    char *dir = sw_xasprintf("%s/bin", pg->tmp), *cc = sw_xasprintf("%s/cc", dir);
    char *wrapper = sw_xasprintf("%s/docs/walkthrough-cc", t_build_root());
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    ck_assert_msg(symlink(wrapper, cc) == 0, "%s", cc);
    char *path = sw_xasprintf("%s:%s", dir, getenv("PATH"));
    setenv("PATH", path, 1);
    free(path);
    free(wrapper);
    free(cc);
    free(dir);

    dir = sw_xasprintf("%s/pc", pg->tmp);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    free(t_write(
        dir, "sitewatch.pc",
        "includedir=%s/core\nplugindir=%s/plugins\n\nName: sitewatch\n"
        "Description: the tree's plugin ABI, for the docs suite\nVersion: 0\nCflags: -I${includedir}\n",
        t_source_root(), pg->tmp));
    setenv("PKG_CONFIG_PATH", dir, 1);
    free(dir);
    dir = sw_xasprintf("%s/plugins", pg->tmp);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    free(dir);
}

/* `plugins fileage --format json` lists every key the page's table shows,
 * and `plugins` the plugin as a blocking check. */
static void page_lists_plugin(const struct page *pg)
{
    ck_assert_msg(pg->described, "the page never runs `sitewatch -c conf.d plugins fileage`");
    struct t_out o = t_sitewatch("conf.d", "plugins", "fileage", "--format", "json", NULL);
    ck_assert_msg(o.status == 0, "%s", o.err);
    T_HAS(o.out, "{\"name\":\"fileage\",\"kind\":\"check\"");
    const char *keys = strstr(pg->described, "\nKEY ");
    ck_assert_ptr_nonnull(keys);
    int n = 0;
    for (const char *l = strchr(keys + 1, '\n') + 1; *l && *l != '\n'; l = strchr(l, '\n') + 1, n++) {
        char *json = sw_xasprintf("{\"name\":\"%.*s\",", (int)strcspn(l, " "), l);
        T_HAS(o.out, json);
        free(json);
    }
    ck_assert_int_ge(n, 4);
    t_out_free(&o);
    o = t_sitewatch("conf.d", "plugins", NULL);
    ck_assert_msg(o.status == 0, "%s", o.err);
    char *row = sw_xasprintf("\nfileage      check    %d.%d   block  ", SW_ABI_MAJOR, SW_ABI_MINOR);
    T_HAS(o.out, row);
    free(row);
    t_out_free(&o);
}

/* Every block of TEXT, the page, in order. */
static void page_walk(struct page *pg, char *text)
{
    char *info = NULL;
    struct buf body = {0};
    for (char *rest = text, *l; (l = line_cut(&rest));) {
        if (strncmp(l, "```", 3) != 0) {
            if (info)
                buf_printf(&body, "%s\n", l);
        } else if (!info) {
            info = l + 3;
            buf_clear(&body);
        } else {
            page_block(pg, info, body.s);
            info = NULL;
        }
    }
    ck_assert_msg(!info, "a ``` block is not closed");
    buf_free(&body);
}

START_TEST(writing_a_plugin_works_as_written)
{
    struct page pg = {.tmp = t_tmpdir()};
    page_tools(&pg);
    char *file = sw_xasprintf("%s/docs/writing-a-plugin.md", t_source_root());
    char *raw = t_read(file), *here = sw_xasprintf("%s/fileage", pg.tmp);
    ck_assert_msg(raw, "%s", file);
    char *text = replace_all(raw, PAGE_DIR, here);
    ck_assert_int_eq(chdir(pg.tmp), 0);
    page_walk(&pg, text);
    ck_assert_int_ge(pg.files, 6);
    ck_assert_int_ge(pg.runs, 3);
    page_lists_plugin(&pg);
    ck_assert_int_eq(chdir("/"), 0);
    free(pg.described);
    free(text);
    free(here);
    free(raw);
    free(file);
    t_rmtree(pg.tmp);
    free(pg.tmp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("docs");
    TCase *tc = tcase_create("docs");
    tcase_add_test(tc, man_pages_render_without_warnings);
    tcase_add_test(tc, bash_completion);
    tcase_add_test(tc, plugin_tables_match_declarations);
    suite_add_tcase(s, tc);
    /* A compiler, meson and four runs of sitewatch (under valgrind too). */
    TCase *page = tcase_create("writing-a-plugin");
    tcase_set_timeout(page, 300);
    tcase_add_test(page, writing_a_plugin_works_as_written);
    suite_add_tcase(s, page);
    return t_run_suite(s, 0);
}

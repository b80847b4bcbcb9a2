/* SPDX-License-Identifier: MIT
 * What a user installs beside the binary: the man pages render without a
 * single warning from groff, the bash completion completes commands,
 * site names from the configuration folder and plugin names, and the
 * plugins' key and metric tables in docs/ are what the plugins declare. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
    Suite *s = suite_create("docs");
    TCase *tc = tcase_create("docs");
    tcase_add_test(tc, man_pages_render_without_warnings);
    tcase_add_test(tc, bash_completion);
    tcase_add_test(tc, plugin_tables_match_declarations);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}

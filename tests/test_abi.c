/* SPDX-License-Identifier: MIT
 * The plugin ABI from the outside: install sitewatch into a temp folder,
 * build plugins out of tree with `cc -shared` and `pkg-config sitewatch`,
 * against the frozen v1.0, v1.2 and v1.3 headers, one for the wrong ABI major,
 * one with a too-small descriptor, and run them beside each other; and the
 * keys a 1.3 plugin declares, checked and described by the core. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sitewatch/plugin.h"
#include "support.h"
#include "util.h"

static char *tmp, *plugins, *conf;

static struct t_out sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct t_out sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    struct t_out o = t_run(argv, 120);
    if (o.status != 0)
        fprintf(stderr, "$ %s\n%s%s", cmd, o.out, o.err);
    return o;
}

static char *cflags;

/* Build tests/abi/const_check.c as NAME.so with extra compiler flags. */
static void build_plugin(const char *name, const char *flags)
{
    struct t_out o = sh("cc -shared -fPIC -fvisibility=hidden -std=c17 -Wall -Wextra -Werror %s "
                        "-DCONST_NAME='\"%s\"' -o %s/%s.so %s/tests/abi/const_check.c",
                        flags, name, plugins, name, t_source_root());
    ck_assert_int_eq(o.status, 0);
    t_out_free(&o);
}

static void setup(void)
{
    tmp = t_tmpdir();
    plugins = malloc(strlen(tmp) + 16);
    sprintf(plugins, "%s/plugins", tmp);
    conf = malloc(strlen(tmp) + 16);
    sprintf(conf, "%s/conf", tmp);
    struct t_out o = sh("mkdir -p %s %s && meson install -C %s --destdir %s/inst --no-rebuild --quiet",
                        plugins, conf, t_build_root(), tmp);
    ck_assert_int_eq(o.status, 0);
    t_out_free(&o);
    /* The installed .pc, with its prefix moved under the destdir. */
    o = sh("pc=$(find %1$s/inst -name sitewatch.pc) && test -n \"$pc\" && "
           "prefix=$(PKG_CONFIG_PATH=$(dirname $pc) pkg-config --variable=prefix sitewatch) && "
           "PKG_CONFIG_PATH=$(dirname $pc) pkg-config --define-variable=prefix=%1$s/inst$prefix --cflags "
           "sitewatch",
           tmp);
    ck_assert_int_eq(o.status, 0);
    cflags = strdup(o.out);
    cflags[strcspn(cflags, "\n")] = '\0';
    ck_assert_msg(strstr(cflags, "/inst/"), "cflags: %s", cflags);
    t_out_free(&o);
    /* The installed plugins beside the out-of-tree ones. */
    o = sh("for p in http https sqlite; do ln -s $(find %s/inst -name $p.so) %s/$p.so; done", tmp, plugins);
    ck_assert_int_eq(o.status, 0);
    t_out_free(&o);
}

static void teardown(void)
{
    t_rmtree(tmp);
    free(tmp);
    free(plugins);
    free(conf);
    free(cflags);
}

/* An out-of-tree storage plugin that logs the declared metrics it sees. */
static const char metriclog_src[] =
    "#include <sitewatch/plugin.h>\n"
    "SW_PLUGIN_INIT1\n"
    "static int ml_open(void *st, const sw_config *cfg, void **inst)\n"
    "{\n"
    "    (void)st, (void)cfg;\n"
    "    const struct sw_metric_decl *const *m;\n"
    "    int n = sw_api->metrics_declared(&m);\n"
    "    for (int i = 0; i < n; i++)\n"
    "        sw_api->log(SW_LOG_INFO, \"metriclog: %s (%s)%s\", m[i]->name, m[i]->label,\n"
    "                    m[i]->flags & SW_METRIC_PHASE ? \" phase\" : \"\");\n"
    "    sw_api->log(SW_LOG_INFO, \"metriclog: end\");\n"
    "    static int one;\n"
    "    *inst = &one;\n"
    "    return 0;\n"
    "}\n"
    "static void ml_close(void *inst) { (void)inst; }\n"
    "static int ml_write(void *inst, const sw_result *const *r, size_t n) { (void)inst, (void)r, (void)n; "
    "return 0; }\n"
    "static const struct sw_plugin ml = {.abi_version = SW_ABI_VERSION, .size = sizeof ml, .name = "
    "\"metriclog\",\n"
    "    .kind = SW_KIND_STORAGE, .description = \"logs the declared metrics\", .storage_open = ml_open,\n"
    "    .storage_close = ml_close, .storage_write = ml_write};\n"
    "SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *api)\n"
    "{\n"
    "    SW_PLUGIN_INIT2(api);\n"
    "    return &ml;\n"
    "}\n";

START_TEST(out_of_tree_plugins)
{
    build_plugin("outside", cflags);
    char frozen[1024];
    snprintf(frozen, sizeof frozen, "-I%s/tests/abi/v1.0", t_source_root());
    build_plugin("oldabi", frozen);
    snprintf(frozen, sizeof frozen, "-I%s/tests/abi/v1.2", t_source_root());
    build_plugin("abi12", frozen);
    snprintf(frozen, sizeof frozen, "-I%s/tests/abi/v1.3", t_source_root());
    build_plugin("abi13", frozen);
    char wrong[1200];
    snprintf(wrong, sizeof wrong, "%s -DWRONG_MAJOR", cflags);
    build_plugin("nextmajor", wrong);
    snprintf(wrong, sizeof wrong, "%s -DTINY_DESCRIPTOR", cflags);
    build_plugin("tiny", wrong);
    free(t_write(plugins, "notaplugin.so", "this is not an ELF file\n"));

    /* Only the entry symbol is exported, out of tree as in tree. */
    struct t_out o = sh("nm -D --defined-only %s/outside.so | awk '{print $3}'", plugins);
    ck_assert_str_eq(o.out, "sitewatch_plugin_v1\n");
    t_out_free(&o);

    free(t_write(conf, "core.ini", "[core]\nplugin_dir = %s\n[storage sqlite]\npath = %s/sw.db\n", plugins,
                 tmp));
    free(t_write(conf, "sites.ini",
                 "[site a]\nurl = http://unused.invalid/\nchecks = outside\noutside.verdict = WARN\n"
                 "outside.reason = built out of tree\n"
                 "[site b]\nurl = http://unused.invalid/\nchecks = oldabi\n"
                 "[site c]\nurl = http://unused.invalid/\nchecks = nextmajor\n"
                 "[site d]\nurl = http://unused.invalid/\nchecks = tiny\n"
                 "[site e]\nurl = http://unused.invalid/\nchecks = notaplugin\n"
                 "[site f]\nurl = http://unused.invalid/\nchecks = abi12\nabi12.verdict = WARN\n"
                 "[site g]\nurl = http://unused.invalid/\nchecks = abi13\nabi13.verdict = WARN\n"));
    o = t_sitewatch(conf, "check", "--format", "json", NULL);
    fprintf(stderr, "%s%s", o.out, o.err);
    ck_assert_int_eq(o.status, 3); /* UNKNOWN beats WARN */
    char *l = t_json_line(o.out, "a");
    ck_assert_msg(l && strstr(l, "\"verdict\":\"WARN\",\"reason\":\"built out of tree\""), "%s", l);
    free(l);
    l = t_json_line(o.out, "b");
    ck_assert_msg(l && strstr(l, "\"verdict\":\"OK\",\"reason\":\"constant\"") &&
                      strstr(l, "\"const.built_with_abi\":\"1.0\""),
                  "%s", l);
    free(l);
    l = t_json_line(o.out, "f");
    ck_assert_msg(l && strstr(l, "\"verdict\":\"WARN\",\"reason\":\"constant\"") &&
                      strstr(l, "\"const.built_with_abi\":\"1.2\""),
                  "%s", l);
    free(l);
    l = t_json_line(o.out, "g");
    ck_assert_msg(l && strstr(l, "\"verdict\":\"WARN\",\"reason\":\"constant\"") &&
                      strstr(l, "\"const.built_with_abi\":\"1.3\""),
                  "%s", l);
    free(l);
    /* The refused ones: UNKNOWN with file, both versions and the fix. */
    char want[2048];
    l = t_json_line(o.out, "c");
    snprintf(
        want, sizeof want,
        "\"verdict\":\"UNKNOWN\",\"reason\":\"plugin nextmajor failed to load: %s/nextmajor.so: plugin "
        "ABI 2.x, "
        "but this sitewatch speaks ABI %d.%d: rebuild the plugin against sitewatch 1's sitewatch/plugin.h "
        "(pkg-config sitewatch)\"",
        plugins, SW_ABI_MAJOR, SW_ABI_MINOR);
    ck_assert_msg(l && strstr(l, want), "%s\nwant %s", l, want);
    free(l);
    l = t_json_line(o.out, "d");
    ck_assert_msg(l && strstr(l, "tiny.so: descriptor is 8 bytes, smaller than ABI 1.0's"), "%s", l);
    free(l);
    l = t_json_line(o.out, "e");
    ck_assert_msg(l && strstr(l, "notaplugin.so: cannot load: file too short (is it a shared object"), "%s",
                  l);
    free(l);
    ck_assert_msg(strstr(o.err, "site c: check nextmajor disabled: plugin nextmajor failed to load:"), "%s",
                  o.err);
    t_out_free(&o);

    /* `plugins` lists every file with its kind and ABI, errors included. */
    o = t_sitewatch(conf, "plugins", NULL);
    ck_assert_int_eq(o.status, 1);
    snprintf(want, sizeof want, "outside      check    %d.%d   block  %s/outside.so\n", SW_ABI_MAJOR,
             SW_ABI_MINOR, plugins);
    ck_assert_msg(strstr(o.out, want), "%s", o.out);
    snprintf(want, sizeof want, "http         check    %d.%d   async  %s/http.so\n", SW_ABI_MAJOR,
             SW_ABI_MINOR, plugins);
    ck_assert_msg(strstr(o.out, want), "%s", o.out);
    snprintf(want, sizeof want, "sqlite       storage  %d.%d   -      %s/sqlite.so\n", SW_ABI_MAJOR,
             SW_ABI_MINOR, plugins);
    ck_assert_msg(strstr(o.out, want), "%s", o.out);
    ck_assert_msg(strstr(o.out, "nextmajor    error    -     -      "), "%s", o.out);
    t_out_free(&o);

    /* A 1.3 plugin declares its keys: `plugins NAME` shows them. */
    o = t_sitewatch(conf, "plugins", "outside", NULL);
    ck_assert_int_eq(o.status, 0);
    T_HAS(o.out, "outside: check plugin, ABI 1.4\n");
    T_HAS(o.out,
          "verdict            word      OK           the verdict to give (OK, WARN, FAIL or UNKNOWN)\n");
    T_HAS(o.out, "sleep              duration  0s           how long a run takes (a duration from 0 ms to "
                 "10 min, such as 250ms, 10s or 5m)\n");
    T_HAS(o.out, "const.answer       1     always 42\n");
    t_out_free(&o);
    o = t_sitewatch(conf, "plugins", "outside", "--format", "json", NULL);
    ck_assert_int_eq(o.status, 0);
    T_HAS(o.out, "{\"name\":\"verdict\",\"type\":\"word\",\"default\":\"OK\",\"repeats\":false,"
                 "\"required\":false,\"words\":[\"OK\",\"WARN\",\"FAIL\",\"UNKNOWN\"],");
    t_out_free(&o);
    o = t_sitewatch(conf, "plugins", "oldabi", NULL);
    T_HAS(o.out, "KEYS (names only: the plugin does not declare their types)\n  verdict\n");
    t_out_free(&o);

    /* ...and the core reads them: the plugin never sees a bad value. */
    char *bad = sw_xasprintf("%s/bad", tmp);
    o = sh("mkdir -p %s && cp %s/core.ini %s/", bad, conf, bad);
    t_out_free(&o);
    free(t_write(bad, "sites.ini",
                 "[site x]\nurl = http://unused.invalid/\nchecks = outside\noutside.verdict = MAYBE\n"
                 "outside.sleep = 11m\noutside.reason = one\noutside.reason = two\n"
                 "[check outside]\nsleep = soon\n"));
    o = t_sitewatch(bad, "validate", NULL);
    ck_assert_int_eq(o.status, 1);
    const char *errs[] = {
        "sites.ini:9: in [check outside], sleep = \"soon\": expected a duration from 0 ms to 10 min, such as "
        "250ms, 10s or 5m\n",
        "sites.ini:4: in [site x], outside.verdict = \"MAYBE\": expected OK, WARN, FAIL or UNKNOWN\n",
        "sites.ini:7: in [site x], outside.reason = \"two\": expected outside.reason once; it is already "
        "given "
        "at line 6\n",
        "sites.ini:5: in [site x], outside.sleep = \"11m\": expected a duration from 0 ms to 10 min, such as "
        "250ms, 10s or 5m\n",
    };
    for (size_t i = 0; i < sizeof errs / sizeof *errs; i++)
        T_HAS(o.err, errs[i]);
    t_out_free(&o);
    free(bad);

    /* A 1.3 storage plugin reads the declared metrics when it opens: the
     * check plugins' in use, in name order (http's, https's own, then
     * outside's, whose label is its name), each name once, then the core's. */
    free(t_write(tmp, "metriclog.c", "%s", metriclog_src));
    o = sh("cc -shared -fPIC -fvisibility=hidden -std=c17 -Wall -Wextra -Werror %s -o %s/metriclog.so "
           "%s/metriclog.c",
           cflags, plugins, tmp);
    ck_assert_int_eq(o.status, 0);
    t_out_free(&o);
    char *ml = sw_xasprintf("%s/ml", tmp);
    o = sh("mkdir -p %s", ml);
    t_out_free(&o);
    free(t_write(ml, "core.ini", "[core]\nplugin_dir = %s\n[storage metriclog]\n", plugins));
    free(t_write(
        ml, "sites.ini",
        "[site a]\nurl = http://127.0.0.1:1/\nchecks = outside\n[site s]\nurl = https://127.0.0.1:1/\n"
        "checks = https\n[site h]\nurl = http://127.0.0.1:1/\nchecks = http\n"));
    o = t_sitewatch(ml, "check", NULL);
    const char *order[] = {
        "metriclog: time.dns (DNS) phase\n",        "metriclog: time.transfer (transfer) phase\n",
        "metriclog: time.total (time.total)\n",     "metriclog: tls.days_left (tls.days_left)\n",
        "metriclog: const.answer (const.answer)\n", "metriclog: sched.lag (lag)\n",
        "metriclog: sched.skipped (skipped)\n",     "metriclog: end\n"};
    const char *at = o.err;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        const char *next = strstr(at, order[i]);
        ck_assert_msg(next, "no %s after %.200s in\n%s", order[i], at, o.err);
        at = next;
    }
    const char *dns = strstr(o.err, "metriclog: time.dns ");
    ck_assert_msg(dns && !strstr(dns + 1, "metriclog: time.dns "), "time.dns listed twice:\n%s", o.err);
    t_out_free(&o);
    free(ml);

    /* validate is strict: sites that cannot run are errors there. */
    o = t_sitewatch(conf, "validate", NULL);
    ck_assert_int_eq(o.status, 1);
    snprintf(want, sizeof want,
             "%s/sites.ini:11: in [site c], check nextmajor cannot run: plugin nextmajor failed", conf);
    ck_assert_msg(strstr(o.err, want), "%s", o.err);
    t_out_free(&o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("abi");
    TCase *tc = tcase_create("out-of-tree");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 170);
    tcase_add_test(tc, out_of_tree_plugins);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}

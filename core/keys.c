/* SPDX-License-Identifier: MIT */
#include "keys.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loader.h"
#include "metrics.h"
#include "units.h"

const char *sw_key_type_name(int type)
{
    static const char *const names[] = {"?",   "string", "duration", "size",  "bool",
                                        "int", "word",   "url",      "regex", "list"};
    return type >= SW_KEY_STRING && type <= SW_KEY_LIST ? names[type] : "?";
}

static int keys_bounded(const struct sw_key *k)
{
    return k->min != 0 || k->max != 0;
}

/* "a duration such as ...", with the bounds when there are any, added to B. */
static void keys_expected(const struct sw_key *k, struct buf *b)
{
    char lo[32], hi[32];
    switch (k->type) {
    case SW_KEY_DURATION:
        if (keys_bounded(k))
            buf_printf(b, "a duration from %s to %s, such as 250ms, 10s or 5m",
                       sw_fmt_duration(k->min, lo, sizeof lo), sw_fmt_duration(k->max, hi, sizeof hi));
        else
            buf_puts(b, SW_DURATION_EXPECTED);
        return;
    case SW_KEY_SIZE:
        if (keys_bounded(k))
            buf_printf(b, "a size from %s to %s, such as 512, 200k or 2M", sw_fmt_size(k->min, lo, sizeof lo),
                       sw_fmt_size(k->max, hi, sizeof hi));
        else
            buf_puts(b, SW_SIZE_EXPECTED);
        return;
    case SW_KEY_BOOL: buf_puts(b, "yes or no"); return;
    case SW_KEY_INT:
        if (keys_bounded(k))
            buf_printf(b, "a whole number from %" PRId64 " to %" PRId64, k->min, k->max);
        else
            buf_puts(b, "a whole number");
        return;
    case SW_KEY_WORD: {
        /* "GET or HEAD", "udp or tcp"; past four words "one of A, AAAA,
         * ... or PTR", so that a long list reads as a choice. */
        int nwords = 0;
        while (k->words && k->words[nwords])
            nwords++;
        buf_puts(b, nwords > 4 ? "one of " : "");
        for (int i = 0; i < nwords; i++)
            buf_printf(b, "%s%s", !i ? "" : k->words[i + 1] ? ", " : " or ", k->words[i]);
        return;
    }
    case SW_KEY_URL: buf_puts(b, "an absolute URL such as https://example.org/"); return;
    case SW_KEY_REGEX: buf_puts(b, "a PCRE2 regular expression"); return;
    case SW_KEY_LIST: buf_puts(b, "a list of items separated by commas"); return;
    default: buf_puts(b, "a value"); return;
    }
}

/* TEXT read as K's type into *OUT: 0, or -1 with what was expected added
 * to EXPECTED. */
static int keys_parse(const struct sw_key *k, const char *text, int64_t *out, struct buf *expected)
{
    int64_t v = 0;
    int ok = 1;
    switch (k->type) {
    case SW_KEY_STRING: break;
    case SW_KEY_DURATION: ok = sw_parse_duration(text, &v) == 0; break;
    case SW_KEY_SIZE: ok = sw_parse_size(text, &v) == 0; break;
    case SW_KEY_BOOL: {
        static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off",
                                                                                    "0"};
        ok = 0;
        for (int i = 0; i < 4 && !ok; i++) {
            if (strcasecmp(text, yes[i]) == 0)
                ok = 1, v = 1;
            else if (strcasecmp(text, no[i]) == 0)
                ok = 1, v = 0;
        }
        break;
    }
    case SW_KEY_INT: {
        char *end;
        errno = 0;
        long long x = strtoll(text, &end, 10);
        ok = !errno && end != text && !*end && (text[0] == '-' || (text[0] >= '0' && text[0] <= '9'));
        v = x;
        break;
    }
    case SW_KEY_WORD:
        ok = 0;
        for (int i = 0; k->words && k->words[i] && !ok; i++)
            if (strcasecmp(text, k->words[i]) == 0)
                ok = 1, v = i;
        break;
    case SW_KEY_URL: {
        /* What libcurl takes for a URL with a host is a URL. */
        CURLU *u = curl_url();
        char *host = NULL;
        ok = u && curl_url_set(u, CURLUPART_URL, text, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
             curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host && *host && strstr(text, "://");
        curl_free(host);
        curl_url_cleanup(u);
        break;
    }
    case SW_KEY_REGEX: {
        int err;
        PCRE2_SIZE at;
        pcre2_code *re =
            pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE, &err, &at, NULL);
        if (!re) {
            char msg[160] = "";
            pcre2_get_error_message(err, (PCRE2_UCHAR *)msg, sizeof msg);
            buf_printf(expected, "a PCRE2 regular expression (%s at offset %zu)", msg, (size_t)at);
            return -1;
        }
        pcre2_code_free(re);
        break;
    }
    case SW_KEY_LIST: ok = strspn(text, ", \t") < strlen(text); break;
    }
    if (ok && !*text && k->type != SW_KEY_STRING)
        ok = 0;
    if (ok && keys_bounded(k) &&
        (k->type == SW_KEY_INT || k->type == SW_KEY_DURATION || k->type == SW_KEY_SIZE) &&
        (v < k->min || v > k->max))
        ok = 0;
    if (!ok) {
        keys_expected(k, expected);
        return -1;
    }
    *out = v;
    return 0;
}

int sw_key_decl_problem(const struct sw_key *k, char *why, size_t n)
{
    if (k->type < SW_KEY_STRING || k->type > SW_KEY_LIST) {
        snprintf(why, n, "type %d is not one of enum sw_key_type", k->type);
        return -1;
    }
    if (k->type == SW_KEY_WORD && (!k->words || !k->words[0])) {
        snprintf(why, n, "a word key declares no words");
        return -1;
    }
    if (k->min > k->max) {
        snprintf(why, n, "its bounds are the wrong way round (%" PRId64 " > %" PRId64 ")", k->min, k->max);
        return -1;
    }
    struct buf expected = {0};
    int64_t v;
    int bad = k->def && keys_parse(k, k->def, &v, &expected) < 0;
    if (bad)
        snprintf(why, n, "its default \"%s\" is not %s", k->def, sw_text(&expected));
    buf_free(&expected);
    return bad ? -1 : 0;
}

static const struct sw_key *keys_find(const struct sw_loaded *p, const char *name)
{
    for (int i = 0; p && i < p->nkeys; i++)
        if (strcmp(p->keys[i].name, name) == 0)
            return &p->keys[i];
    return NULL;
}

/* Whether E is one of SEC's own entries (not a [check] default). */
static int keys_in(const struct sw_section *sec, const struct sw_entry *e)
{
    return sec && e >= sec->entries && e < sec->entries + sec->nentries;
}

int sw_keys_check_values(struct sw_conf *c, struct sw_section *sec, const char *plugin)
{
    int before = c->nerrors;
    const struct sw_loaded *p = sw_loader_get(c->plugin_dir, plugin);
    /* Every check plugin a configuration uses passes here (its [check]
     * section, each site's series): where its metrics join the list that
     * storage and outputs read. */
    sw_metrics_note(p);
    if (p->error || !p->keys)
        return 0;
    struct sw_config v = sec->kind == SW_SEC_SITE
                             ? (struct sw_config){.conf = c,
                                                  .sec = sec,
                                                  .defaults = sw_conf_section(c, SW_SEC_CHECK, p->name),
                                                  .plugin = p->name}
                             : sw_config_section_view(c, sec);
    struct buf expected = {0};
    for (int i = 0; i < p->nkeys; i++) {
        const struct sw_key *k = &p->keys[i];
        int n = sw_config_lookup_count(&v, k->name);
        if (!n) {
            /* With the key's help line: what it is for says what to give
             * better than its type does ("a value"). */
            if ((k->flags & SW_KEY_REQUIRED) && sec->kind != SW_SEC_CHECK) {
                buf_reset(&expected);
                keys_expected(k, &expected);
                if (k->help && *k->help)
                    buf_printf(&expected, " (%s)", k->help);
                sw_config_bad_value(&v, k->name, sw_text(&expected));
            }
            continue;
        }
        if (n > 1 && !(k->flags & SW_KEY_REPEATS))
            sw_config_single(&v, k->name);
        for (int nth = k->flags & SW_KEY_REPEATS ? 0 : n - 1; nth < n; nth++) {
            struct sw_entry *e = sw_config_lookup(&v, k->name, nth);
            /* A [check] default is checked once, in its own section. */
            if (sec->kind == SW_SEC_SITE && !keys_in(sec, e))
                continue;
            int64_t value;
            buf_reset(&expected);
            if (keys_parse(k, e->value, &value, &expected) < 0)
                sw_config_bad_value_nth(&v, k->name, nth, sw_text(&expected));
        }
    }
    buf_free(&expected);
    return c->nerrors - before;
}

/* The plugin a view reads for: the site view's check, or the section's
 * plugin (its `plugin` key, or its name). */
static const struct sw_loaded *keys_plugin_of(const struct sw_config *v)
{
    const char *name = v->plugin;
    if (!name) {
        struct sw_entry *e = sw_section_get(v->sec, "plugin");
        name = e ? e->value : v->sec->name;
    }
    return name ? sw_loader_get(v->conf->plugin_dir, name) : NULL;
}

int64_t sw_keys_value(const struct sw_config *v, const char *key, int i)
{
    const struct sw_key *k = keys_find(keys_plugin_of(v), key);
    if (!k)
        return 0;
    /* What was expected is not said here: sw_keys_check_values said it. */
    struct buf unused = {0};
    int64_t out = 0;
    struct sw_entry *e = sw_config_lookup(v, key, i);
    if ((!e || keys_parse(k, e->value, &out, &unused) < 0) && k->def)
        keys_parse(k, k->def, &out, &unused); /* OUT stays 0 when that fails too */
    buf_free(&unused);
    return out;
}

void sw_keys_describe(const struct sw_loaded *p, int json, struct buf *b)
{
    if (json) {
        buf_puts(b, "{\"name\":");
        buf_json_str(b, p->name);
        buf_printf(b, ",\"kind\":\"%s\",\"abi\":\"%u.%u\",\"description\":", sw_kind_name(p->desc.kind),
                   SW_ABI_MAJOR_OF(p->desc.abi_version), SW_ABI_MINOR_OF(p->desc.abi_version));
        buf_json_str(b, p->desc.description ? p->desc.description : "");
        buf_puts(b, ",\"keys\":[");
        for (int i = 0; i < p->nkeys; i++) {
            const struct sw_key *k = &p->keys[i];
            buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
            buf_json_str(b, k->name);
            buf_printf(b, ",\"type\":\"%s\",\"default\":", sw_key_type_name(k->type));
            if (k->def)
                buf_json_str(b, k->def);
            else
                buf_puts(b, "null");
            buf_printf(b, ",\"repeats\":%s,\"required\":%s", k->flags & SW_KEY_REPEATS ? "true" : "false",
                       k->flags & SW_KEY_REQUIRED ? "true" : "false");
            if (keys_bounded(k))
                buf_printf(b, ",\"min\":%" PRId64 ",\"max\":%" PRId64, k->min, k->max);
            if (k->type == SW_KEY_WORD) {
                buf_puts(b, ",\"words\":[");
                for (int w = 0; k->words[w]; w++) {
                    if (w)
                        buf_puts(b, ",");
                    buf_json_str(b, k->words[w]);
                }
                buf_puts(b, "]");
            }
            buf_puts(b, ",\"help\":");
            buf_json_str(b, k->help ? k->help : "");
            buf_puts(b, "}");
        }
        buf_puts(b, "],\"metrics\":[");
        for (int i = 0; i < p->nmetrics; i++) {
            const struct sw_metric_decl *m = &p->metrics[i];
            buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
            buf_json_str(b, m->name);
            buf_puts(b, ",\"unit\":");
            buf_json_str(b, m->unit ? m->unit : "");
            buf_printf(b, ",\"phase\":%s,\"label\":", m->flags & SW_METRIC_PHASE ? "true" : "false");
            buf_json_str(b, m->label ? m->label : m->name);
            buf_puts(b, ",\"help\":");
            buf_json_str(b, m->help ? m->help : "");
            buf_puts(b, "}");
        }
        buf_puts(b, "]}\n");
        return;
    }
    buf_printf(b, "%s: %s plugin, ABI %u.%u\n%s\n", p->name, sw_kind_name(p->desc.kind),
               SW_ABI_MAJOR_OF(p->desc.abi_version), SW_ABI_MINOR_OF(p->desc.abi_version),
               p->desc.description ? p->desc.description : "");
    if (!p->keys) {
        buf_puts(b, "\nKEYS (names only: the plugin does not declare their types)\n");
        for (const char *const *k = p->desc.keys; k && *k; k++)
            buf_printf(b, "  %s\n", *k);
    } else {
        buf_printf(b, "\n%-18s %-9s %-12s %s\n", "KEY", "TYPE", "DEFAULT", "MEANING");
        for (int i = 0; i < p->nkeys; i++) {
            const struct sw_key *k = &p->keys[i];
            char type[24];
            snprintf(type, sizeof type, "%s%s", sw_key_type_name(k->type),
                     k->flags & SW_KEY_REPEATS ? "..." : "");
            buf_printf(b, "%-18s %-9s %-12s %s", k->name, type,
                       k->def ? k->def : (k->flags & SW_KEY_REQUIRED ? "(required)" : "-"),
                       k->help ? k->help : "");
            if (k->type == SW_KEY_WORD || keys_bounded(k)) {
                buf_puts(b, " (");
                keys_expected(k, b);
                buf_puts(b, ")");
            }
            buf_puts(b, "\n");
        }
    }
    int repeats = 0;
    for (int i = 0; p->keys && i < p->nkeys; i++)
        repeats |= (p->keys[i].flags & SW_KEY_REPEATS) != 0;
    if (repeats)
        buf_puts(b, "(TYPE... may be given more than once; every value counts)\n");
    if (p->nmetrics) {
        buf_printf(b, "\n%-18s %-5s %s\n", "METRIC", "UNIT", "MEANING");
        for (int i = 0; i < p->nmetrics; i++) {
            const struct sw_metric_decl *m = &p->metrics[i];
            buf_printf(b, "%-18s %-5s %s\n", m->name, m->unit ? m->unit : "", m->help ? m->help : "");
        }
    }
}

/* SPDX-License-Identifier: MIT
 * A notify plugin for the alert tests: each delivered message becomes a
 * line of its JSON in `file` (and its subject and text in file.txt), after
 * `delay`; `fail = N` refuses the first N attempts, `hang = yes` never
 * ends a delivery until the core cancels it.  Deterministic where a real
 * server is not the point: the outbox, digests, restarts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sitewatch/plugin.h"

SW_PLUGIN_INIT1

struct rec {
    char *file;
    int64_t delay;
    int64_t fail; /* attempts still to refuse */
    int hang;
    sw_timer *timer;
    sw_message *m; /* the delivery under way */
    long attempts;
};

static const struct sw_key rec_keys[] = {
    {.name = "file", .type = SW_KEY_STRING, .flags = SW_KEY_REQUIRED, .help = "where messages go"},
    {.name = "delay", .type = SW_KEY_DURATION, .def = "0s", .max = 60 * SW_S, .help = "how long one takes"},
    {.name = "fail", .type = SW_KEY_INT, .def = "0", .max = 1000000, .help = "refuse the first N attempts"},
    {.name = "hang", .type = SW_KEY_BOOL, .def = "no", .help = "never end a delivery"},
    {.name = NULL},
};

static void rec_deliver(struct rec *r)
{
    sw_message *m = r->m;
    r->m = NULL;
    sw_api->message_set_data(m, NULL);
    r->attempts++;
    if (r->fail > 0) {
        r->fail--;
        sw_api->message_done(m, SW_EIO, "refused on purpose (attempt %ld)", r->attempts);
        return;
    }
    FILE *f = fopen(r->file, "a");
    char *txt = NULL;
    if (f && asprintf(&txt, "%s.txt", r->file) > 0) {
        fprintf(f, "%s\n", sw_api->message_json(m));
        fclose(f);
        f = fopen(txt, "a");
        if (f) {
            fprintf(f, "Subject: %s\nId: %s\n\n%s\n====\n", sw_api->message_subject(m), sw_api->message_id(m),
                    sw_api->message_text(m));
            fclose(f);
        }
        free(txt);
        sw_api->message_done(m, 0, "recorded %d event(s) in %s", sw_api->message_count(m), r->file);
        return;
    }
    if (f)
        fclose(f);
    free(txt);
    sw_api->message_done(m, SW_EIO, "cannot write %s", r->file);
}

static void rec_on_timer(sw_timer *t, void *ud)
{
    (void)t;
    rec_deliver(ud);
}

static int rec_open(void *ps, const sw_config *cfg, void **inst)
{
    (void)ps;
    struct rec *r = calloc(1, sizeof *r);
    if (!r)
        return SW_ENOMEM;
    const char *file = sw_api->config_get(cfg, "file");
    r->file = strdup(file ? file : "");
    r->delay = sw_api->config_value(cfg, "delay", -1);
    r->fail = sw_api->config_value(cfg, "fail", -1);
    r->hang = (int)sw_api->config_value(cfg, "hang", -1);
    *inst = r;
    return 0;
}

static void rec_close(void *inst)
{
    struct rec *r = inst;
    if (r->timer)
        sw_api->timer_close(r->timer);
    free(r->file);
    free(r);
}

static int rec_send(void *inst, sw_message *m)
{
    struct rec *r = inst;
    r->m = m;
    sw_api->message_set_data(m, r);
    if (r->hang)
        return 0;
    if (!r->delay) {
        rec_deliver(r);
        return 0;
    }
    if (!r->timer)
        r->timer = sw_api->timer_new(rec_on_timer, r);
    return sw_api->timer_start(r->timer, r->delay);
}

static void rec_cancel(void *inst, sw_message *m)
{
    struct rec *r = inst;
    if (r->m != m)
        return;
    r->m = NULL;
    if (r->timer)
        sw_api->timer_stop(r->timer);
    sw_api->message_set_data(m, NULL);
    r->attempts++;
    sw_api->message_done(m, SW_ETIMEOUT, "cancelled (attempt %ld)", r->attempts);
}

static const struct sw_plugin rec_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "recorder",
    .kind = SW_KIND_NOTIFY,
    .description = "records messages in a file (tests)",
    .key_decls = rec_keys,
    .key_size = sizeof(struct sw_key),
    .notify_open = rec_open,
    .notify_close = rec_close,
    .notify_send = rec_send,
    .notify_cancel = rec_cancel,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *api)
{
    SW_PLUGIN_INIT2(api);
    return &rec_plugin;
}

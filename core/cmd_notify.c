/* SPDX-License-Identifier: MIT
 * `notify-test NAME`: one TEST message through the notifier NAME, by the
 * same path alerts take (its plugin, its timeout), now; prints what the
 * other end answered.  The outbox is not involved: a test that cannot be
 * delivered is not retried, it is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "host.h"
#include "log.h"
#include "message.h"
#include "notifier.h"
#include "util.h"

struct notify_test {
    int over, err;
    char *answer;
};

static void notify_test_done(sw_message *m, int err, const char *answer, void *ud)
{
    (void)m;
    struct notify_test *t = ud;
    t->over = 1;
    t->err = err;
    t->answer = sw_xstrdup(answer);
}

int sw_cmd_notify_test(struct sw_app *a)
{
    if (a->nargs != 1 || a->args[0][0] == '-') {
        fprintf(stderr, "usage: sitewatch notify-test NAME (a [notify NAME] section)\n");
        return 1;
    }
    const char *name = a->args[0];
    if (sw_app_load(a, 1) < 0) {
        sw_app_close(a);
        return 1;
    }
    struct sw_notifier *n = sw_notifiers_find(a->notifiers, name);
    if (!n) {
        if (sw_conf_section(a->conf, SW_SEC_NOTIFY, name))
            fprintf(stderr, "sitewatch: notifier %s cannot be used (see above)\n", name);
        else
            fprintf(stderr, "sitewatch: no [notify %s] section in %s\n", name, a->dir);
        sw_app_close(a);
        return 1;
    }
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    int64_t now = sw_now_wall();
    char *id = sw_xasprintf("test.%lld.%d", (long long)now, (int)getpid());
    char *reason = sw_xasprintf("a test message from sitewatch on %s through notifier %s (notify-test)",
                                *host ? host : "this machine", name);
    char *page = a->conf->public_url ? sw_xstrdup(a->conf->public_url) : NULL;
    struct sw_event_fields f = {
        .event = "TEST",
        .id = id,
        .site = "sitewatch",
        .location = a->conf->location,
        .verdict = -1,
        .reason = reason,
        .at = now,
        .page = page,
    };
    char *payload = sw_event_payload(&f);
    struct notify_test t = {0};
    n->done = notify_test_done;
    n->ud = &t;
    sw_message *m = sw_notifier_message(n);
    sw_message_add(m, payload);
    sw_notifier_send(n, m);
    while (!t.over && uv_run(a->loop, UV_RUN_ONCE))
        ;
    if (!t.over) /* the loop ran dry: nothing left that could end it */
        t.err = SW_EPLUGIN, t.answer = sw_xstrdup("the plugin left the delivery hanging (plugin bug)");
    if (t.err == 0)
        printf("%s: delivered: %s\n", name, *t.answer ? t.answer : "ok");
    else
        printf("%s: not delivered: %s\n", name, *t.answer ? t.answer : sw_strerror(t.err));
    free(t.answer);
    free(payload);
    free(page);
    free(reason);
    free(id);
    sw_app_close(a);
    return t.err == 0 ? 0 : 1;
}

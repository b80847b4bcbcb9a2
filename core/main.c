/* SPDX-License-Identifier: MIT
 * sitewatch: the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "log.h"
#include "sitewatch/plugin.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sitewatch [-c DIR] [-v|-q] COMMAND [ARGS] [--format table|json]\n"
            "\n"
            "  check [SITE..]  run each check once now, print the results, exit 0-3\n"
            "                  (worst verdict: FAIL 2 > UNKNOWN 3 > WARN 1 > OK 0)\n"
            "  run             the daemon: check every site on its interval until SIGTERM;\n"
            "                  SIGHUP reloads the configuration\n"
            "  status          latest verdict of every site, since when, and its last results\n"
            "  plugins [NAME]  list the plugins in plugin_dir with their kind and ABI;\n"
            "                  with NAME, that plugin's keys and metrics\n"
            "  validate        check the configuration; exit 1 and list every error\n"
            "  render          write every [output] now (the status pages) and exit\n"
            "\n"
            "  add NAME URL [--checks https,dns] [--interval 60s] [--set KEY=VALUE ...]\n"
            "                  write NAME.ini for a new site (checked first; refused with the reason)\n"
            "  remove NAME [--purge]      remove the site (--purge: its stored results too)\n"
            "  set-interval NAME 30s      change a site's interval in its file\n"
            "  purge [--site NAME] [--before 2026-10-01 | --older-than 90d]\n"
            "                  delete stored results\n"
            "  history NAME [--last 50]   a site's past results, newest first\n"
            "  uptime [NAME] [--since 30d]  uptime per site and check, WARN counted apart\n"
            "  (a running daemon sees add, remove and set-interval by itself)\n"
            "\n"
            "  alerts          every series not up, who was told, what waits in each outbox,\n"
            "                  maintenance windows active and next\n"
            "  notify-test NAME           send one test message through [notify NAME] now;\n"
            "                  prints what the other end answered, exit 0 or 1\n"
            "  ack SITE [--check C]       no more reminders for it until it recovers\n"
            "  silence SITE DURATION      an ad-hoc maintenance window from now (30m, 2h)\n"
            "\n"
            "  -c DIR          the configuration folder (default %s)\n"
            "  -v, -q          more or less logging\n"
            "  --syslog        log to syslog instead of stderr (under systemd, stderr\n"
            "                  lines carry journal priorities by themselves)\n"
            "  --format json   one JSON object a line instead of a table\n",
            SW_CONF_DIR);
}

int main(int argc, char **argv)
{
    struct sw_app a = {.dir = SW_CONF_DIR};
    int log_to = SW_LOG_TO_STDERR;
    const char *cmd = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "-c") == 0 || strcmp(s, "--config") == 0) {
            if (++i == argc) {
                fprintf(stderr, "sitewatch: %s needs the configuration folder\n", s);
                free(rest);
                return 3;
            }
            a.dir = argv[i];
        } else if (strcmp(s, "--format") == 0 || strncmp(s, "--format=", 9) == 0) {
            const char *f = s[8] == '=' ? s + 9 : (++i < argc ? argv[i] : "");
            if (strcmp(f, "json") && strcmp(f, "table")) {
                fprintf(stderr, "sitewatch: --format takes table or json, not '%s'\n", f);
                free(rest);
                return 3;
            }
            a.json = strcmp(f, "json") == 0;
        } else if (strcmp(s, "--syslog") == 0) {
            log_to = SW_LOG_TO_SYSLOG;
        } else if (strcmp(s, "-v") == 0) {
            sw_log_set_level(SW_LOG_DEBUG);
        } else if (strcmp(s, "-q") == 0) {
            sw_log_set_level(SW_LOG_WARN);
        } else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            usage(stdout);
            free(rest);
            return 0;
        } else if (strcmp(s, "--version") == 0) {
            printf("sitewatch %s (plugin ABI %d.%d)\n", SW_VERSION, SW_ABI_MAJOR, SW_ABI_MINOR);
            free(rest);
            return 0;
        } else if (!cmd) {
            cmd = s;
        } else {
            rest[nrest++] = argv[i];
        }
    }
    sw_log_set_output(log_to);
    a.args = rest;
    a.nargs = nrest;
    static const struct {
        const char *name;
        int (*fn)(struct sw_app *);
    } cmds[] = {
        {"check", sw_cmd_check},
        {"run", sw_cmd_run},
        {"status", sw_cmd_status},
        {"plugins", sw_cmd_plugins},
        {"validate", sw_cmd_validate},
        {"render", sw_cmd_render},
        {"add", sw_cmd_add},
        {"remove", sw_cmd_remove},
        {"set-interval", sw_cmd_set_interval},
        {"purge", sw_cmd_purge},
        {"history", sw_cmd_history},
        {"uptime", sw_cmd_uptime},
        {"notify-test", sw_cmd_notify_test},
        {"alerts", sw_cmd_alerts},
        {"ack", sw_cmd_ack},
        {"silence", sw_cmd_silence},
    };
    /* Commands that take nothing say so, rather than ignore what they got. */
    static const char *const bare[] = {"status", "validate", NULL};
    for (int i = 0; cmd && nrest && bare[i]; i++) {
        if (strcmp(cmd, bare[i]) == 0) {
            fprintf(stderr, "sitewatch: %s takes no arguments, not '%s'\n", cmd, rest[0]);
            free(rest);
            return 3;
        }
    }
    int rc = -1;
    for (size_t i = 0; cmd && i < sizeof cmds / sizeof *cmds; i++)
        if (strcmp(cmd, cmds[i].name) == 0)
            rc = cmds[i].fn(&a);
    if (rc < 0) {
        if (cmd)
            fprintf(stderr, "sitewatch: unknown command '%s'\n", cmd);
        usage(stderr);
        rc = 3;
    }
    free(rest);
    return rc;
}

/* SPDX-License-Identifier: MIT
 *
 * A secret a notifier reads from a file of its own (email's
 * password_file, webhook's and alertmanager's secret_file): the INI files
 * may be read by others, the secret's file is the user's to keep 0600.
 * Read once, when the notifier opens; its bytes are wiped before their
 * memory is freed, and no error or log line holds them.
 */
#ifndef SW_COMMON_SECRET_H
#define SW_COMMON_SECRET_H

#include <sitewatch/plugin.h>

/* How a plugin speaks of its secret's file. */
struct secret_words {
    const char *plugin;   /* starts the warning: "webhook" */
    const char *key;      /* the key that names the file: "secret_file" */
    const char *what;     /* the secret, in an error: "the secret", "the password" */
    const char *readable; /* a file it can read, in the plugin's words: "a readable file" */
};

/* The first line of the file PATH (named by W->key in CFG) into *OUT, the
 * caller's (secret_free it).  The line break and blanks at its end are
 * not part of it; a control character in it or an empty line is refused,
 * as is a file that is not a regular one or cannot be read: a config
 * error naming the file and why (SW_ECONFIG), never what it holds.  A
 * file every user may read is taken with a warning.  SW_ENOMEM. */
int secret_read(const struct sw_host_api *api, const sw_config *cfg, const struct secret_words *w,
                const char *path, char **out);
/* Wipe and free S (NULL is a no-op). */
void secret_free(char *s);
/* Wipe the N bytes at P, in a way the compiler keeps. */
void secret_wipe(void *p, size_t n);

/* S with every {secret} replaced by SECRET (NULL: by nothing) into *OUT,
 * a copy the caller frees with secret_free; *USED counts the {secret}s.
 * 0 or SW_ENOMEM. */
int secret_fill(const char *s, const char *secret, char **out, int *used);

#endif

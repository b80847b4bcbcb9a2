/* SPDX-License-Identifier: MIT
 * Changing the configuration folder from the command line: one file's new
 * text is made from its old one line by line (comments, order and other
 * keys kept), checked by loading the whole folder with it in place and
 * binding every plugin, as `validate` does, and only then written: to a
 * temporary file in the folder, flushed, renamed over the old one. */
#ifndef SW_CONFEDIT_H
#define SW_CONFEDIT_H

#include "config.h"

/* Whole text of PATH, or NULL (errno set). */
char *sw_edit_read(const char *path);

/* TEXT with KEY set to VALUE in its [KIND NAME] section: the value of the
 * last KEY line replaced (an inline "; comment" kept), or a new line after
 * the section's last key.  NULL when the section is not in TEXT. */
char *sw_edit_set_key(const char *text, const char *kind, const char *name, const char *key,
                      const char *value);
/* TEXT without its [KIND NAME] section (and the comment lines right above
 * its header).  NULL when the section is not in TEXT. */
char *sw_edit_drop_section(const char *text, const char *kind, const char *name);
/* Why VALUE, written as "key = VALUE", would not read back as itself (a
 * line break or control character, a space first or last, a ';' after a
 * space, which starts a comment); NULL when it would. */
const char *sw_edit_value_problem(const char *value);
/* Whether TEXT still has any [section]. */
int sw_edit_has_sections(const char *text);

/* Load DIR with its file NAME replaced by TEXT (NULL: removed) and bind
 * every plugin.  Returns the errors, one a line, or NULL when there are
 * none (caller frees). */
char *sw_edit_check(const char *dir, const char *name, const char *text);
/* Write TEXT to DIR/NAME (temporary file, fsync, rename), or remove the
 * file when TEXT is NULL.  0, or -1 with a message in *WHY (caller frees). */
int sw_edit_apply(const char *dir, const char *name, const char *text, char **why);

#endif

/* SPDX-License-Identifier: MIT
 *
 * A command line split into words the way a POSIX shell splits a simple
 * command, with no shell: blanks separate words; '...' keeps everything
 * as it is; "..." too, except that \" \\ \$ and \` stand for the character;
 * outside quotes a backslash keeps the next character as it is; quoted
 * and unquoted pieces side by side make one word ('' is an empty one).
 * What a shell would do something with (| & ; < > ( ) $ ` * ? [, and ~ or
 * # starting a word, $ and ` inside "...") is refused rather than passed
 * on: a command that silently means something else than it says is worse
 * than an error.  Quoted, each is passed as it is.
 */
#ifndef SW_EXEC_WORDS_H
#define SW_EXEC_WORDS_H

#include <stddef.h>

/* LINE's words into *WORDS (NULL-terminated, the caller's: words_free) and
 * their count into *N: 0, SW_ENOMEM, or SW_EINVAL with what was expected
 * said in WHY (WHY_LEN bytes), as a config error's "expected ..." part. */
int words_split(const char *line, char ***words, int *n, char *why, size_t why_len);
void words_free(char **words);

#endif

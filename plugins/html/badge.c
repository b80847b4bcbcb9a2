/* SPDX-License-Identifier: MIT
 * badge/NAME.svg: "name | up" in the shields.io shape, to embed anywhere. */
#include <string.h>

#include "html.h"

/* Width of TEXT in 11px DejaVu Sans / Verdana, near enough for a badge. */
static int badge_width(const char *text)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p & 0xc0) != 0x80) /* count characters, not bytes */
            w += strchr("il.,:;'|!", *p) ? 4 : strchr("mwMW@", *p) ? 10 : 7;
    return w + 10;
}

void html_badge(struct buf *b, const struct html_site *s)
{
    static const char *const word[] = {"up", "degraded", "down", "unknown"};
    static const char *const colour[] = {"#2e7d32", "#b26a00", "#c62828", "#616161"};
    int v = s->verdict & 3;
    int lw = badge_width(s->name), rw = badge_width(word[v]);
    buf_printf(b,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"20\" role=\"img\" "
               "aria-label=\"",
               lw + rw);
    buf_html(b, s->name);
    buf_printf(b, ": %s\"><title>", word[v]);
    buf_html(b, s->name);
    buf_printf(b,
               ": %s</title><rect width=\"%d\" height=\"20\" rx=\"3\" fill=\"#555\"/>"
               "<rect x=\"%d\" width=\"%d\" height=\"20\" rx=\"3\" fill=\"%s\"/>"
               "<rect x=\"%d\" width=\"4\" height=\"20\" fill=\"%s\"/>"
               "<g fill=\"#fff\" font-family=\"DejaVu Sans,Verdana,sans-serif\" font-size=\"11\">"
               "<text x=\"%d\" y=\"14\" text-anchor=\"middle\">",
               word[v], lw + rw, lw, rw, colour[v], lw, colour[v], lw / 2);
    buf_html(b, s->name);
    buf_printf(b, "</text><text x=\"%d\" y=\"14\" text-anchor=\"middle\">%s</text></g></svg>\n", lw + rw / 2,
               word[v]);
}

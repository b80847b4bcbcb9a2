/* SPDX-License-Identifier: MIT
 * index.html: every site, worst first, one row per check. */
#include <math.h>

#include "html.h"

static void html_verdict_cell(struct buf *b, int v, const char *tag)
{
    buf_printf(b, "<%s class=\"verdict v-%s\"><span class=\"glyph\" aria-hidden=\"true\">%s</span> %s</%s>",
               tag, html_verdict_class(v), html_verdict_glyph(v), html_verdict_word(v), tag);
}

static void html_marks(struct buf *b, const struct html_series *s)
{
    /* Oldest left, newest right, like a timeline. */
    buf_puts(b, "<td class=\"marks\">");
    for (int k = s->nmarks - 1; k >= 0; k--) {
        const struct html_mark *mk = &s->marks[k];
        buf_printf(b, "<span class=\"mark v-%s%s\" title=\"", html_verdict_class(mk->verdict),
                   mk->maintenance ? " maint" : "");
        html_time(b, mk->started, 1);
        buf_printf(b, " \xc2\xb7 %s%s \xc2\xb7 ", html_verdict_word(mk->verdict),
                   mk->maintenance ? " (maintenance)" : "");
        html_ms(b, (double)mk->duration / SW_S);
        buf_puts(b, " \xc2\xb7 ");
        buf_html(b, mk->reason);
        buf_printf(b, "\">%s</span>", html_verdict_glyph(mk->verdict));
    }
    if (!s->nmarks)
        buf_puts(b, "<span class=\"none\">no results yet</span>");
    buf_puts(b, "</td>");
}

/* A series whose verdict is not OK gets a row of its own for the reason. */
static int index_has_reason_row(const struct html_series *s)
{
    return s->nmarks && s->verdict != SW_OK;
}

void html_index(struct buf *b, const struct html_model *m)
{
    int count[4] = {0};
    for (int i = 0; i < m->nsites; i++)
        count[m->sites[i].verdict & 3]++;
    html_page_head(b, m, m->title, "");
    buf_puts(b, "<header><h1>");
    buf_html(b, m->title);
    buf_printf(b, "</h1>\n<p class=\"summary\">%d site%s: ", m->nsites, m->nsites == 1 ? "" : "s");
    static const int order[] = {SW_FAIL, SW_UNKNOWN, SW_WARN, SW_OK};
    for (int i = 0, first = 1; i < 4; i++) {
        if (!count[order[i]])
            continue;
        buf_printf(b, "%s<span class=\"v-%s\">%d %s</span>", first ? "" : ", ", html_verdict_class(order[i]),
                   count[order[i]], html_verdict_word(order[i]));
        first = 0;
    }
    buf_puts(b, "</p></header>\n<main>\n<table class=\"sites\">\n<thead><tr><th>Site</th><th>Check</th>"
                "<th>Status</th><th>Since</th><th>Latency</th><th>24 h</th><th>7 d</th><th>30 d</th>"
                "<th>Last 7 results</th></tr></thead>\n");
    for (int i = 0; i < m->nsites; i++) {
        const struct html_site *site = &m->sites[i];
        buf_printf(b, "<tbody class=\"site v-%s\">\n", html_verdict_class(site->verdict));
        /* The site's cell spans its series' rows and their reason rows: a
         * reason row left out of the span pushed the next series' cells one
         * column to the left. */
        int rows = 0;
        for (int k = 0; k < site->nseries; k++)
            rows += 1 + index_has_reason_row(site->series[k]);
        for (int k = 0; k < site->nseries; k++) {
            const struct html_series *s = site->series[k];
            buf_puts(b, "<tr data-site=\"");
            buf_html(b, s->site);
            buf_puts(b, "\" data-check=\"");
            buf_html(b, s->check);
            buf_printf(b, "\" data-verdict=\"%s\">", html_verdict_word(s->verdict));
            if (k == 0) {
                buf_printf(b, "<th scope=\"rowgroup\" rowspan=\"%d\"><a href=\"site/", rows);
                buf_html(b, site->slug);
                buf_puts(b, ".html\">");
                buf_html(b, site->name);
                buf_puts(b, "</a>");
                if (site->url) {
                    buf_puts(b, "<div class=\"url\">");
                    buf_html(b, site->url);
                    buf_puts(b, "</div>");
                }
                if (site->error) { /* its page is missing or old: say why here */
                    buf_puts(b, "<div class=\"page-error\">");
                    buf_html(b, site->error);
                    buf_puts(b, "</div>");
                }
                buf_puts(b, "</th>");
            }
            buf_puts(b, "<td>");
            buf_html(b, s->check);
            buf_puts(b, "</td>");
            html_verdict_cell(b, s->verdict, "td");
            buf_puts(b, "<td class=\"since\">");
            if (s->nmarks)
                html_time(b, s->since, 0);
            buf_puts(b, "</td><td class=\"num\">");
            html_ms(b, s->nmarks ? (double)s->last_duration / SW_S : NAN);
            buf_puts(b, "</td>");
            for (int w = 0; w < HTML_WINDOWS; w++) {
                buf_puts(b, "<td class=\"num\">");
                html_percent(b, s->have_up ? html_uptime(s->up[w]) : NAN);
                double warn = s->have_up ? html_warn_share(s->up[w]) : NAN;
                if (warn > 0) {
                    buf_puts(b, "<div class=\"warnshare\">");
                    html_percent(b, warn);
                    buf_puts(b, " warn</div>");
                }
                buf_puts(b, "</td>");
            }
            html_marks(b, s);
            buf_puts(b, "</tr>\n");
            if (index_has_reason_row(s)) {
                buf_printf(b, "<tr class=\"reason v-%s\"><td colspan=\"8\">", html_verdict_class(s->verdict));
                buf_html(b, s->reason);
                buf_puts(b, "</td></tr>\n");
            }
        }
        buf_puts(b, "</tbody>\n");
    }
    buf_puts(b, "</table>\n</main>\n");
    html_page_foot(b, m);
}

/* SPDX-License-Identifier: MIT
 * Words, numbers and the page frame shared by every page. */
#include <math.h>
#include <time.h>

#include "html.h"

const char *html_verdict_word(int v)
{
    static const char *const w[] = {"OK", "WARN", "FAIL", "UNKNOWN"};
    return v >= 0 && v <= 3 ? w[v] : "UNKNOWN";
}

const char *html_verdict_class(int v)
{
    static const char *const c[] = {"ok", "warn", "fail", "unknown"};
    return v >= 0 && v <= 3 ? c[v] : "unknown";
}

/* A shape per verdict, so the marks read without colour. */
const char *html_verdict_glyph(int v)
{
    static const char *const g[] = {"\xe2\x9c\x93", "!", "\xe2\x9c\x97", "?"}; /* ✓ ! ✗ ? */
    return v >= 0 && v <= 3 ? g[v] : "?";
}

void html_time(struct buf *b, int64_t us, int seconds)
{
    time_t t = (time_t)(us / SW_S);
    struct tm tm;
    char s[40];
    gmtime_r(&t, &tm);
    strftime(s, sizeof s, seconds ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d %H:%M UTC", &tm);
    buf_puts(b, s);
}

void html_ms(struct buf *b, double seconds)
{
    if (isnan(seconds))
        buf_puts(b, "\xe2\x80\x93"); /* – */
    else if (seconds < 0.01)
        buf_printf(b, "%.1f ms", seconds * 1e3);
    else if (seconds < 10)
        buf_printf(b, "%.0f ms", seconds * 1e3);
    else
        buf_printf(b, "%.1f s", seconds);
}

void html_percent(struct buf *b, double p)
{
    if (isnan(p))
        buf_puts(b, "\xe2\x80\x93");
    else if (p >= 99.995 && p < 100)
        buf_puts(b, "99.99%"); /* never round a failure up to 100 */
    else
        buf_printf(b, p == 100 ? "%.0f%%" : "%.2f%%", p);
}

void html_page_head(struct buf *b, const struct html_model *m, const char *title, const char *root)
{
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    if (m->refresh > 0)
        buf_printf(b, "<meta http-equiv=\"refresh\" content=\"%lld\">\n", (long long)(m->refresh / SW_S));
    buf_puts(b, "<title>");
    buf_html(b, title);
    buf_printf(b, "</title>\n<link rel=\"stylesheet\" href=\"%sstyle.css\">\n</head>\n<body>\n", root);
}

void html_page_foot(struct buf *b, const struct html_model *m)
{
    buf_puts(b, "<footer>Made ");
    buf_printf(b, "<time datetime=\"%lld\">", (long long)(m->now / SW_S));
    html_time(b, m->now, 1);
    buf_puts(b, "</time> by sitewatch " SW_PLUGIN_VERSION " at location ");
    buf_html(b, m->location);
    buf_puts(b, ". Uptime counts OK and WARN results as up; UNKNOWN (the monitor could not judge) is left "
                "out.</footer>\n</body>\n</html>\n");
}

/* SPDX-License-Identifier: MIT
 * Inline SVG graphs: response time over a window (average line, min-max
 * band, warnings as orange triangles and failures as red bars, each with a
 * hover title) and where the time goes (phases stacked per bucket).  Axes
 * carry units.  Only the five XML entities are used, so each graph is
 * well-formed XML as well as HTML. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"

#define W  760
#define H  250
#define ML 64
#define MR 16
#define MT 34
#define MB 42

/* A phase's colour by its place in the storage's list (the same place in
 * every graph, so a colour means one phase across the site), cycling past
 * the last. */
static const char *const phase_colour[] = {"#8e24aa", "#1e88e5", "#00897b", "#f9a825",
                                           "#6d4c41", "#d81b60", "#546e7a", "#7cb342"};
#define PHASE_COLOURS ((int)(sizeof phase_colour / sizeof *phase_colour))

struct axis {
    double top, step, scale; /* seconds; scale: seconds to the unit */
    const char *unit;
};

/* A round top and tick step for values up to MAX seconds. */
static struct axis axis_for(double max)
{
    struct axis a = {.scale = 1e3, .unit = "ms"};
    if (!(max > 0))
        max = 0.001;
    if (max >= 2) {
        a.scale = 1;
        a.unit = "s";
    }
    double raw = max * a.scale / 4, p = pow(10, floor(log10(raw))), f = raw / p;
    double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
    a.step = nice * p / a.scale;
    a.top = ceil(max / a.step - 1e-9) * a.step;
    if (a.top <= 0)
        a.top = a.step;
    return a;
}

static double gx(const struct html_graph *g, int64_t t)
{
    return ML + (double)(t - g->from) / (double)(g->to - g->from) * (W - ML - MR);
}

static double gy(const struct axis *a, double v)
{
    return H - MB - v / a->top * (H - MB - MT);
}

/* A path point: CMD (M or L) and X Y. */
static void svg_pt(struct buf *b, const char *cmd, double x, double y)
{
    buf_puts(b, cmd);
    buf_fixed1(b, x);
    buf_puts(b, " ");
    buf_fixed1(b, y);
}

/* Attributes NAME="V" for each pair, V with one decimal. */
static void svg_attr(struct buf *b, const char *name, double v)
{
    buf_puts(b, name);
    buf_puts(b, "=\"");
    buf_fixed1(b, v);
    buf_puts(b, "\"");
}

static void svg_open(struct buf *b, const char *label)
{
    buf_printf(b,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" viewBox=\"0 0 %d %d\" width=\"%d\" "
               "height=\"%d\" role=\"img\" aria-label=\"",
               W, H, W, H);
    buf_html(b, label);
    buf_puts(b, "\" font-family=\"DejaVu Sans,Verdana,sans-serif\" font-size=\"11\"><title>");
    buf_html(b, label);
    buf_puts(b, "</title>\n");
}

/* Axes, grid, tick labels and the axis titles. */
static void svg_axes(struct buf *b, const struct html_graph *g, const struct axis *a, const char *what)
{
    buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#bbb\"/>\n", ML,
               MT, W - ML - MR, H - MB - MT);
    for (double v = 0; v <= a->top + a->step / 2; v += a->step) {
        double y = gy(a, v);
        buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", ML, W - MR, y,
                   y);
        buf_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444\">%g</text>\n", ML - 6,
                   y + 4, round(v * a->scale * 1000) / 1000);
    }
    int64_t tick = g->day_ticks ? SW_DAY : 3 * SW_H;
    for (int64_t t = (g->from + tick - 1) / tick * tick; t < g->to; t += tick) {
        double x = gx(g, t);
        char label[32];
        time_t s = (time_t)(t / SW_S);
        struct tm tm;
        gmtime_r(&s, &tm);
        strftime(label, sizeof label, g->day_ticks ? "%a %d" : "%H:%M", &tm);
        buf_printf(b,
                   "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>"
                   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%s</text>\n",
                   x, x, MT, H - MB, x, H - MB + 15, label);
    }
    buf_printf(b,
               "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#222\">time (UTC)</text>\n"
               "<text transform=\"translate(14 %d) rotate(-90)\" text-anchor=\"middle\" fill=\"#222\">%s "
               "(%s)</text>\n",
               (W + ML - MR) / 2, H - 6, (H - MB + MT) / 2, what, a->unit);
}

static void svg_bucket_title(struct buf *b, const struct html_graph *g, const struct sw_bucket *k,
                             const char *what)
{
    (void)g;
    buf_puts(b, "<title>");
    html_time(b, k->start, 0);
    buf_printf(b, ": %s</title>", what);
}

void html_svg_latency(struct buf *b, const struct html_graph *g, const char *label)
{
    double max = 0;
    for (int i = 0; i < g->n; i++)
        if (isfinite(g->b[i].lat_max) && g->b[i].lat_max > max)
            max = g->b[i].lat_max;
    struct axis a = axis_for(max);
    svg_open(b, label);
    /* The legend, in the top margin. */
    buf_printf(
        b,
        "<g fill=\"#222\"><path d=\"M%d 14h18\" stroke=\"#1565c0\" stroke-width=\"2\"/>"
        "<text x=\"%d\" y=\"18\">average</text>"
        "<rect x=\"%d\" y=\"8\" width=\"18\" height=\"10\" fill=\"#90caf9\" opacity=\"0.5\"/>"
        "<text x=\"%d\" y=\"18\">min\xe2\x80\x93max</text>"
        "<path d=\"M%d 19l6 -11l6 11z\" fill=\"#ef6c00\"/><text x=\"%d\" y=\"18\">warning</text>"
        "<rect x=\"%d\" y=\"7\" width=\"6\" height=\"12\" fill=\"#c62828\"/>"
        "<text x=\"%d\" y=\"18\">failure</text>"
        "<circle cx=\"%d\" cy=\"13\" r=\"4\" fill=\"#757575\"/><text x=\"%d\" y=\"18\">unknown</text></g>\n",
        ML, ML + 22, ML + 90, ML + 112, ML + 200, ML + 216, ML + 290, ML + 300, ML + 370, ML + 378);
    svg_axes(b, g, &a, "latency");
    double bw = (double)g->step / (double)(g->to - g->from) * (W - ML - MR);
    /* Failures first, as a red column behind the line over the whole height. */
    for (int i = 0; i < g->n; i++) {
        const struct sw_bucket *k = &g->b[i];
        if (!k->count[SW_FAIL])
            continue;
        char what[64];
        snprintf(what, sizeof what, "%lld failure%s of %lld results", (long long)k->count[SW_FAIL],
                 k->count[SW_FAIL] == 1 ? "" : "s",
                 (long long)(k->count[0] + k->count[1] + k->count[2] + k->count[3]));
        buf_puts(b, "<rect class=\"fail\"");
        svg_attr(b, " x", gx(g, k->start));
        svg_attr(b, " width", bw < 2 ? 2 : bw);
        buf_printf(b, " y=\"%d\" height=\"%d\" fill=\"#c62828\" opacity=\"0.35\">", MT, H - MB - MT);
        svg_bucket_title(b, g, k, what);
        buf_puts(b, "</rect>\n");
    }
    /* The min-max band and the average line, broken where there is no data. */
    struct buf line = {0}, band = {0}, dots = {0};
    for (int i = 0; i < g->n;) {
        int j = i;
        while (j < g->n && isfinite(g->b[j].lat_avg) &&
               (j == i || g->b[j].start - g->b[j - 1].start <= g->gap))
            j++;
        if (j == i) {
            i++;
            continue;
        }
        for (int k = i; k < j; k++) {
            double x = gx(g, g->b[k].start + g->b[k].span / 2);
            svg_pt(&line, k == i ? "M" : "L", x, gy(&a, g->b[k].lat_avg));
            svg_pt(&band, k == i ? "M" : "L", x, gy(&a, g->b[k].lat_max));
        }
        if (j == i + 1) /* a lone bucket: a dot, as a line needs two */
            buf_printf(&dots, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#1565c0\"/>",
                       gx(g, g->b[i].start + g->b[i].span / 2), gy(&a, g->b[i].lat_avg));
        for (int k = j - 1; k >= i; k--)
            svg_pt(&band, "L", gx(g, g->b[k].start + g->b[k].span / 2), gy(&a, g->b[k].lat_min));
        buf_puts(&band, "Z");
        i = j;
    }
    if (line.len) {
        buf_printf(b, "<path class=\"band\" d=\"%s\" fill=\"#90caf9\" opacity=\"0.5\"/>\n", band.s);
        buf_printf(b,
                   "<path class=\"avg\" d=\"%s\" fill=\"none\" stroke=\"#1565c0\" stroke-width=\"1.5\" "
                   "stroke-linejoin=\"round\"/>\n",
                   line.s);
        if (dots.len)
            buf_put(b, dots.s, dots.len);
    } else {
        buf_printf(b,
                   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#777\">no answered checks in this "
                   "window</text>\n",
                   (W + ML - MR) / 2, (H - MB + MT) / 2);
    }
    b->failed |= line.failed | band.failed | dots.failed;
    buf_free(&dots);
    buf_free(&line);
    buf_free(&band);
    /* Warnings and unknowns as marks just inside the top edge. */
    for (int i = 0; i < g->n; i++) {
        const struct sw_bucket *k = &g->b[i];
        double x = gx(g, k->start + k->span / 2);
        char what[64];
        if (k->count[SW_WARN]) {
            snprintf(what, sizeof what, "%lld warning%s", (long long)k->count[SW_WARN],
                     k->count[SW_WARN] == 1 ? "" : "s");
            buf_puts(b, "<path class=\"warn\" d=\"");
            svg_pt(b, "M", x - 5, MT + 11);
            buf_puts(b, "l5 -9l5 9z\" fill=\"#ef6c00\">");
            svg_bucket_title(b, g, k, what);
            buf_puts(b, "</path>\n");
        }
        if (k->count[SW_UNKNOWN]) {
            snprintf(what, sizeof what, "%lld unknown", (long long)k->count[SW_UNKNOWN]);
            buf_printf(b, "<circle class=\"unknown\" cx=\"%.1f\" cy=\"%d\" r=\"3.5\" fill=\"#757575\">", x,
                       MT + 18);
            svg_bucket_title(b, g, k, what);
            buf_puts(b, "</circle>\n");
        }
    }
    buf_puts(b, "</svg>\n");
}

/* The word for phase NAME in a legend: its declared label, or the name. */
static const char *phase_label(const char *name)
{
    const struct sw_metric_decl *const *m;
    int n = SW_API_HAS(sw_api, metrics_declared) ? sw_api->metrics_declared(&m) : 0;
    for (int i = 0; i < n; i++)
        if (strcmp(m[i]->name, name) == 0)
            return m[i]->label;
    return name;
}

void html_svg_phases(struct buf *b, const struct html_graph *g, const char *label)
{
    int nph = g->n ? g->b[0].nphases : 0;
    /* Each phase's legend word, or NULL for one with no time in any bucket
     * (another check's phase): it stays out of the legend. */
    const char **labels = calloc((size_t)nph + 1, sizeof *labels);
    if (!labels) {
        b->failed = 1;
        return;
    }
    double max = 0;
    for (int i = 0; i < g->n; i++) {
        double sum = 0;
        for (int p = 0; p < nph && p < g->b[i].nphases; p++) {
            double v = g->b[i].phase_means[p];
            sum += isfinite(v) ? v : 0;
            if (v > 0 && !labels[p])
                labels[p] = phase_label(g->b[0].phase_names[p]);
        }
        max = sum > max ? sum : max;
    }
    struct axis a = axis_for(max);
    svg_open(b, label);
    buf_puts(b, "<g fill=\"#222\">");
    for (int p = 0, x = ML; p < nph; p++) {
        if (!labels[p])
            continue;
        buf_printf(b,
                   "<rect x=\"%d\" y=\"8\" width=\"12\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"18\">",
                   x, phase_colour[p % PHASE_COLOURS], x + 16);
        buf_html(b, labels[p]);
        buf_puts(b, "</text>");
        x += 100;
    }
    buf_puts(b, "</g>\n");
    svg_axes(b, g, &a, "mean time");
    double bw = (double)g->step / (double)(g->to - g->from) * (W - ML - MR);
    for (int i = 0; i < g->n; i++) {
        const struct sw_bucket *k = &g->b[i];
        double x = gx(g, k->start) + bw * 0.1, base = 0;
        for (int p = 0; p < nph && p < k->nphases; p++) {
            double v = isfinite(k->phase_means[p]) ? k->phase_means[p] : 0;
            if (v <= 0)
                continue;
            double y0 = gy(&a, base), y1 = gy(&a, base + v);
            buf_puts(b, "<rect");
            svg_attr(b, " x", x);
            svg_attr(b, " y", y1);
            svg_attr(b, " width", bw * 0.8);
            svg_attr(b, " height", y0 - y1);
            buf_puts(b, " fill=\"");
            buf_puts(b, phase_colour[p % PHASE_COLOURS]);
            buf_puts(b, "\"><title>");
            html_time(b, k->start, 0);
            buf_puts(b, ": ");
            buf_html(b, labels[p]);
            buf_puts(b, " ");
            html_ms(b, v);
            buf_puts(b, "</title></rect>");
            base += v;
        }
        buf_puts(b, "\n");
    }
    buf_puts(b, "</svg>\n");
    free(labels);
}

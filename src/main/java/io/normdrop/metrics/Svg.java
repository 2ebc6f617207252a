package io.normdrop.metrics;

import java.util.List;
import java.util.Locale;

/**
 * Inline SVG charts for the HTML reports: drawn here, so a report is one self-contained file
 * that any browser shows offline (no script, no CDN). Every chart is an {@code <svg>} with
 * {@code class="chart"} and a {@code data-chart} name.
 */
final class Svg {
    /** Series colors, in order (matplotlib's tab10, which reads well and prints well). */
    static final String[] PALETTE = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"};

    /** Right edge of the plot area; the legend, sized to its longest entry, is to its right. */
    private static final int PLOT_RIGHT = 410;
    private static final int HEIGHT = 300;
    private static final int LEFT = 64;
    private static final int LEGEND = 150;
    private static final int TOP = 34;
    private static final int BOTTOM = 44;
    private static final int MARKED_POINTS = 100;

    private Svg() {
    }

    /** A line of a line chart. */
    record Series(String name, String color, double[] x, double[] y) {
    }

    /** A segment of stacked bars: one value per bar. */
    record Stack(String name, String color, double[] values) {
    }

    static String lineChart(String id, String title, String xLabel, String yLabel, List<Series> series) {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (Double.isFinite(s.y[i])) {
                    xMin = Math.min(xMin, s.x[i]);
                    xMax = Math.max(xMax, s.x[i]);
                    yMin = Math.min(yMin, s.y[i]);
                    yMax = Math.max(yMax, s.y[i]);
                }
            }
        }
        if (!Double.isFinite(xMin)) {
            xMin = 0;
            xMax = 1;
            yMin = 0;
            yMax = 1;
        }
        if (xMax == xMin) {
            xMin -= 0.5;
            xMax += 0.5;
        }
        double pad = (yMax - yMin) * 0.08 + 1e-9;
        ChartScale xs = new ChartScale(xMin, xMax, LEFT, PLOT_RIGHT);
        ChartScale ys = ChartScale.nice(yMin - pad, yMax + pad, HEIGHT - BOTTOM, TOP);
        int longest = series.stream().mapToInt(s -> s.name.length()).max().orElse(0);
        StringBuilder sb = open(id, title, PLOT_RIGHT + Math.max(LEGEND, 40 + 6 * longest));
        axes(sb, xs, ys, xLabel, yLabel, true);
        int row = 0;
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.x.length; i++) {
                if (Double.isFinite(s.y[i])) {
                    points.append(f(xs.map(s.x[i]))).append(',').append(f(ys.map(s.y[i]))).append(' ');
                }
            }
            sb.append("<polyline fill=\"none\" stroke=\"").append(s.color).append("\" stroke-width=\"2.5\" points=\"")
                    .append(points.toString().trim()).append("\"/>\n");
            // Markers (with their values on hover) only where they stay apart, as for epochs; not for every round of a run.
            for (int i = 0; i < s.x.length && s.x.length <= MARKED_POINTS; i++) {
                if (Double.isFinite(s.y[i])) {
                    sb.append("<circle r=\"4\" fill=\"").append(s.color).append("\" cx=\"").append(f(xs.map(s.x[i])))
                            .append("\" cy=\"").append(f(ys.map(s.y[i]))).append("\"><title>")
                            .append(esc(s.name)).append(": ").append(num(s.y[i])).append("</title></circle>\n");
                }
            }
            legend(sb, row++, s.name, s.color);
        }
        return sb.append("</svg>\n").toString();
    }

    static String stackedBars(String id, String title, String xLabel, String yLabel, String[] categories,
                              List<Stack> stacks) {
        return stackedBars(id, title, xLabel, yLabel, categories, stacks, 0);
    }

    /** Stacked bars; {@code top} > 0 fixes the top of the value axis (e.g. 1 for fractions). */
    static String stackedBars(String id, String title, String xLabel, String yLabel, String[] categories,
                              List<Stack> stacks, double top) {
        int n = categories.length;
        double max = 0;
        for (int i = 0; i < n; i++) {
            double total = 0;
            for (Stack s : stacks) {
                total += Math.max(0, s.values[i]);
            }
            max = Math.max(max, total);
        }
        ChartScale ys = ChartScale.nice(0, top > 0 ? top : max > 0 ? max * 1.05 : 1, HEIGHT - BOTTOM, TOP);
        int longest = stacks.stream().mapToInt(s -> s.name.length()).max().orElse(0);
        StringBuilder sb = open(id, title, PLOT_RIGHT + (stacks.size() > 1 ? Math.max(LEGEND, 40 + 6 * longest) : 20));
        double band = (PLOT_RIGHT - LEFT) / (double) Math.max(1, n);
        axes(sb, null, ys, xLabel, yLabel, false);
        for (int i = 0; i < n; i++) {
            double x = LEFT + i * band + band * 0.15;
            double base = 0;
            for (Stack s : stacks) {
                double v = Math.max(0, s.values[i]);
                if (v > 0) {
                    double y0 = ys.map(base);
                    double y1 = ys.map(base + v);
                    sb.append("<rect fill=\"").append(s.color).append("\" x=\"").append(f(x)).append("\" y=\"")
                            .append(f(y1)).append("\" width=\"").append(f(band * 0.7)).append("\" height=\"")
                            .append(f(y0 - y1)).append("\"><title>").append(esc(categories[i])).append(' ')
                            .append(esc(s.name)).append(": ").append(num(v)).append("</title></rect>\n");
                }
                base += v;
            }
            if (n <= 30 || i % (n / 15 + 1) == 0) {
                text(sb, x + band * 0.35, HEIGHT - BOTTOM + 16, "middle", categories[i], 11);
            }
        }
        int row = 0;
        for (Stack s : stacks) {
            if (stacks.size() > 1) {
                legend(sb, row++, s.name, s.color);
            }
        }
        return sb.append("</svg>\n").toString();
    }

    static String bars(String id, String title, String yLabel, String[] labels, double[] values, String color) {
        return stackedBars(id, title, "", yLabel, labels, List.of(new Stack(yLabel, color, values)));
    }

    /** Bars of fractions, on an axis from 0 to 1. */
    static String fractionBars(String id, String title, String yLabel, String[] labels, double[] values, String color) {
        return stackedBars(id, title, "", yLabel, labels, List.of(new Stack(yLabel, color, values)), 1);
    }

    /** Counts[row][col] as a grid of cells shaded by their share of the row. */
    static String heatmap(String id, String title, String rowLabel, String colLabel, String[] labels, long[][] counts) {
        int n = labels.length;
        int cell = Math.max(22, Math.min(44, 440 / Math.max(1, n)));
        int left = 120;
        int top = 60;
        int w = left + n * cell + 20;
        int h = top + n * cell + 40;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"chart\" data-chart=\"").append(id).append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(w).append("\" height=\"").append(h).append("\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" font-family=\"sans-serif\">\n");
        text(sb, 8, 20, "start", title, 14);
        text(sb, left + n * cell / 2.0, top - 28, "middle", colLabel, 12);
        for (int r = 0; r < n; r++) {
            long rowTotal = 0;
            for (long c : counts[r]) {
                rowTotal += c;
            }
            text(sb, left - 6, top + r * cell + cell * 0.65, "end", labels[r], 11);
            for (int c = 0; c < n; c++) {
                double share = rowTotal == 0 ? 0 : counts[r][c] / (double) rowTotal;
                String fill = blend(share);
                sb.append("<rect x=\"").append(left + c * cell).append("\" y=\"").append(top + r * cell)
                        .append("\" width=\"").append(cell).append("\" height=\"").append(cell).append("\" fill=\"")
                        .append(fill).append("\" stroke=\"#ffffff\"><title>").append(esc(labels[r])).append(" as ")
                        .append(esc(labels[c])).append(": ").append(counts[r][c]).append("</title></rect>\n");
                if (cell >= 26) {
                    sb.append("<text x=\"").append(f(left + c * cell + cell / 2.0)).append("\" y=\"")
                            .append(f(top + r * cell + cell * 0.62)).append("\" text-anchor=\"middle\" font-size=\"10\" fill=\"")
                            .append(share > 0.5 ? "#ffffff" : "#222222").append("\">").append(counts[r][c]).append("</text>\n");
                }
            }
        }
        for (int c = 0; c < n; c++) {
            text(sb, left + c * cell + cell / 2.0, top - 8, "middle", String.valueOf(c), 11);
        }
        text(sb, 8, top + n * cell + 28, "start", rowLabel + " (rows; shade = share of the row)", 12);
        return sb.append("</svg>\n").toString();
    }

    /** A histogram from bin edges and counts. */
    static String histogram(String id, String title, String xLabel, double[] edges, long[] counts, String color) {
        String[] labels = new String[counts.length];
        double[] values = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            labels[i] = i % 4 == 0 ? num(edges[i]) : "";
            values[i] = counts[i];
        }
        return stackedBars(id, title, xLabel, "units", labels, List.of(new Stack("units", color, values)));
    }

    // ---- drawing helpers -------------------------------------------------------------------

    private static StringBuilder open(String id, String title, int width) {
        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"chart\" data-chart=\"").append(id).append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(width).append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(HEIGHT).append("\" font-family=\"sans-serif\">\n");
        sb.append("<rect x=\"0\" y=\"0\" width=\"").append(width).append("\" height=\"").append(HEIGHT)
                .append("\" fill=\"#ffffff\"/>\n");
        text(sb, 8, 20, "start", title, 14);
        return sb;
    }

    private static void axes(StringBuilder sb, ChartScale xs, ChartScale ys, String xLabel, String yLabel, boolean xTicks) {
        for (double t : ys.ticks()) {
            double y = ys.map(t);
            sb.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(PLOT_RIGHT).append("\" y1=\"").append(f(y))
                    .append("\" y2=\"").append(f(y)).append("\" stroke=\"#e4e4e4\"/>\n");
            text(sb, LEFT - 6, y + 4, "end", num(t), 11);
        }
        if (xTicks && xs != null) {
            for (double t : xs.integerTicks()) {
                text(sb, xs.map(t), HEIGHT - BOTTOM + 16, "middle", num(t), 11);
            }
        }
        sb.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(PLOT_RIGHT).append("\" y1=\"")
                .append(HEIGHT - BOTTOM).append("\" y2=\"").append(HEIGHT - BOTTOM).append("\" stroke=\"#444444\"/>\n");
        sb.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(LEFT).append("\" y1=\"").append(TOP)
                .append("\" y2=\"").append(HEIGHT - BOTTOM).append("\" stroke=\"#444444\"/>\n");
        text(sb, (LEFT + PLOT_RIGHT) / 2.0, HEIGHT - 8, "middle", xLabel, 12);
        sb.append("<text x=\"14\" y=\"").append(f((TOP + HEIGHT - BOTTOM) / 2.0))
                .append("\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 ")
                .append(f((TOP + HEIGHT - BOTTOM) / 2.0)).append(")\">").append(esc(yLabel)).append("</text>\n");
    }

    private static void legend(StringBuilder sb, int row, String name, String color) {
        double y = TOP + 8 + row * 18;
        sb.append("<rect x=\"").append(PLOT_RIGHT + 12).append("\" y=\"").append(f(y - 9)).append("\" width=\"12\" height=\"12\" fill=\"")
                .append(color).append("\"/>\n");
        text(sb, PLOT_RIGHT + 30, y + 1, "start", name, 11);
    }

    private static void text(StringBuilder sb, double x, double y, String anchor, String s, int size) {
        sb.append("<text x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" font-size=\"").append(size)
                .append("\" text-anchor=\"").append(anchor).append("\">").append(esc(s)).append("</text>\n");
    }

    /** White to a dark blue, by a share in [0, 1]. */
    private static String blend(double share) {
        double t = Math.sqrt(Math.max(0, Math.min(1, share)));
        int r = (int) Math.round(247 + (8 - 247) * t);
        int g = (int) Math.round(251 + (48 - 251) * t);
        int b = (int) Math.round(255 + (107 - 255) * t);
        return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.valueOf((long) v);
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3g", v);
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}

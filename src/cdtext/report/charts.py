"""Small, dependency-free SVG charts for the HTML report (no JavaScript).

Every label is escaped here; callers pass plain strings and numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182")
FONT = "font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif"


def _num(x: float) -> str:
    return f"{x:.1f}"


def _ok(x: float) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def function_profiles(
    units: Sequence[str],
    functions: Sequence[str],
    shares: Sequence[Sequence[float]],
    lows: Sequence[Sequence[float]],
    highs: Sequence[Sequence[float]],
) -> Markup:
    """Grouped horizontal bars: each unit's share of each function, with 95 % whiskers (legend: :func:`legend`)."""
    bar_h, gap, label_w, width = 11, 10, 170, 720
    plot_w = width - label_w - 60
    group_h = len(functions) * bar_h + gap
    height = 10 + len(units) * group_h + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Function profiles with 95% intervals" style="{FONT};font-size:11px">'
    ]
    for t in range(0, 101, 20):
        x = label_w + plot_w * t / 100
        parts.append(f'<line x1="{_num(x)}" y1="4" x2="{_num(x)}" y2="{height - 25}" stroke="#ddd"/>')
        parts.append(f'<text x="{_num(x)}" y="{height - 10}" text-anchor="middle" fill="#555">{t}%</text>')
    for u, unit in enumerate(units):
        top = 8 + u * group_h
        parts.append(
            f'<text x="{label_w - 8}" y="{top + group_h / 2}" text-anchor="end" '
            f'font-weight="600">{escape(str(unit))}</text>'
        )
        for i in range(len(functions)):
            y = top + i * bar_h
            s = shares[u][i] if _ok(shares[u][i]) else 0.0
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{_num(plot_w * s)}" height="{bar_h - 2}" '
                f'fill="{PALETTE[i % 5]}"><title>{escape(functions[i])}: {s:.0%}</title></rect>'
            )
            lo, hi = lows[u][i], highs[u][i]
            if _ok(lo) and _ok(hi):
                cy = y + (bar_h - 2) / 2
                parts.append(
                    f'<line x1="{_num(label_w + plot_w * lo)}" y1="{_num(cy)}" '
                    f'x2="{_num(label_w + plot_w * hi)}" y2="{_num(cy)}" stroke="#222" stroke-width="1.2"/>'
                )
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(names: Sequence[str]) -> Markup:
    """The function colours as an HTML list, which wraps on narrow screens instead of being cut."""
    items = "".join(
        f'<li><span class="swatch" style="background:{PALETTE[i % len(PALETTE)]}"></span>{escape(n)}</li>'
        for i, n in enumerate(names)
    )
    return Markup(f'<ul class="legend">{items}</ul>')


def theta_plot(
    units: Sequence[str], theta: Sequence[float], lo: Sequence[float], hi: Sequence[float], verdicts: Sequence[str]
) -> Markup:
    """Dot-and-whisker of θ (log-odds of anchoring) per unit, with the boundary at 0."""
    row_h, label_w, width = 24, 170, 720
    height = 40 + len(units) * row_h + 30
    values = [v for v in (*theta, *lo, *hi) if _ok(v)] or [0.0]
    span = max(3.0, max(abs(v) for v in values) * 1.1)
    plot_w = width - label_w - 30

    def x(v: float) -> float:
        return label_w + plot_w * (v + span) / (2 * span)

    colours = {"policy-driven": "#00798c", "function-driven": "#d1495b", "indeterminate": "#888"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Policy anchoring theta per unit" style="{FONT};font-size:11px">',
        f'<line x1="{_num(x(0))}" y1="20" x2="{_num(x(0))}" y2="{height - 25}" stroke="#999" stroke-dasharray="4 3"/>',
        f'<text x="{_num(x(-span / 2))}" y="14" text-anchor="middle" fill="#d1495b">← more unanchored '
        f"(function-driven)</text>",
        f'<text x="{_num(x(span / 2))}" y="14" text-anchor="middle" fill="#00798c">more anchored '
        f"(policy-driven) →</text>",
    ]
    for tick in range(-int(span), int(span) + 1):
        parts.append(f'<text x="{_num(x(tick))}" y="{height - 10}" text-anchor="middle" fill="#555">{tick}</text>')
    for i, unit in enumerate(units):
        y = 36 + i * row_h
        c = colours.get(verdicts[i], "#888")
        parts.append(f'<text x="{label_w - 8}" y="{y + 4}" text-anchor="end">{escape(str(unit))}</text>')
        if _ok(lo[i]) and _ok(hi[i]):
            parts.append(
                f'<line x1="{_num(x(lo[i]))}" y1="{y}" x2="{_num(x(hi[i]))}" y2="{y}" stroke="{c}" stroke-width="2"/>'
            )
        if _ok(theta[i]):
            parts.append(
                f'<circle cx="{_num(x(theta[i]))}" cy="{y}" r="5" fill="{c}"><title>θ = {theta[i]:.2f}'
                f" ({escape(verdicts[i])})</title></circle>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def heatmap(rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[float]]) -> Markup:
    """Function × policy-area table of anchored mass, shaded by share of the total."""
    cell_w, cell_h, label_w, head_h = 58, 26, 180, 130
    width = label_w + cell_w * len(cols) + 110
    height = head_h + cell_h * len(rows) + 10
    total = sum(sum(r) for r in values) or 1.0
    peak = max((v for r in values for v in r), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Function by policy area heat map" style="{FONT};font-size:11px">'
    ]
    for j, c in enumerate(cols):
        cx = label_w + j * cell_w + cell_w / 2
        parts.append(f'<text transform="translate({_num(cx)},{head_h - 6}) rotate(-40)">{escape(c)}</text>')
    for i, r in enumerate(rows):
        y = head_h + i * cell_h
        parts.append(f'<text x="{label_w - 8}" y="{y + cell_h / 2 + 4}" text-anchor="end">{escape(r)}</text>')
        for j in range(len(cols)):
            v = values[i][j]
            alpha = 0.06 + 0.94 * (v / peak)
            share = v / total
            parts.append(
                f'<rect x="{label_w + j * cell_w}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="rgba(27,108,168,{alpha:.2f})"><title>{escape(r)} × {escape(cols[j])}: '
                f"{share:.1%}</title></rect>"
            )
            text_fill = "#fff" if alpha > 0.55 else "#222"
            parts.append(
                f'<text x="{_num(label_w + j * cell_w + cell_w / 2 - 1)}" y="{y + cell_h / 2 + 4}" '
                f'text-anchor="middle" fill="{text_fill}">{share:.0%}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_panels(series: dict[str, list[tuple[int, float, float, float]]]) -> Markup:
    """θ by year, one small panel per unit (same scales), for units with at least two years.

    ``series[unit] = [(year, θ, lo, hi), ...]``. Small multiples stay readable with many units, where
    one chart with a line per unit does not.
    """
    series = {u: sorted(p for p in pts if _ok(p[1])) for u, pts in series.items()}
    series = {u: pts for u, pts in series.items() if len({y for y, *_ in pts}) >= 2}
    if not series:
        return Markup("")
    years = sorted({y for pts in series.values() for y, *_ in pts})
    vals = [v for pts in series.values() for _, *vs in pts for v in vs if _ok(v)] or [0.0]
    span = max(3.0, max(abs(v) for v in vals) * 1.1)
    y0, y1 = years[0], years[-1]
    width, height, left, right, top, bottom = 240, 150, 30, 12, 10, 24

    def px(year: int) -> float:
        return left + (width - left - right) * (year - y0) / (y1 - y0)

    def py(v: float) -> float:
        return top + (height - top - bottom) * (span - v) / (2 * span)

    panels = []
    for unit, pts in sorted(series.items()):
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="Theta by year, {escape(unit)}" style="{FONT};font-size:10px">',
            f'<line x1="{left}" y1="{_num(py(0))}" x2="{width - right}" y2="{_num(py(0))}" stroke="#999" '
            f'stroke-dasharray="4 3"/>',
        ]
        for tick in (-int(span), 0, int(span)):
            parts.append(f'<text x="{left - 5}" y="{_num(py(tick) + 3)}" text-anchor="end" fill="#555">{tick}</text>')
        for yr in sorted({y0, y1}):
            anchor = "start" if yr == y0 else "end"
            parts.append(f'<text x="{_num(px(yr))}" y="{height - 6}" text-anchor="{anchor}" fill="#555">{yr}</text>')
        for y, _t, lo, hi in pts:
            if _ok(lo) and _ok(hi):
                parts.append(
                    f'<line x1="{_num(px(y))}" y1="{_num(py(lo))}" x2="{_num(px(y))}" y2="{_num(py(hi))}" '
                    f'stroke="#1b6ca8" stroke-opacity="0.45" stroke-width="3"/>'
                )
        path = " ".join(f"{_num(px(y))},{_num(py(t))}" for y, t, _, _ in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1b6ca8" stroke-width="2"/>')
        for y, t, lo, hi in pts:
            parts.append(
                f'<circle cx="{_num(px(y))}" cy="{_num(py(t))}" r="3" fill="#1b6ca8"><title>{escape(unit)} {y}: '
                f"θ = {t:.2f} [{lo:.2f}, {hi:.2f}]</title></circle>"
            )
        parts.append("</svg>")
        panels.append(f'<figure class="panel"><figcaption>{escape(unit)}</figcaption>{"".join(parts)}</figure>')
    return Markup(f'<div class="panels">{"".join(panels)}</div>')

"""Server-rendered progress charts: inline SVG built here, no JavaScript, no build step.

The Content-Security-Policy forbids ``style`` attributes, so every colour and line is an SVG presentation
attribute (``fill``, ``stroke``). Each line also has its own marker shape and a label at its end, so the
chart does not depend on colour alone; pages put the same numbers in a table next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 150, 16, 40
#: Colour-blind-safe (Okabe–Ito) colours, dark enough against white.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
MARKERS = ["circle", "square", "diamond", "triangle"]


@dataclass
class Series:
    label: str
    points: list[tuple[date, float]]  # (taken on, percent 0..100)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "diamond":
        return (f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}" '
                f'fill="{colour}"/>')
    if shape == "triangle":
        return (f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}" '
                f'fill="{colour}"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def progress_chart(series: Sequence[Series], *, title: str, chart_id: str = "progress-chart") -> SafeString:
    """Scores over time (percent of the maximum) for one or more students, as an accessible inline SVG."""
    series = [s for s in series if s.points]
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    if not series:
        return mark_safe(f'<p class="help" id="{escape(chart_id)}">{escape(_("No scores yet."))}</p>')
    days = sorted({d for s in series for d, _p in s.points})
    first, last = days[0], days[-1]
    span = max((last - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(d: date) -> float:
        return LEFT + (plot_w * (d - first).days / span if len(days) > 1 else plot_w / 2)

    def y_of(p: float) -> float:
        return TOP + plot_h * (1 - max(0.0, min(100.0, p)) / 100)

    desc = "; ".join(
        f"{s.label}: " + ", ".join(f"{date_format(d, 'SHORT_DATE_FORMAT')} {p:.0f} %" for d, p in s.points)
        for s in series)
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for tick in range(0, 101, 20):
        y = y_of(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#d0d7de" '
                     f'stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#333333">'
                     f'{tick}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
                 f'stroke="#555555" stroke-width="1"/>')
    step = max(1, len(days) // 6 + (1 if len(days) % 6 else 0)) if len(days) > 6 else 1
    shown = days[::step] if days[-1] in days[::step] else days[::step] + [days[-1]]
    for d in shown:
        x = x_of(d)
        parts.append(f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 4}" stroke="#555555"/>')
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" font-size="11" '
                     f'fill="#333333">{escape(date_format(d, "SHORT_DATE_FORMAT"))}</text>')
    parts.append(f'<text x="12" y="{TOP + plot_h / 2:.1f}" font-size="11" fill="#333333" text-anchor="middle" '
                 f'transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">{escape(_("score (%)"))}</text>')
    for i, s in enumerate(series):
        colour, shape = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
        coords = [(x_of(d), y_of(p)) for d, p in s.points]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for (x, y), (_d, p) in zip(coords, s.points, strict=True):
            parts.append(_marker(shape, x, y, colour))
            if len(series) == 1:
                parts.append(f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle" font-size="11" '
                             f'fill="#1f2328">{p:.0f}</text>')
        lx, ly = coords[-1]
        parts.append(f'<text x="{LEFT + plot_w + 8}" y="{ly + 4 + 13 * _nudge(i, series, y_of):.1f}" font-size="12" '
                     f'fill="{colour}">{escape(s.label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _nudge(i: int, series: Sequence[Series], y_of) -> int:
    """Spread end labels that would print on top of each other (same last height) one line apart."""
    mine = round(y_of(series[i].points[-1][1]) / 12)
    return sum(1 for j in range(i) if round(y_of(series[j].points[-1][1]) / 12) == mine)


def series_for(enrolments: Sequence, label_attr: str = "person") -> list[Series]:
    """One series per enrolment with ``assessment_list`` (see selectors), labelled with the student's name."""
    out = []
    for e in enrolments:
        points = [(a.taken_on, a.percent) for a in getattr(e, "assessment_list", [])]
        label = e.person.full_name if label_attr == "person" else e.course.code
        out.append(Series(label, points))
    return out

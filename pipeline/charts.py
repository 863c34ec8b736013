"""Charts of the rapport d'exécution, drawn with matplotlib into PNG pictures (render.Image).

The only module that imports matplotlib: `make pst` never pays for it. Charts are drawn on a Figure of their own
(no pyplot, no global state: several documents may be drawn side by side), in the Okabe-Ito colours, which
colour-blind readers tell apart, each with its own hatching so that they stay distinct printed in black and white.
Numbers are written the French way (« 42,5 % »). Each chart comes with its alternative text, built by the caller.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no screen: before anything else of matplotlib is imported

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from . import contract as c  # noqa: E402
from . import french  # noqa: E402
from .evaluation import NO_HEALTH, NO_STATUS  # noqa: E402
from .render import Image  # noqa: E402

WIDTH_CM = 16.0
DPI = 200
EDGE = "#333333"
STYLES: dict[str, tuple[str, str]] = {
    # Okabe-Ito colour, hatching
    c.STATUS_DONE: ("#009E73", ""),
    c.STATUS_IN_PROGRESS: ("#56B4E9", "//"),
    c.STATUS_NOT_STARTED: ("#F0E442", ".."),
    c.STATUS_POSTPONED: ("#E69F00", "xx"),
    c.STATUS_ABANDONED: ("#999999", "--"),
    NO_STATUS: ("#FFFFFF", "\\\\"),
    c.HEALTH_GOOD: ("#009E73", ""),
    c.HEALTH_RISK: ("#E69F00", "//"),
    c.HEALTH_BLOCKED: ("#D55E00", "xx"),
    NO_HEALTH: ("#FFFFFF", ".."),
    "before": ("#FFFFFF", "//"),
    "now": ("#0072B2", ""),
    "mean": ("#0072B2", ""),
}
TEXT_ON = {"#009E73": "white", "#0072B2": "white", "#D55E00": "white"}
"""Colours dark enough for a white number inside the bar."""


def figure(rows: int) -> Figure:
    height_in = 1.3 + 0.32 * max(rows, 2)
    fig = Figure(figsize=(WIDTH_CM / 2.54, height_in), dpi=DPI, layout="constrained")
    fig.patch.set_facecolor("white")
    return fig


def png(fig: Figure, alt: str) -> Image:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return Image(buffer.getvalue(), WIDTH_CM, alt)


def style_axes(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.set_axisbelow(True)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)


def percent_axis(ax) -> None:
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{french.decimal(value, 0)}\u00a0%"))


def stacked(labels: list[str], series: dict[str, list[int]], alt: str, title: str, axis_label: str) -> Image:
    """Horizontal stacked bars: one bar per label, one segment per series (statuses per objective)."""
    fig = figure(len(labels))
    ax = fig.add_subplot()
    left = [0] * len(labels)
    positions = range(len(labels))
    for name, values in series.items():
        if not any(values):
            continue
        colour, hatch = STYLES.get(name, ("#CCCCCC", ""))
        bars = ax.barh(positions, values, left=left, color=colour, hatch=hatch, edgecolor=EDGE, linewidth=0.6,
                       label=name, height=0.62)
        for bar, value in zip(bars, values):
            if value:
                # On a hatched segment, the number sits on a white patch, readable in black and white.
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2, str(value),
                        ha="center", va="center", fontsize=6.5, color="black" if hatch else TEXT_ON.get(colour, "black"),
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8} if hatch else None)
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(axis_label, fontsize=8)
    ax.set_title(title, fontsize=10, loc="left")
    style_axes(ax)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.10 - 0.35 / max(len(labels), 2)), ncol=6,
                  fontsize=7.5, frameon=False, handlelength=2.2, handleheight=1.2)
    return png(fig, alt)


def bars(labels: list[str], values: list[float], alt: str, title: str, axis_label: str, percent: bool = True,
         styles: list[str] | None = None) -> Image:
    """Horizontal bars with their value written beside them (mean progress per objective, counts per santé)."""
    fig = figure(len(labels))
    ax = fig.add_subplot()
    positions = list(range(len(labels)))
    for position, value, name in zip(positions, values, styles or ["mean"] * len(labels)):
        colour, hatch = STYLES.get(name, STYLES["mean"])
        ax.barh(position, value, color=colour, hatch=hatch, edgecolor=EDGE, linewidth=0.6, height=0.62)
        text = french.percent(value) if percent else french.whole(int(value))
        ax.text(value, position, "\u2002" + text, va="center", ha="left", fontsize=7.5)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    if percent:
        percent_axis(ax)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0, max([*values, 1]) * 1.15)
    ax.set_xlabel(axis_label, fontsize=8)
    ax.set_title(title, fontsize=10, loc="left")
    style_axes(ax)
    return png(fig, alt)


def compared(labels: list[str], before: list[int], now: list[int], names: tuple[str, str], alt: str, title: str,
             axis_label: str) -> Image:
    """Pairs of horizontal bars: each status at the adopted version and now."""
    fig = figure(len(labels) * 2)
    ax = fig.add_subplot()
    height = 0.38
    for offset, values, key, name in ((-height / 2, before, "before", names[0]), (height / 2, now, "now", names[1])):
        colour, hatch = STYLES[key]
        positions = [i + offset for i in range(len(labels))]
        ax.barh(positions, values, height=height, color=colour, hatch=hatch, edgecolor=EDGE, linewidth=0.6,
                label=name)
        for position, value in zip(positions, values):
            ax.text(value, position, "\u2002" + french.whole(value), va="center", ha="left", fontsize=7)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max([*before, *now, 1]) * 1.15)
    ax.set_xlabel(axis_label, fontsize=8)
    ax.set_title(title, fontsize=10, loc="left")
    style_axes(ax)
    ax.legend(loc="lower right", fontsize=7.5, frameon=False, handlelength=2.2, handleheight=1.2)
    return png(fig, alt)

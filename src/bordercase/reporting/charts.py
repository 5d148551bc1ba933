"""Charts as SVG drawn on the server with matplotlib, so they show without JavaScript.

Every chart has a data table beside it on the page, which is what screen readers and copy-and-paste use; the
chart is for the eye. Colours are GOV.UK's, chosen to be told apart without colour vision (and labelled too).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_BLUE, _RED, _GREY = "#1d70b8", "#d4351c", "#505a5f"


@cache
def _pyplot() -> Any:
    """pyplot, set up once when the first chart is drawn: loading it at import would cost every process a third of a
    second, the command line and the API included, which draw no charts."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server, and the backend must be chosen before pyplot loads
    matplotlib.rcParams.update({"svg.fonttype": "none", "font.family": "sans-serif", "font.size": 10,
                                "svg.hashsalt": "bordercase"})  # a fixed salt: the same figures draw the same bytes
    from matplotlib import pyplot

    return pyplot


def _svg(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(figure)
    return out.getvalue()


def bars_by_category(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> bytes:
    """Horizontal bars, one group per category and one bar per series (say declined and invited)."""
    figure, axes = _pyplot().subplots(figsize=(8, 0.5 + 0.55 * max(len(labels), 1) * max(len(series), 1) / 1.5))
    height = 0.8 / max(len(series), 1)
    colours = (_RED, _BLUE, _GREY)
    for index, (name, values) in enumerate(series):
        positions = [i + index * height for i in range(len(labels))]
        bars = axes.barh(positions, values, height=height, label=name, color=colours[index % len(colours)])
        axes.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3, fontsize=9)
    axes.set_yticks([i + height * (len(series) - 1) / 2 for i in range(len(labels))], labels=labels)
    axes.invert_yaxis()
    axes.set_title(title, loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="lower right", frameon=False)
    return _svg(figure)


def lodgements_over_time(title: str, weeks: Sequence[tuple[dt.date, int]]) -> bytes:
    figure, axes = _pyplot().subplots(figsize=(8, 3))
    axes.bar([w for w, _ in weeks], [n for _, n in weeks], width=5, color=_BLUE, label="Requests lodged")
    axes.set_title(title, loc="left", fontsize=11)
    axes.set_ylabel("Requests lodged a week")
    axes.spines[["top", "right"]].set_visible(False)
    figure.autofmt_xdate()
    return _svg(figure)

"""The chart's visual vocabulary: colours, line styles and the names of the marks.

Kept apart from both the plan and the drawing so that a colour is chosen in one place and read the
same way in every chart. Colours come from the Okabe-Ito palette (safe for the common colour-vision
deficiencies); in one run's panels train is always blue and validation always vermillion, in an
overlay each model keeps its colour in every panel and the split is told by the line style.
"""

from __future__ import annotations

# Okabe & Ito (2008), "Color Universal Design". Yellow is left out: it vanishes on white.
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#000000",
)
SPLIT_COLOURS: dict[str, str] = {"train": BLUE, "val": VERMILLION, "test": GREEN, "": PURPLE}
SPLIT_LABELS: dict[str, str] = {"train": "train", "val": "validation", "test": "test", "": "(no split)"}
#: One colour per model in overlays; past seven, colours repeat with a marker added.
RUN_COLOURS: tuple[str, ...] = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK)
RUN_MARKERS: tuple[str | None, ...] = (None, "o", "s", "^", "D")
#: Learning rates are not a split: black first, so an "lr" line is never mistaken for train.
LR_COLOURS: tuple[str, ...] = (BLACK, SKY, PURPLE, GREEN, ORANGE)
#: In an overlay the colour is the model, so the split is the line style.
SPLIT_STYLES: dict[str, str] = {"val": "-", "train": "--", "test": ":", "": "-"}
BEST_COLOUR = "#333333"
BAD_COLOUR = "#C00000"
OVERFIT_COLOUR = ORANGE
KEY_GREY = "#555555"  # legend keys that stand for a line style, not a model
NOTE_GREY = "#888888"

#: Legend labels of the chart's own marks; in a legend they come after the curves, in this order.
BEST_LABEL = "best checkpoint"
OVERFIT_LABEL = "overfitting"
DIVERGENCE_LABEL = "divergence"
NONFINITE_LABEL = "NaN / inf point"
MARK_LABELS: tuple[str, ...] = (BEST_LABEL, OVERFIT_LABEL, DIVERGENCE_LABEL, NONFINITE_LABEL)


def run_style(i: int) -> tuple[str, str | None]:
    """Colour and marker of the i-th model in an overlay (markers tell apart repeated colours)."""
    return RUN_COLOURS[i % len(RUN_COLOURS)], RUN_MARKERS[(i // len(RUN_COLOURS)) % len(RUN_MARKERS)]

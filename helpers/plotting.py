"""One figure style for the whole book: colour-blind-safe, readable on light and dark
pages.
"""

from __future__ import annotations

import matplotlib as mpl

#: Okabe & Ito's colour-blind-safe palette (black omitted).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")


def use_book_style() -> None:
    """Set matplotlib's rcParams for the book (call once per chapter, in the set-up
    cell).
    """
    mpl.rcParams.update(
        {
            "axes.prop_cycle": mpl.cycler(color=PALETTE),
            # An opaque white figure reads well in the theme's dark mode too (no
            # transparent text on dark).
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "figure.figsize": (7.0, 4.0),
            "figure.dpi": 100,
            "figure.constrained_layout.use": True,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 11,
            "legend.frameon": False,
            "lines.linewidth": 1.8,
        }
    )

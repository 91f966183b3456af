"""p-median Benders bound to SCIP: one branch-and-Benders-cut tree with lazy cuts.

Phases 0-1 are those of :class:`PMedianBenders` (its LP loop on the backend layer's LP partner,
HiGHS when installed). The integer phase hands the master (the cuts binding at the last master
LP plus the incumbent's) to SCIP once, through the backend's lazy-constraint capability
(``Backend.solve_lazy``), with the formulation's separator checking every integral point and
cutting fractional node LPs. Math: models/p-median.md#benders-scip.
"""

from __future__ import annotations

from .benders import PMedianBenders


class PMedianBendersSCIP(PMedianBenders):
    """Benders phases 0-1, then one SCIP tree with the cuts as lazy constraints."""

    kind = "p-median"
    name = "benders-scip"
    summary = ("Benders decomposition with one branch-and-Benders-cut tree: cuts added lazily "
               "through a SCIP constraint handler (needs pyscipopt)")
    doc = "models/p-median.md#benders-scip"
    backend = "scip"  # reported as scip (its LP cut loop runs on HiGHS when that is installed)

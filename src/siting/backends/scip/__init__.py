"""SCIP through PySCIPOpt: plain MILP solves and one-tree lazy-constraint solves.

pyscipopt is imported only when a solve runs (``backend.py``) or a lazy tree is built
(``handler.py``, whose constraint handler subclasses pyscipopt's).
"""

from .backend import ScipBackend

__all__ = ["ScipBackend"]

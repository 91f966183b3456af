"""Exceptions raised by siting.

Every error a user can cause derives from :class:`SitingError`; the CLI turns any of them
into one line on stderr and exit code 2. Solver outcomes (infeasible, time limit) are *not*
exceptions: they are values in :class:`siting.Result`.

    SitingError                   anything the user can fix
    ├── DataError                 an input file or array is malformed (names file/row/column)
    ├── SpecError                 a parameter or scenario key is invalid (names the key)
    ├── InfeasibleSpecError       the request cannot have a solution (proved before solving)
    ├── BackendUnavailableError   the backend is unknown or not installed (with install hint)
    ├── BackendError              the backend failed in a way that is not a model outcome
    ├── VerificationError         a solver answer failed independent re-verification
    └── ResourceError             the model would not fit in memory (says what to change)
"""

from __future__ import annotations


class SitingError(Exception):
    """Base class of every error a user can act on."""


class DataError(SitingError):
    """Input data is malformed: the message names the file, row and column."""


class SpecError(SitingError):
    """A parameter, flag or scenario key is invalid: the message names it."""


class InfeasibleSpecError(SitingError):
    """The request is provably infeasible before any solve (e.g. capacity below demand)."""


class BackendUnavailableError(SitingError):
    """The named backend is unknown or its package is missing."""


class BackendError(SitingError):
    """The backend crashed or returned something unusable."""


class VerificationError(SitingError):
    """An answer failed independent verification: never print a wrong number silently."""


class ResourceError(SitingError):
    """The model would not fit in memory: the message says what to change (cutoff, aggregation,
    heuristic mode) instead of letting the process be killed."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (library errors can run to pages)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

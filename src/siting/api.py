"""The Python entry point: ``solve(instance, problem) -> Result``."""

from __future__ import annotations

import time
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .backends import get_backend
from .errors import SpecError
from .formulations import Context, get_formulation
from .formulations.bounds import complete
from .instance import Instance
from .options import SolveOptions
from .problems import Problem
from .reachability import component_infeasibility, explain_infeasible
from .result import Result, Timings
from .solution import Termination
from .verify import check

_PROBLEM: TypeAdapter[Any] = TypeAdapter(Problem)


def make_problem(problem: Problem | str | dict[str, Any], **params: Any) -> Problem:
    """Build a validated problem spec from a spec, a kind name plus parameters, or a dict."""
    if isinstance(problem, str):
        data = {"kind": problem, **{k: v for k, v in params.items() if v is not None}}
    elif isinstance(problem, dict):
        data = {**problem, **params}
    else:
        if params:
            return problem.model_copy(update=params)
        return problem
    try:
        return _PROBLEM.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"] if p != data.get("kind")) or "problem"
        raise SpecError(f"{where}: {err['msg']}") from None


def solve(
    instance: Instance,
    problem: Problem | str,
    *,
    formulation: str | None = None,
    backend: str | None = None,
    options: SolveOptions | None = None,
    verify: bool = True,
    **params: Any,
) -> Result:
    """Solve ``problem`` on ``instance`` and verify the answer independently.

    ``problem`` is a spec (``PMedian(p=5)``) or a kind name with its parameters
    (``solve(inst, "p-median", p=5)``). Infeasible and time-limited outcomes are returned as
    values; a verification mismatch raises :class:`~siting.errors.VerificationError`.
    """
    if hasattr(instance, "geometry"):  # a GeoDataFrame: say where frames go in
        raise SpecError("siting.solve takes an Instance; for demand and site GeoDataFrames use "
                        "siting.frames.solve_frames(demand, sites, problem, costs=...)")
    t0 = time.perf_counter()
    spec = make_problem(problem, **params)
    options = options or SolveOptions()
    form = get_formulation(spec.kind, formulation)
    if form.backend is not None:
        if backend is not None and backend != form.backend:
            raise SpecError(f"formulation {form.name} runs on the {form.backend} backend; "
                            f"drop --backend {backend} or choose another formulation")
        backend = form.backend
    named = backend is not None
    solver = get_backend(backend)
    ctx = Context(instance=instance, problem=spec, backend=solver, options=options,
                  backend_named=named)
    # formulation-neutral: p below the number of separate demand pieces is infeasible
    why = component_infeasibility(instance, spec)
    outcome = (complete(form, ctx, form.run(ctx)) if why is None  # a stopped run gets a bound
               else _infeasible_before_solving(why))
    outcome = explain_infeasible(outcome, spec, form.name)
    verification = None
    objective = outcome.objective
    if outcome.decision is not None and verify:
        verification = check(instance, spec, outcome.decision, outcome.objective)
        # report the exact re-costed value (the solver's float carries round-off)
        objective = verification.objective
    total = time.perf_counter() - t0
    return Result(
        problem=spec,
        instance=instance,
        formulation=form.name,
        backend=outcome.backend or solver.name,
        backend_version=outcome.backend_version or solver.version(),
        status=outcome.status,
        termination=Termination.INTERRUPTED if ctx.interrupted else outcome.termination,
        objective=objective,
        bound=outcome.bound,
        decision=outcome.decision,
        verification=verification,
        timings=Timings(read=0.0, build=outcome.build_seconds, solve=outcome.solve_seconds,
                        total=total),
        nodes=outcome.nodes,
        native_status=outcome.native_status,
        messages=outcome.messages,
        model_size=outcome.model_size,
    )


def _infeasible_before_solving(why: str) -> Any:
    """The outcome of a request proved infeasible before any model is built."""
    from .formulations.base import Outcome
    from .solution import Status

    return Outcome(status=Status.INFEASIBLE, termination=Termination.INFEASIBLE,
                   objective=None, bound=None, decision=None, native_status="pre-solve check",
                   messages=(why,), milp_solves=0)

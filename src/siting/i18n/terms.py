"""Words that come from data or from other modules and have a translation in the catalogue.

Only marked here so ``pybabel extract`` (and the catalogue test) sees them: values of status,
objective, tie-break, metric and problem fields, the shipped service catalogue's service names,
segments, site kinds of the demo, the guide's rule sources and the solver's fixed notes. A
value the catalogue does not know is shown as given (``translate="no"`` in HTML).
"""

from __future__ import annotations


def NP_(context: str, message: str) -> tuple[str, str]:
    """Mark ``message`` in ``context`` for extraction (pgettext later)."""
    return context, message


def N_(message: str) -> str:
    return message


CONTEXT_TERMS = [
    NP_("status", "optimal"), NP_("status", "feasible"), NP_("status", "infeasible"),
    NP_("status", "unbounded"), NP_("status", "no_solution"), NP_("status", "time_limit"),
    NP_("status", "interrupted"),
    NP_("objective", "coverage"), NP_("objective", "cost"), NP_("objective", "equity"),
    NP_("tie_break", "proven"), NP_("tie_break", "not proven"), NP_("tie_break", "skipped"),
    NP_("tie_break", "n/a"),
    NP_("metric", "euclidean"), NP_("metric", "network"), NP_("metric", "table"),
    NP_("metric", "haversine"),
    NP_("problem", "p-median"), NP_("problem", "p-center"), NP_("problem", "lscp"),
    NP_("problem", "mclp"), NP_("problem", "cflp"), NP_("problem", "uflp"),
    NP_("site_status", "existing"), NP_("site_status", "new"), NP_("site_status", "not used"),
    NP_("site_kind", "vacant shop"), NP_("site_kind", "old factory floor"),
    NP_("site_kind", "community room"),
    NP_("segment", "elderly"), NP_("segment", "infant"), NP_("segment", "school"),
    NP_("segment", "total"), NP_("segment", "households"),
    NP_("service", "elderly_care"), NP_("service", "childcare"), NP_("service", "after_school"),
    NP_("service", "meals"), NP_("service", "health"), NP_("service", "fitness"),
    NP_("service", "nursing_station"), NP_("service", "housekeeping"),
    NP_("service", "convenience_store"), NP_("service", "fresh_food"),
    NP_("service", "breakfast"), NP_("service", "express"), NP_("service", "repair"),
    NP_("service", "culture"), NP_("service", "leisure_social"), NP_("service", "rehab_care"),
    # distance units (siting.pipeline)
    NP_("unit", "metre"), NP_("unit", "m"), NP_("unit", "min"), NP_("unit", "foot"),
    NP_("unit", "US survey foot"), NP_("unit", "degree"), NP_("unit", "coordinate units"),
    NP_("unit", "CRS units"), NP_("storage", "sparse"), NP_("storage", "dense"),
]

SENTENCES = [
    # siting.community.solve notes
    N_("the tie-break stage found no plan in time; the stage-1 plan is reported"),
    N_("the primary objective is proven but ties may not be broken optimally (the tie-break "
       "stage hit the time limit)"),
    # rule sources (siting.community.catalogue RULE_SOURCES and the shipped catalogue)
    N_("导则(试行) 2024-01 (NDRC, MOHURD, MNR): a complex has >= 3 functions"),
    N_("导则(试行) 2024-01: >= 2 of elderly care, infant care, after-school, meals"),
    N_("导则(试行) 2024-01: embedded-service complex >= 600 m² (>= 800 m² if feasible)"),
    N_("导则(试行) 2024-01: >= 30 m² community service space per 100 households"),
    N_("scenario targets (e.g. TD/T 1062-2021 life-circle coverage goals)"),
    N_("导则(试行) 2024-01: a complex has >= 3 functions "
       "(https://planning.org.cn/news/view?id=15068)"),
    N_("导则(试行) 2024-01: >= 2 of elderly care, infant care, after-school care, meal aid"),
    N_("导则(试行) 2024-01: embedded-service complex >= 600 m2, >= 800 m2 where feasible"),
    N_("导则(试行) 2024-01: community service space >= 30 m2 per 100 households"),
]

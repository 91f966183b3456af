"""Page texts in English and Chinese (the page switches with the language toggle).

Kept as one small dict until the report's catalogue (``siting.i18n``) lands; then the page reads
the shared catalogue and only workbench-specific texts stay here.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "title": "Planning workbench", "lang": "中文", "panel": "What if", "budget": "Budget",
        "p": "Facilities (p)", "radius": "Radius", "objective": "Objective",
        "max_distance": "Max distance", "time_limit": "Time limit (s)",
        "weights": "Service weights",
        "targets": "Coverage targets (share)", "overall": "overall", "district": "every community",
        "per_community": "per community", "path_warm": "re-solved (warm)",
        "path_cold": "full pipeline", "network": "walking network used for the distances",
        "rules": "Guide rules", "new_site_min_services": "services per new site ≥",
        "new_site_min_core": "core services per new site ≥",
        "complex_min_services": "a complex hosts ≥ services",
        "complex_min_area": "complex floor area ≥ (m²)",
        "space_per_100_households": "floor area per 100 households (m²)", "enforce": "enforce",
        "solve": "Solve", "cancel": "Cancel", "status": "Status", "objective_value": "Objective",
        "gap": "Proven gap", "bound": "Bound", "cost": "Cost", "budget_use": "Budget use",
        "sites": "Sites", "site": "Site", "lock": "Lock open", "forbid": "Forbid", "area": "Area",
        "state": "State", "in_plan": "In plan", "existing": "existing", "new": "new",
        "not_used": "not used", "locked": "locked", "forbidden": "forbidden",
        "coverage": "Coverage", "compliance": "Compliance", "service": "Service",
        "segment": "Segment", "community": "Community", "share": "Credited share",
        "compare": "Compare", "compare_add": "Add to compare", "compare_clear": "Clear",
        "export": "Export", "export_toml": "Export scenario (TOML + outputs)",
        "export_pdf": "Report PDF", "printing": "printing the report …",
        "exported_to": "Written to", "queued": "queued", "running": "running",
        "done": "done", "interrupted": "interrupted", "cancelled": "cancelled", "error": "error",
        "optimal": "optimal", "feasible": "feasible (not proven)", "infeasible": "infeasible",
        "no_solution": "no solution", "incumbent": "Incumbent", "stage": "Stage",
        "elapsed": "Elapsed", "added": "added", "removed": "removed", "plan": "Plan",
        "vs_first": "vs. first plan", "files": "Files", "report": "Report",
        "no_plan": "No plan yet: set the panel and press Solve.", "reset": "Reset",
        "edits": "Edits", "seconds": "Solve time (s)", "why": "Why", "candidate": "candidate",
        "block_share": "blocks: credited share", "plans": "Plans",
        "cancelling": "cancelling (keeping the best plan found)",
    },
    "zh": {
        "title": "规划工作台", "lang": "English", "panel": "情景设置", "budget": "预算",
        "p": "设施数 (p)", "radius": "服务半径", "objective": "目标",
        "max_distance": "最大距离", "time_limit": "时间上限 (秒)", "weights": "服务权重",
        "targets": "覆盖目标（比例）", "overall": "全区", "district": "每个社区", "per_community": "分社区", "path_warm": "热启动重解", "path_cold": "完整流程",
        "network": "计算距离所用的步行路网",
        "rules": "导则规则", "new_site_min_services": "新站点服务数 ≥",
        "new_site_min_core": "新站点核心服务数 ≥", "complex_min_services": "综合体服务数 ≥",
        "complex_min_area": "综合体面积 ≥ (m²)",
        "space_per_100_households": "每百户服务面积 (m²)", "enforce": "执行",
        "solve": "求解", "cancel": "取消", "status": "状态", "objective_value": "目标值",
        "gap": "已证明间隙", "bound": "界", "cost": "费用", "budget_use": "预算使用",
        "sites": "候选站点", "site": "站点", "lock": "锁定开放", "forbid": "禁止", "area": "面积",
        "state": "状态", "in_plan": "入选", "existing": "现有", "new": "新建",
        "not_used": "未用", "locked": "锁定", "forbidden": "禁止",
        "coverage": "覆盖", "compliance": "达标情况", "service": "服务", "segment": "人群",
        "community": "社区", "share": "覆盖比例", "compare": "方案比较",
        "compare_add": "加入比较", "compare_clear": "清空", "export": "导出",
        "export_toml": "导出情景（TOML 与结果）", "export_pdf": "报告 PDF",
        "printing": "正在打印报告 …", "exported_to": "已写入", "queued": "排队中",
        "running": "求解中", "done": "完成", "interrupted": "已中断", "cancelled": "已取消",
        "error": "错误", "optimal": "最优", "feasible": "可行（未证明最优）",
        "infeasible": "不可行", "no_solution": "无解", "incumbent": "当前最好解",
        "stage": "阶段", "elapsed": "用时", "added": "新增", "removed": "移除", "plan": "方案",
        "vs_first": "相对第一个方案", "files": "文件", "report": "报告",
        "no_plan": "尚无方案：设置参数后点击“求解”。", "reset": "重置", "edits": "修改",
        "seconds": "求解时间 (秒)", "why": "原因", "candidate": "候选",
        "block_share": "街坊：覆盖比例", "plans": "方案",
        "cancelling": "正在取消（保留已找到的最好方案）",
    },
}

#: contexts of data values the page translates with the report's catalogue when it is there
TERM_CONTEXTS = ("service", "segment", "status", "objective", "site_status", "site_kind",
                 "problem")


def terms() -> dict[str, dict[str, str]]:
    """``{lang: {"context|value": text}}`` from the shared catalogue (``siting.i18n``), if any.

    Data values (service and segment names, statuses) are translated there once for the
    report, the map and the page; without that package the page shows them as given.
    """
    try:
        from .. import i18n as shared  # type: ignore[attr-defined]

        out: dict[str, dict[str, str]] = {}
        for lang in MESSAGES:
            table = shared.catalogue(lang)
            out[lang] = {f"{ctx}|{msgid}": text for (ctx, msgid), text in table.items()
                         if ctx in TERM_CONTEXTS}
        return out
    except Exception:  # noqa: BLE001 - no catalogue (or a different one): values as given
        return {lang: {} for lang in MESSAGES}

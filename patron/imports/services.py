"""Bulk import of companies, contacts, products and orders from CSV / XLSX files.

:func:`import_file` reads the file with polars, validates every column with vectorised
expressions, writes the rejects file, and (unless it is a dry run) upserts the good rows
set-at-a-time in one transaction, with audit events, then records an :class:`ImportRun`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patron.core.audit import SYSTEM, Actor, acting_as
from patron.core.errors import ValidationFailed
from patron.core.models import Organization
from patron.imports.kinds import common, companies, contacts, leads, orders, products, triggers
from patron.imports.models import ImportRun
from patron.imports.progress import NoProgress, Progress, Stopwatch
from patron.imports.readers import ImportFileError, read_table
from patron.imports.rejects import write_rejects

logger = logging.getLogger(__name__)

KINDS: dict[str, ModuleType] = {
    "companies": companies,
    "contacts": contacts,
    "products": products,
    "orders": orders,
    "leads": leads,
    "triggers": triggers,
}


@dataclass
class ImportResult:
    kind: str
    path: Path
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    rejects_path: Path | None
    dry_run: bool
    encoding: str
    ignored_columns: list[str] = field(default_factory=list)
    affected_company_ids: list[int] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    run_id: int | None = None
    duplicates: int = 0
    # the steps inside "write" that an import kind times separately (leads: insert, indexes,
    # duplicates, and each step after the import); already counted in ``timings["write"]``
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def import_file(
    *,
    organization: Organization,
    kind: str,
    path: Path | str,
    actor: Actor = SYSTEM,
    dry_run: bool = False,
    progress: Progress | None = None,
    recompute_lifecycle: bool = True,
    columns: dict[str, str] | None = None,
) -> ImportResult:
    """Import ``path`` as ``kind``; returns the counts and where the rejects went.

    ``columns`` renames the file's columns (header as read → field name) first: the column
    mapping of the web upload. A column mapped to ``""`` is left out.
    """
    if kind not in KINDS:
        raise ValidationFailed(
            _("Unknown import kind %(kind)s; use one of: %(kinds)s")
            % {"kind": kind, "kinds": ", ".join(KINDS)},
            {"kind": _("unknown kind")},
        )
    path = Path(path)
    progress = progress or NoProgress()
    clock = Stopwatch()
    raw, encoding = clock.run("read", lambda: read_table(path))
    if columns:
        raw = apply_mapping(raw, columns)
    run = run_start(organization, actor, kind=kind, path=path, dry_run=dry_run)
    context = common.ImportContext(
        organization=organization, actor=actor, progress=progress, run_id=run.pk
    )
    progress.phase(_("Validating"), raw.height)
    plan: common.Plan = clock.run("validate", lambda: KINDS[kind].plan(raw, context))
    progress.advance(raw.height)
    rejects_path = write_rejects(path, plan.rejects)
    affected: list[int] = []
    if not dry_run:
        affected = clock.run("write", lambda: write_atomically(plan, actor))
    if kind == "orders" and affected and recompute_lifecycle:
        clock.run("lifecycle", lambda: recompute(organization, affected))
    result = ImportResult(
        kind=kind,
        path=path,
        rows=plan.rows,
        created=plan.created,
        updated=plan.updated,
        unchanged=plan.unchanged,
        rejected=plan.rejected,
        rejects_path=rejects_path,
        dry_run=dry_run,
        encoding=encoding,
        ignored_columns=plan.ignored_columns,
        affected_company_ids=affected,
        timings=clock.timings,
        duplicates=plan.duplicates,
        steps=context.steps.timings,
    )
    result.run_id = run_finish(run, result)
    return result


def apply_mapping(raw: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """Rename the file's columns as mapped; unmapped ones keep their name, ``""`` drops one."""
    dropped = [name for name, target in columns.items() if not target and name in raw.columns]
    renames = {
        name: target
        for name, target in columns.items()
        if target and name in raw.columns and name != target
    }
    targets = [*renames.values()]
    clashes = sorted(
        {name for name in targets if targets.count(name) > 1}
        | {name for name in targets if name in raw.columns and name not in renames}
    )
    if clashes:
        raise ImportFileError(
            _("Two columns are mapped to the same field: %(columns)s")
            % {"columns": ", ".join(clashes)},
            dict.fromkeys(clashes, _("mapped twice")),
        )
    return raw.drop(dropped).rename(renames)


def write_atomically(plan: common.Plan, actor: Actor) -> list[int]:
    """All writes of one import in one transaction (including the commit's deferred checks)."""
    with acting_as(actor), transaction.atomic():
        return plan.write()


def recompute(organization: Organization, company_ids: list[int]) -> None:
    """Bring the lifecycle of the companies whose orders changed up to date."""
    try:
        from patron.lifecycle.services import lifecycle_recompute
    except ImportError:  # the lifecycle engine is not installed in this build yet
        logger.warning("lifecycle_recompute is not available; lifecycle not recomputed")
        return
    lifecycle_recompute(organization=organization, company_ids=company_ids)


def run_start(
    organization: Organization, actor: Actor, *, kind: str, path: Path, dry_run: bool
) -> ImportRun:
    """Record the run before anything is written: the rows it creates name it as their
    provenance. A run whose write failed stays without ``finished_at``."""
    return ImportRun.objects.create(
        organization=organization,
        kind=kind,
        file_name=str(path)[:500],
        actor_id=actor.user_id,
        actor_label=actor.label[:150],
        is_dry_run=dry_run,
    )


def run_finish(run: ImportRun, result: ImportResult) -> int:
    run.rows = result.rows
    run.created = result.created
    run.updated = result.updated
    run.unchanged = result.unchanged
    run.duplicates = result.duplicates
    run.rejected = result.rejected
    run.rejects_path = str(result.rejects_path or "")[:500]
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "rows",
            "created",
            "updated",
            "unchanged",
            "duplicates",
            "rejected",
            "rejects_path",
            "finished_at",
            "updated_at",
        ]
    )
    return run.pk

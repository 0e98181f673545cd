"""Leads: the list, the lead page (with the seller's score, triggers and involvement), the import
(upload → mapping → dry run → import) and the review of duplicates (side by side, merge or
dismiss)."""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts.models import Role, User
from patron.core.audit import actor_for
from patron.core.errors import DomainError, NotFound
from patron.core.pagination import DeferredJoinPaginator as Paginator
from patron.imports.models import ImportRun
from patron.imports.readers import read_table
from patron.imports.rejects import rejects_path_for
from patron.imports.services import ImportResult, import_file
from patron.imports.uploads import upload_path, upload_save
from patron.leads.choices import DuplicateStatus
from patron.leads.selectors import (
    duplicate_get,
    duplicate_list,
    duplicate_runs,
    lead_get,
    lead_list,
)
from patron.leads.services import duplicate_dismiss, duplicate_merge
from patron.web import presenters
from patron.web.forms_leads import LEAD_FIELDS, LeadFilterForm, LeadUploadForm, MappingForm
from patron.web.forms_prospecting import TriggerEventForm
from patron.web.presenters_leads import lead_page

PAGE_SIZE = 50
SEARCH_COUNT_CAP = 1000
# a million leads are not counted on every page view: "10,000+" and 200 pages, then filter
LIST_COUNT_CAP = 10_000
PREVIEW_ROWS = 5
REJECTS_SHOWN = 10
SESSION_KEY = "lead_imports"
UPLOAD_KIND = "leads"
COMPARED = ("company_name", "contact_name", "title", "email", "phone", "industry", "source")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def lead_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = LeadFilterForm(request.GET or None, user=user)
    filters = form.lead_filter()
    paginator = Paginator(
        lead_list(user, filters),
        PAGE_SIZE,
        count_cap=SEARCH_COUNT_CAP if filters.search else LIST_COUNT_CAP,
    )
    page = paginator.get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "leads": page.object_list,
        "total": paginator.count,
        "total_text": presenters.format_count(paginator.count, capped=paginator.is_capped),
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "is_filtered": any(value is not None for value in astuple(filters)),
        "can_import": can_import(user),
    }
    template = "web/leads/list.html"
    if request.htmx and request.htmx.target == "lead-results":  # type: ignore[attr-defined]
        template = "web/leads/_results.html"
    return render(request, template, context)


@login_required
def lead_detail_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The one page of a lead: fields, score and why, triggers, involvement, activities,
    duplicates, merged leads and the change history."""
    user = _user(request)
    try:
        lead = lead_get(user, lead_id)
    except NotFound:
        raise Http404("lead not found") from None
    context = {**lead_page(user, lead), "trigger_form": TriggerEventForm()}
    return render(request, "web/leads/detail.html", context)


# --- import -----------------------------------------------------------------------------------


def can_import(user: User) -> bool:
    return user.is_admin or user.has_role(Role.MANAGER)


def _require_importer(request: HttpRequest) -> User:
    user = _user(request)
    if not can_import(user):
        raise PermissionDenied(_("Only managers and admins import leads."))
    return user


def _uploaded(request: HttpRequest, token: str) -> Path:
    """The file this session uploaded under ``token`` (another session's is not found)."""
    name = request.session.get(SESSION_KEY, {}).get(token)
    if not name:
        raise Http404("upload not found")
    path = upload_path(UPLOAD_KIND, token, name)
    if path is None:
        raise Http404("upload not found")
    return path


@login_required
def lead_import_view(request: HttpRequest) -> HttpResponse:
    """Step 1: upload a file."""
    _require_importer(request)
    form = LeadUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token, name = upload_save(UPLOAD_KIND, upload.chunks(), Path(upload.name).suffix)
        uploads = dict(request.session.get(SESSION_KEY, {}))
        uploads[token] = name
        request.session[SESSION_KEY] = uploads
        return redirect("web:lead-import-map", token=token)
    return render(
        request, "web/leads/import.html", {"form": form, "fields": LEAD_FIELDS, "step": "upload"}
    )


@login_required
def lead_import_map_view(request: HttpRequest, token: str) -> HttpResponse:
    """Step 2: the first rows with a field per column; then a dry run or the import."""
    user = _require_importer(request)
    path = _uploaded(request, token)
    try:
        raw, encoding = read_table(path)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("web:lead-import")
    columns = [name for name in raw.columns if name != "_row"]
    form = MappingForm(request.POST or None, columns=columns)
    result: ImportResult | None = None
    rejects: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        dry_run = request.POST.get("action") != "import"
        try:
            result = import_file(
                organization=user.organization,
                kind="leads",
                path=path,
                actor=actor_for(user, "web"),
                dry_run=dry_run,
                columns=form.mapping(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        if result is not None and result.rejects_path is not None:
            rejects = pl.read_csv(
                result.rejects_path, infer_schema=False, n_rows=REJECTS_SHOWN
            ).to_dicts()
    preview = raw.head(PREVIEW_ROWS).drop("_row").rows()
    context = {
        "token": token,
        "form": form,
        "columns": form.bound_fields(),
        "preview": preview,
        "rows": raw.height,
        "encoding": encoding,
        "result": result,
        "rejects": rejects,
        "step": "map",
    }
    return render(request, "web/leads/import.html", context)


@login_required
def lead_import_rejects_view(request: HttpRequest, token: str) -> FileResponse:
    _require_importer(request)
    rejects = rejects_path_for(_uploaded(request, token))
    if not rejects.is_file():
        raise Http404("no rejects")
    return FileResponse(rejects.open("rb"), as_attachment=True, filename="leads.rejects.csv")


# --- duplicates -------------------------------------------------------------------------------


@login_required
def duplicate_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    run_id = request.GET.get("run")
    run = int(run_id) if run_id and run_id.isdigit() else None
    paginator = Paginator(duplicate_list(user, run_id=run), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "duplicates": page.object_list,
        "total": paginator.count,
        "runs": duplicate_runs(user),
        "run": run,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    }
    return render(request, "web/leads/duplicates.html", context)


def side_by_side(duplicate: Any) -> list[tuple[str, str, str, bool]]:
    """(field, incoming value, matched value, same?) for the compared fields."""
    values = duplicate.values or {}
    if duplicate.lead is not None:
        values = {name: getattr(duplicate.lead, name) for name in COMPARED}
    matched = duplicate.matched_lead
    contact = duplicate.matched_contact
    rows = []
    for name in COMPARED:
        incoming = str(values.get(name) or "")
        if matched is not None:
            existing = str(getattr(matched, name) or "")
        elif contact is not None:
            existing = {
                "company_name": contact.company.name,
                "contact_name": contact.name,
                "title": contact.title,
                "email": contact.email,
                "phone": contact.phone,
                "industry": contact.company.industry,
            }.get(name, "")
        else:
            existing = ""
        rows.append((name, incoming, existing, incoming.strip().lower() == existing.lower()))
    return rows


@login_required
def duplicate_detail_view(request: HttpRequest, duplicate_id: int) -> HttpResponse:
    user = _user(request)
    try:
        duplicate = duplicate_get(user, duplicate_id)
    except NotFound:
        raise Http404("duplicate not found") from None
    context = {
        "duplicate": duplicate,
        "rows": side_by_side(duplicate),
        "is_open": duplicate.status == DuplicateStatus.OPEN,
        "run": duplicate.import_run,
    }
    return render(request, "web/leads/duplicate.html", context)


@login_required
@require_POST
def duplicate_action_view(request: HttpRequest, duplicate_id: int, action: str) -> HttpResponse:
    user = _user(request)
    try:
        duplicate = duplicate_get(user, duplicate_id)
    except NotFound:
        raise Http404("duplicate not found") from None
    try:
        if action == "merge":
            survivor = duplicate_merge(duplicate=duplicate, by=user)
            messages.success(request, _("Merged into %(lead)s.") % {"lead": survivor or "—"})
        elif action == "dismiss":
            lead = duplicate_dismiss(duplicate=duplicate, by=user)
            messages.success(request, _("Created as a separate lead: %(lead)s.") % {"lead": lead})
        else:
            raise Http404("unknown action")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("web:lead-duplicate", duplicate_id=duplicate.pk)
    return redirect("web:lead-duplicates")


def run_label(run: ImportRun) -> str:
    return f"#{run.pk} {Path(run.file_name).name} · {run.created_at:%Y-%m-%d %H:%M}"

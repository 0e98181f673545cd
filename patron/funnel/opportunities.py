"""Every write to opportunities: create, edit, products, hand-off, accept / reject, stage moves,
close won (which produces the order) and close lost. Each checks who is acting, validates,
writes and audits in one transaction; the API, the pages and the board all call these."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patron.accounts.models import User
from patron.catalog.models import Product
from patron.companies.models import Company, Contact
from patron.core.audit import audit_record, field_changes, jsonable
from patron.core.errors import Conflict, ValidationFailed
from patron.core.models import AuditEvent, Organization
from patron.core.months import local_date
from patron.core.validation import validate_instance
from patron.funnel import permissions
from patron.funnel.choices import HandoffStatus, LossReason, OpportunityStatus
from patron.funnel.models import (
    Opportunity,
    OpportunityLine,
    OpportunityStage,
    Play,
    StageChange,
)
from patron.funnel.services import stages_ensure
from patron.leads.models import Lead

CENT = Decimal("0.01")
EDITABLE = ("name", "amount", "currency", "contact", "play", "expected_close_on", "next_step")


def invalid(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}", {field: reason})


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal = Decimal("0")

    @property
    def amount(self) -> Decimal:
        gross = self.quantity * self.unit_price * (Decimal(100) - self.discount_pct) / 100
        return gross.quantize(CENT, rounding=ROUND_HALF_UP)


def _moment(at: dt.datetime | None, field: str = "at") -> dt.datetime:
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise invalid(field, _("a moment with a time zone is needed"))
    return at


def _base_amount(organization: Organization, currency: str, amount: Decimal) -> Decimal:
    from patron.sales.services import currency_rate

    return (amount * currency_rate(organization, currency)).quantize(CENT)


def _record_change(
    opportunity: Opportunity,
    *,
    at: dt.datetime,
    by: User | None,
    from_number: int | None,
    from_status: str,
) -> None:
    StageChange.objects.create(
        organization_id=opportunity.organization_id,
        opportunity=opportunity,
        at=at,
        from_stage_number=from_number,
        to_stage_number=opportunity.stage_number,
        from_status=from_status,
        to_status=opportunity.status,
        user=by,
    )


def _number(opportunity: Opportunity) -> None:
    """Give an opportunity created without an id ``OPP-<its primary key>`` (unique by
    construction; a clash with an id given by hand gets a suffix)."""
    candidate = f"OPP-{opportunity.pk:06d}"
    taken = Opportunity.objects.filter(organization_id=opportunity.organization_id)
    suffix = 1
    while taken.filter(external_id=candidate).exclude(pk=opportunity.pk).exists():
        suffix += 1
        candidate = f"OPP-{opportunity.pk:06d}-{suffix}"
    opportunity.external_id = candidate
    opportunity.save(update_fields=["external_id"])


def _company_from_lead(organization: Organization, lead: Lead) -> Company:
    """The lead's company, created from the lead when it has none (the lead is converted)."""
    from patron.companies.services import company_create
    from patron.leads.services import lead_update

    if lead.company_id is not None:
        return Company.objects.get(pk=lead.company_id)
    if not lead.company_name:
        raise invalid("company", _("the lead has no company name: choose a company"))
    external_id = f"L-{lead.external_id}"[:64]
    company = Company.objects.filter(organization=organization, external_id=external_id).first()
    if company is None:
        company = company_create(
            organization=organization,
            external_id=external_id,
            name=lead.company_name,
            industry=lead.industry,
            region=lead.region,
            owner=lead.owner,
        )
    lead_update(lead=lead, company=company, status="converted")
    return company


def _check_people(*, owner: User | None, source_sdr: User | None, organization_id: int) -> None:
    for field, user, check, reason in (
        ("owner", owner, permissions.is_closer, _("the owner must hold the AE role")),
        ("source_sdr", source_sdr, permissions.is_hunter, _("the source must be an SDR or BDM")),
    ):
        if user is None:
            continue
        if user.organization_id != organization_id or not user.is_active or not check(user):
            raise invalid(field, reason)


def _check_lines(lines: Sequence[LineInput]) -> None:
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            raise invalid(f"lines[{index}].quantity", _("must be greater than 0"))
        if line.unit_price < 0:
            raise invalid(f"lines[{index}].unit_price", _("must not be negative"))
        if not Decimal(0) <= line.discount_pct <= Decimal(100):
            raise invalid(f"lines[{index}].discount_pct", _("must be between 0 and 100"))


def _write_lines(opportunity: Opportunity, lines: Sequence[LineInput]) -> None:
    opportunity.lines.all().delete()
    OpportunityLine.objects.bulk_create(
        [
            OpportunityLine(
                organization_id=opportunity.organization_id,
                opportunity=opportunity,
                line_no=number,
                product=line.product,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_pct=line.discount_pct,
                amount=line.amount,
            )
            for number, line in enumerate(lines, start=1)
        ]
    )


def _line_summary(lines: Sequence[LineInput]) -> list[dict[str, Any]]:
    return [
        {"product": line.product.sku, "quantity": str(line.quantity), "amount": str(line.amount)}
        for line in lines
    ]


@transaction.atomic
def opportunity_create(
    *,
    organization: Organization,
    by: User,
    name: str,
    company: Company | None = None,
    lead: Lead | None = None,
    contact: Contact | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    play: Play | None = None,
    owner: User | None = None,
    source_sdr: User | None = None,
    stage: OpportunityStage | None = None,
    expected_close_on: dt.date | None = None,
    next_step: str = "",
    lines: Sequence[LineInput] = (),
    external_id: str | None = None,
    created_at: dt.datetime | None = None,
) -> Opportunity:
    """A new open opportunity. An SDR or BDM creating it is its source (hand it to an AE
    next); an AE creating it owns it. Managers and admins may set both."""
    created_at = _moment(created_at, "created_at")
    if not permissions.can_configure(by):
        if permissions.is_hunter(by):
            source_sdr, owner = by, None
        elif permissions.is_closer(by):
            source_sdr, owner = None, by
        else:
            raise permissions.denied(_("create"))
    _check_people(owner=owner, source_sdr=source_sdr, organization_id=organization.pk)
    if lead is not None and lead.organization_id != organization.pk:
        raise invalid("lead", _("no such lead"))
    if company is None:
        if lead is None:
            raise invalid("company", _("choose a company or a lead"))
        company = _company_from_lead(organization, lead)
    if contact is not None and contact.company_id != company.pk:
        raise invalid("contact", _("the contact works for another company"))
    stages = stages_ensure(organization)
    stage = stage or stages[0]
    if stage.organization_id != organization.pk or not stage.is_active:
        raise invalid("stage", _("no such active stage"))
    _check_lines(lines)
    if lines:
        amount = sum((line.amount for line in lines), Decimal("0"))
    currency = currency or organization.currency
    opportunity = Opportunity(
        organization=organization,
        external_id=external_id or f"new-{uuid.uuid4().hex}",
        name=name,
        company=company,
        contact=contact,
        lead=lead,
        currency=currency,
        amount=amount if amount is not None else Decimal("0"),
        play=play,
        owner=owner,
        team_id=owner.team_id if owner else (source_sdr.team_id if source_sdr else None),
        source_sdr=source_sdr,
        source_team_id=source_sdr.team_id if source_sdr else None,
        stage=stage,
        stage_number=stage.number,
        max_stage_number=stage.number,
        created_at=created_at,
        expected_close_on=expected_close_on,
        next_step=next_step,
    )
    opportunity.base_amount = _base_amount(organization, currency, opportunity.amount)
    validate_instance(opportunity, unique_field="external_id")
    opportunity.save()
    if not external_id:
        _number(opportunity)
    _write_lines(opportunity, lines)
    _record_change(opportunity, at=created_at, by=by, from_number=None, from_status="")
    changes = {
        name: [None, jsonable(getattr(opportunity, name))]
        for name in (
            "external_id",
            "name",
            "company",
            "lead",
            "amount",
            "currency",
            "stage_number",
            "owner",
            "source_sdr",
            "play",
        )
    }
    if lines:
        changes["lines"] = [None, _line_summary(lines)]
    audit_record(opportunity, AuditEvent.Action.CREATE, changes)
    return opportunity


def _locked(opportunity: Opportunity) -> Opportunity:
    return Opportunity.objects.select_for_update().get(pk=opportunity.pk)


def _ensure_open(opportunity: Opportunity) -> None:
    if not opportunity.is_open:
        raise Conflict(
            _("The opportunity is already closed (%(status)s).")
            % {"status": OpportunityStatus(opportunity.status).label},
            {"status": _("already closed")},
        )


@transaction.atomic
def opportunity_update(
    *, opportunity: Opportunity, by: User, lines: Sequence[LineInput] | None = None, **values: Any
) -> Opportunity:
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown opportunity fields: {sorted(unknown)}")
    original = _locked(opportunity)
    if not permissions.can_edit(by, original):
        raise permissions.denied(_("edit"))
    _ensure_open(original)
    contact = values.get("contact")
    if contact is not None and contact.company_id != original.company_id:
        raise invalid("contact", _("the contact works for another company"))
    if lines is not None:
        _check_lines(lines)
        values["amount"] = sum((line.amount for line in lines), Decimal("0"))
    changes = field_changes(original, values)
    if lines is not None:
        changes["lines"] = [None, _line_summary(lines)]
    if not changes:
        return original
    original.base_amount = _base_amount(original.organization, original.currency, original.amount)
    validate_instance(original, unique_field="external_id")
    original.save()
    if lines is not None:
        _write_lines(original, lines)
    audit_record(original, AuditEvent.Action.UPDATE, changes)
    return original


@transaction.atomic
def opportunity_move_stage(
    *, opportunity: Opportunity, by: User, stage: OpportunityStage, at: dt.datetime | None = None
) -> Opportunity:
    """Move an open opportunity to another active stage; the change is kept with its time."""
    at = _moment(at)
    original = _locked(opportunity)
    if not permissions.can_work(by, original):
        raise permissions.denied(_("move"))
    _ensure_open(original)
    if original.is_pending_handoff:
        raise Conflict(
            _("The AE has not accepted the hand-off yet."), {"stage": _("waiting for the AE")}
        )
    if original.owner_id is None:
        raise Conflict(_("Hand the opportunity to an AE first."), {"stage": _("no AE owns it yet")})
    if stage.organization_id != original.organization_id or not stage.is_active:
        raise invalid("stage", _("no such active stage"))
    if stage.pk == original.stage_id:
        return original
    if at < original.created_at:
        raise invalid("at", _("must not be before the opportunity was created"))
    before = original.stage_number
    original.stage = stage
    original.stage_number = stage.number
    original.max_stage_number = max(original.max_stage_number, stage.number)
    original.save(update_fields=["stage", "stage_number", "max_stage_number", "updated_at"])
    _record_change(original, at=at, by=by, from_number=before, from_status=original.status)
    audit_record(
        original, AuditEvent.Action.UPDATE, {"stage_number": [before, original.stage_number]}
    )
    return original


def _close(original: Opportunity, *, by: User, status: str, at: dt.datetime) -> None:
    if at < original.created_at:
        raise invalid("closed_at", _("must not be before the opportunity was created"))
    original.status = status
    original.closed_at = at
    _record_change(original, at=at, by=by, from_number=original.stage_number, from_status="open")


@transaction.atomic
def opportunity_close_won(
    *, opportunity: Opportunity, by: User, at: dt.datetime | None = None
) -> Opportunity:
    """Close won: the opportunity's products become an open order sold by its owner (which
    recomputes the company's lifecycle)."""
    from patron.sales.services import LineInput as OrderLineInput
    from patron.sales.services import order_create

    at = _moment(at, "closed_at")
    original = _locked(opportunity)
    if not permissions.can_work(by, original):
        raise permissions.denied(_("close"))
    _ensure_open(original)
    if original.is_pending_handoff or original.owner_id is None:
        raise Conflict(
            _("An AE must own the opportunity before it is won."), {"owner": _("no AE yet")}
        )
    lines = list(original.lines.select_related("product").order_by("line_no"))
    if not lines:
        raise invalid("lines", _("a won opportunity needs at least one product line"))
    _close(original, by=by, status=OpportunityStatus.WON, at=at)
    order_date = local_date(at, original.organization.time_zone)
    external_id = f"SO-{original.external_id}"[:64]
    try:
        order = order_create(
            organization=original.organization,
            external_id=external_id,
            company=original.company,
            order_date=order_date,
            seller=original.owner,
            status="open",
            currency=original.currency,
            due_date=order_date + dt.timedelta(days=30),
            notes=_("From opportunity %(id)s") % {"id": original.external_id},
            lines=[
                OrderLineInput(
                    product=line.product,
                    quantity=line.quantity,
                    amount=line.amount,
                    discount_pct=line.discount_pct,
                )
                for line in lines
            ],
        )
    except ValidationFailed as error:
        reason = "; ".join(error.field_errors.values()) or error.message
        raise invalid("order", reason) from None
    original.order = order
    original.save(update_fields=["status", "closed_at", "order", "updated_at"])
    audit_record(
        original,
        AuditEvent.Action.UPDATE,
        {
            "status": ["open", "won"],
            "closed_at": [None, jsonable(at)],
            "order": [None, order.external_id],
        },
    )
    if original.source_sdr_id and original.source_sdr_id != original.owner_id:
        # the order re-scored the owner's list; the source SDR won it too (SPEC §5)
        from patron.prospecting.services import industry_won_rescore

        industry_won_rescore(
            organization=original.organization,
            seller_ids=[original.source_sdr_id],
            company_ids=[original.company_id],
        )
    return original


@transaction.atomic
def opportunity_close_lost(
    *,
    opportunity: Opportunity,
    by: User,
    reason: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> Opportunity:
    at = _moment(at, "closed_at")
    original = _locked(opportunity)
    back_with_sdr = original.owner_id is None and original.source_sdr_id == by.pk
    if not (permissions.can_work(by, original) or back_with_sdr):
        raise permissions.denied(_("close"))
    _ensure_open(original)
    if original.is_pending_handoff:
        raise Conflict(
            _("The AE has not answered the hand-off yet."), {"status": _("waiting for the AE")}
        )
    if reason not in LossReason.values:
        raise invalid("loss_reason", _("choose a loss reason"))
    if reason == LossReason.OTHER and not note.strip():
        raise invalid("loss_note", _("say why when the reason is “other”"))
    _close(original, by=by, status=OpportunityStatus.LOST, at=at)
    original.loss_reason = reason
    original.loss_note = note.strip()
    validate_instance(original, unique_field="external_id")
    original.save(update_fields=["status", "closed_at", "loss_reason", "loss_note", "updated_at"])
    audit_record(
        original,
        AuditEvent.Action.UPDATE,
        {
            "status": ["open", "lost"],
            "closed_at": [None, jsonable(at)],
            "loss_reason": ["", reason],
        },
    )
    return original


def handoff_status_label(value: str) -> str:
    return str(HandoffStatus(value).label) if value in HandoffStatus.values else ""

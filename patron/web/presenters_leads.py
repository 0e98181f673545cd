"""The lead page: the lead's fields, the seller's score and why, the trigger events of the lead
and its company, the caller's personal involvement, activities, duplicates, merged leads and the
change history — read through the lead and prospecting selectors, shaped for the template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from patron.accounts.models import User
from patron.leads.models import Lead
from patron.leads.selectors import duplicate_list, lead_activities, lead_history
from patron.prospecting.explain import out_reasons_text, region_names_for, term_lines
from patron.prospecting.models import LeadScore
from patron.prospecting.selectors import lead_involvement, lead_scores, lead_trigger_events
from patron.web.presenters import history_lines, region_path

TRIGGERS_SHOWN = 50
MERGED_SHOWN = 20


@dataclass(frozen=True)
class ScoreRow:
    """One seller's score of the lead with its breakdown (``terms``) or why it is out."""

    score: LeadScore
    terms: list[dict[str, Any]]
    out_text: str


def score_rows(scores: Sequence[LeadScore]) -> list[ScoreRow]:
    names = region_names_for(list(scores))
    return [ScoreRow(score, term_lines(score, names), out_reasons_text(score)) for score in scores]


def lead_page(user: User, lead: Lead) -> dict[str, Any]:
    """Everything the lead page shows of ``lead`` (already checked visible to ``user``)."""
    events, creations = lead_history(lead)
    triggers = lead_trigger_events(user, lead_id=lead.pk, company_id=lead.company_id)
    return {
        "lead": lead,
        "region_text": region_path(lead.region),
        "scores": score_rows(list(lead_scores(user, lead_id=lead.pk))),
        "triggers": list(triggers[:TRIGGERS_SHOWN]),
        # the +2 counts on the owner's list: the owner marks it, everyone else reads it
        "involvement_mine": lead.owner_id == user.pk,
        "involved": lead.owner_id is not None and lead_involvement(lead.owner_id, lead_id=lead.pk),
        "activities": lead_activities(lead),
        "duplicates": list(duplicate_list(user).filter(matched_lead=lead)),
        "merged_leads": list(lead.merged_leads.all()[:MERGED_SHOWN]),
        "audit": history_lines(events, creations, lead),
    }

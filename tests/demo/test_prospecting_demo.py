"""The demo world's prospecting: profiles, outbound leads, trigger events, call history with a
real signal (leads with a recent trigger convert clearly better), scored lists."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q

from patron.accounts.models import User
from patron.activities.models import Activity
from patron.demo.world import world_generate
from patron.leads.models import Lead
from patron.prospecting.models import IcpProfile, LeadScore, TriggerEvent
from patron.prospecting.refine import listed_leads

pytestmark = pytest.mark.django_db
THROUGH = 2026 * 12 + 5


def test_the_demo_world_prospects_with_a_signal() -> None:
    world_generate(size="tiny", seed=7, through=THROUGH)
    sellers = User.objects.filter(roles__role__in=["bdm", "sdr"]).distinct()
    assert IcpProfile.objects.count() == sellers.count() > 0
    assert set(IcpProfile.objects.values_list("version", flat=True)) == {1}
    outbound = Lead.objects.filter(external_id__startswith="P-")
    assert outbound.count() > 20 * sellers.count()
    assert set(outbound.values_list("owner_id", flat=True)) == set(
        sellers.values_list("id", flat=True)
    )
    assert TriggerEvent.objects.filter(company__leads__in=outbound).exists()
    assert Activity.objects.filter(lead__in=outbound, kind="call").exclude(outcome="").exists()
    # every lead owned by a seller with a profile is scored, some out of target with reasons
    assert LeadScore.objects.count() == Lead.objects.filter(owner__in=sellers).count()
    assert LeadScore.objects.filter(in_target=False).exclude(out_reasons="").exists()
    assert LeadScore.objects.filter(starred=True).exists()

    organization = sellers.first().organization  # type: ignore[union-attr]
    called = listed_leads(organization.pk, sellers.values_list("id", flat=True), "Asia/Shanghai")
    split = called.filter(is_called=True, lead__external_id__startswith="P-").aggregate(
        with_n=Count("pk", filter=~Q(trigger_type="")),
        with_won=Count("pk", filter=~Q(trigger_type="") & Q(is_converted=True)),
        without_n=Count("pk", filter=Q(trigger_type="")),
        without_won=Count("pk", filter=Q(trigger_type="") & Q(is_converted=True)),
    )
    with_rate = split["with_won"] / split["with_n"]
    without_rate = split["without_won"] / split["without_n"]
    assert with_rate > 2.5 * without_rate, split
    assert without_rate < 0.1, split

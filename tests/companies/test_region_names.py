"""A region's name in the active language: one rule for pages, forms and score breakdowns."""

from __future__ import annotations

import pytest
from django.utils import translation

from patron.companies.models import Region
from patron.prospecting.explain import region_names_for
from patron.web.forms import region_choices
from patron.web.presenters import region_name, region_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def jiangsu():
    china = Region.objects.create(code="CN", name="中国", name_en="China", level=0)
    province = Region.objects.create(
        code="JS", name="江苏", name_en="Jiangsu", parent=china, level=1
    )
    Region.objects.create(code="JS-WX", name="无锡", name_en="", parent=province, level=2)
    return province


class Scored:
    def __init__(self, code: str) -> None:
        self.territory_target = code


def shown(wuxi: Region) -> tuple:
    """The names of Jiangsu and Wuxi as each place shows them, in the active language."""
    return (
        Region.objects.get(code="JS").local_name,
        wuxi.local_name,
        region_path(wuxi),
        region_names_for([Scored("JS"), Scored("JS-WX")]),
        [label.strip() for _, label in region_choices()],
    )


def test_english_names_where_a_region_has_one_and_chinese_names_in_chinese(jiangsu):
    wuxi = Region.objects.get(code="JS-WX")
    with translation.override("en"):
        english = shown(wuxi)
    with translation.override("zh-hans"):
        chinese = shown(wuxi)

    # no English name: the Chinese one stands in
    assert english == (
        "Jiangsu",
        "无锡",
        "Jiangsu · 无锡",
        {"JS": "Jiangsu", "JS-WX": "无锡"},
        ["China", "Jiangsu", "无锡"],
    )
    assert chinese == (
        "江苏",
        "无锡",
        "江苏 · 无锡",
        {"JS": "江苏", "JS-WX": "无锡"},
        ["中国", "江苏", "无锡"],
    )
    assert region_name(None) == "—"

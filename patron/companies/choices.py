from django.db import models
from django.utils.translation import gettext_lazy as _


class CompanySize(models.TextChoices):
    MICRO = "micro", _("1–9 employees")
    SMALL = "small", _("10–49 employees")
    MEDIUM = "medium", _("50–249 employees")
    LARGE = "large", _("250–999 employees")
    ENTERPRISE = "enterprise", _("1000+ employees")


class CreditRating(models.TextChoices):
    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    BBB = "BBB", "BBB"
    BB = "BB", "BB"
    B = "B", "B"
    C = "C", "C"


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    RETAIL = "retail", _("Retail & e-commerce")
    SOFTWARE = "software", _("Software & internet")
    FINANCE = "finance", _("Finance")
    EDUCATION = "education", _("Education")
    HEALTHCARE = "healthcare", _("Healthcare")
    LOGISTICS = "logistics", _("Logistics")
    REAL_ESTATE = "real_estate", _("Real estate")
    MEDIA = "media", _("Media & advertising")
    GOVERNMENT = "government", _("Government & public")
    HOSPITALITY = "hospitality", _("Hospitality")
    PROFESSIONAL = "professional", _("Professional services")


class BuyingRole(models.TextChoices):
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    ALLY = "ally", _("Ally")
    BAG_OF_WIND = "bag_of_wind", _("Bag of wind")
    UNKNOWN = "unknown", _("Unknown")


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    OPPOSER = "opposer", _("Opposer")


class Stage(models.TextChoices):
    """Lifecycle stage of a company in a month (SPEC §2)."""

    PROSPECT = "prospect", _("Prospect")
    NEW_CUSTOMER = "new_customer", _("New customer")
    ACCOUNT = "account", _("Account")
    VISITOR = "visitor", _("Visitor")
    LAPSED = "lapsed", _("Lapsed")

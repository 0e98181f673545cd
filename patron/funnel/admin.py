from django.contrib import admin

from patron.funnel.models import (
    MarketingRule,
    Opportunity,
    OpportunityHandoff,
    OpportunityStage,
    Play,
    RoleSpell,
    SlaPolicy,
)


@admin.register(OpportunityStage)
class OpportunityStageAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "probability", "is_active")


@admin.register(Play)
class PlayAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")


@admin.register(MarketingRule)
class MarketingRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "sources", "title_keywords")
    raw_id_fields = ("region",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("kind", "target_hours", "day_start", "day_end", "is_active")


@admin.register(RoleSpell)
class RoleSpellAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "started_on", "ended_on")
    raw_id_fields = ("user",)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    """Read-only: opportunities change through the funnel's services (audited)."""

    list_display = ("external_id", "name", "company", "stage_number", "status", "owner")
    list_filter = ("status", "stage_number")
    search_fields = ("external_id", "name")
    raw_id_fields = ("company", "contact", "lead", "owner", "source_sdr", "order")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(OpportunityHandoff)
class OpportunityHandoffAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "from_user", "to_user", "handed_at", "status", "reason")
    raw_id_fields = ("opportunity", "from_user", "to_user")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

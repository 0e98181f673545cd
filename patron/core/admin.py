from django.contrib import admin

from patron.core.models import AuditEvent, CalendarDay, CurrencyRate, Organization


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


class CurrencyRateInline(admin.TabularInline):
    model = CurrencyRate
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "currency", "lapse_months", "upsell_threshold")
    inlines = [CurrencyRateInline, CalendarDayInline]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        rules = {"time_zone", "lapse_months", "upsell_threshold", "handoff_rule"}
        if change and rules.intersection(form.changed_data):
            # the stored lifecycle follows the rules: recompute it with the new settings
            from patron.lifecycle.services import lifecycle_recompute

            lifecycle_recompute(organization=obj)
        if change and "time_zone" in form.changed_data:
            # the funnel's daily roll-up counts local days: count them again in the new zone
            from patron.funnel.rollup import rebuild_all

            rebuild_all(obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "source", "action", "content_type", "object_repr")
    list_filter = ("action", "source", "content_type")
    search_fields = ("object_repr", "actor_label")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "source", "action", "content_type", "object_repr")
    list_filter = ("action", "source", "content_type")
    search_fields = ("object_repr", "actor_label")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

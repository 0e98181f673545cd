from django.contrib import admin

from patron.leads.models import Lead


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("external_id", "company_name", "contact_name", "owner", "status", "mql_at")
    list_filter = ("status", "industry")
    search_fields = ("external_id", "company_name", "contact_name", "email", "phone")
    raw_id_fields = ("owner", "team", "region", "company", "contact")

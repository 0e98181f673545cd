from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from patron.accounts.models import ApiToken, Team, User, UserRole
from patron.leads.touches import first_touch_refresh


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "team", "is_active")
    list_filter = ("team", "roles__role", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("Patron", {"fields": ("organization", "team", "display_name", "phone")}),
    )
    inlines = [UserRoleInline]

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        user = form.instance
        if user.organization_id is not None:
            # who holds a hunter role decides which touches count (patron.leads.touches)
            first_touch_refresh(organization=user.organization, user_ids=[user.pk])


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "manager", "region")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash",)

"""Users, roles and teams."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.core.models import Organization, OrgScopedModel


class Role(models.TextChoices):
    MANAGER = "manager", _("Sales manager")
    BDM = "bdm", _("BDM")
    SDR = "sdr", _("SDR")
    AE = "ae", _("AE")
    AM = "am", _("AM")
    CX_MANAGER = "cx_manager", _("CX manager")
    ADMIN = "admin", _("Admin")


class Team(OrgScopedModel):
    name = models.CharField(_("name"), max_length=100)
    manager = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
        verbose_name=_("manager"),
    )
    region = models.ForeignKey(
        "companies.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams",
        verbose_name=_("territory"),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="team_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PatronUserManager(UserManager["User"]):
    def _create_user_object(self, username, email, password, **extra_fields):  # type: ignore[no-untyped-def]
        extra_fields.setdefault("organization", Organization.objects.get_default())
        return super()._create_user_object(username, email, password, **extra_fields)  # type: ignore[misc]


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="users", verbose_name=_("organization")
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("team"),
    )
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    objects = PatronUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def role_codes(self) -> set[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = set(self.roles.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.has_role(Role.ADMIN)


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("user role")
        verbose_name_plural = _("user roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="user_role_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[choice.value for choice in Role]),
                name="user_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["role", "user"], name="user_role_by_role")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(OrgScopedModel):
    """An API token; only its SHA-256 is stored, the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    @staticmethod
    def generate() -> str:
        """A new raw token. Its body (and so its prefix) never starts with "-", which
        ``patron token revoke PREFIX`` would read as an option (1 token in 64 did)."""
        while (body := secrets.token_urlsafe(32)).startswith("-"):
            pass
        return "ptn_" + body

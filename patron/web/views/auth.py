"""Sign in and sign out (Django's auth views with Patron's templates)."""

from __future__ import annotations

from django.contrib.auth.views import LoginView, LogoutView


class PatronLoginView(LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class PatronLogoutView(LogoutView):
    """Sign out; POST only (Django refuses GET)."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from patron.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("patron.web.urls")),
]
_ = i18n_patterns  # language is chosen by cookie/session, not URL prefix

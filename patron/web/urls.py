from django.urls import path
from django.views.generic import RedirectView

from patron.web.views import auth, companies, dashboard
from patron.web.views import calls as calls_views
from patron.web.views import funnel as funnel_views
from patron.web.views import funnel_settings as funnel_settings_views
from patron.web.views import leads as lead_views
from patron.web.views import pipeline as pipeline_views
from patron.web.views import prospecting as prospecting_views
from patron.web.views import refine as refine_views
from patron.web.views import sla as sla_views

app_name = "web"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("dashboard/lifecycle/", dashboard.lifecycle_widget, name="dashboard-lifecycle"),
    path("dashboard/history/", dashboard.history_widget, name="dashboard-history"),
    path("dashboard/indicators/", dashboard.indicators_widget, name="dashboard-indicators"),
    path("companies/", companies.company_list_view, name="company-list"),
    path("companies/<int:company_id>/", companies.company_detail_view, name="company-detail"),
    path("leads/", lead_views.lead_list_view, name="lead-list"),
    path("leads/<int:lead_id>/", lead_views.lead_detail_view, name="lead-detail"),
    path("leads/import/", lead_views.lead_import_view, name="lead-import"),
    path("leads/import/<str:token>/", lead_views.lead_import_map_view, name="lead-import-map"),
    path(
        "leads/import/<str:token>/rejects/",
        lead_views.lead_import_rejects_view,
        name="lead-import-rejects",
    ),
    path("leads/duplicates/", lead_views.duplicate_list_view, name="lead-duplicates"),
    path(
        "leads/duplicates/<int:duplicate_id>/",
        lead_views.duplicate_detail_view,
        name="lead-duplicate",
    ),
    path(
        "leads/duplicates/<int:duplicate_id>/<str:action>/",
        lead_views.duplicate_action_view,
        name="lead-duplicate-action",
    ),
    path("pipeline/", pipeline_views.board_view, name="pipeline"),
    path("pipeline/<int:opportunity_id>/move/", pipeline_views.move_view, name="pipeline-move"),
    path("opportunities/new/", pipeline_views.opportunity_new_view, name="opportunity-new"),
    path(
        "opportunities/<int:opportunity_id>/",
        pipeline_views.opportunity_detail_view,
        name="opportunity-detail",
    ),
    path(
        "opportunities/<int:opportunity_id>/<str:action>/",
        pipeline_views.opportunity_action_view,
        name="opportunity-action",
    ),
    path("funnel/", funnel_views.funnel_view, name="funnel"),
    path("funnel/summary/", funnel_views.funnel_summary_widget, name="funnel-summary"),
    path("funnel/trend/", funnel_views.funnel_trend_widget, name="funnel-trend"),
    path("funnel/people/", funnel_views.funnel_people_widget, name="funnel-people"),
    path("funnel/headcount/", funnel_views.headcount_view, name="headcount"),
    path("funnel/sla/", sla_views.sla_view, name="sla"),
    path("funnel/sla/policy/<str:kind>/", sla_views.sla_policy_view, name="sla-policy"),
    path("funnel/sla/calendar/<str:action>/", sla_views.calendar_view, name="sla-calendar"),
    path("funnel/alerts/", sla_views.sla_alerts_widget, name="sla-alerts"),
    path("funnel/settings/", funnel_settings_views.settings_view, name="funnel-settings"),
    path(
        "funnel/settings/<str:area>/",
        funnel_settings_views.settings_action_view,
        name="funnel-settings-action",
    ),
    path("calls/", calls_views.calls_view, name="calls"),
    path("calls/leads/<int:lead_id>/log/", calls_views.call_log_view, name="call-log"),
    path("prospecting/refine/", refine_views.refine_view, name="refine"),
    path("prospecting/refine/accept/", refine_views.refine_accept_view, name="refine-accept"),
    path("prospecting/profile/", prospecting_views.profile_view, name="prospecting-profile"),
    path("prospecting/synonyms/", prospecting_views.synonyms_view, name="prospecting-synonyms"),
    path(
        "prospecting/triggers/add/",
        prospecting_views.trigger_add_view,
        name="prospecting-trigger-add",
    ),
    # the old address of the lead page: old links and bookmarks land on the one lead page
    path(
        "prospecting/leads/<int:lead_id>/",
        RedirectView.as_view(pattern_name="web:lead-detail", permanent=True),
        name="prospecting-lead",
    ),
    path(
        "prospecting/leads/<int:lead_id>/involvement/",
        prospecting_views.involvement_view,
        name="prospecting-involvement",
    ),
    path("login/", auth.PatronLoginView.as_view(), name="login"),
    path("logout/", auth.PatronLogoutView.as_view(), name="logout"),
]

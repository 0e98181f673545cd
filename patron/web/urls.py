from django.urls import path

from patron.web.views import auth, companies, dashboard

app_name = "web"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("dashboard/lifecycle/", dashboard.lifecycle_widget, name="dashboard-lifecycle"),
    path("dashboard/history/", dashboard.history_widget, name="dashboard-history"),
    path("dashboard/indicators/", dashboard.indicators_widget, name="dashboard-indicators"),
    path("companies/", companies.company_list_view, name="company-list"),
    path("companies/<int:company_id>/", companies.company_detail_view, name="company-detail"),
    path("login/", auth.PatronLoginView.as_view(), name="login"),
    path("logout/", auth.PatronLogoutView.as_view(), name="logout"),
]

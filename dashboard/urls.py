from django.urls import path

from dashboard import household, views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/status/", views.status, name="status"),
    path("portfolios/<int:pk>/", views.portfolio_dashboard, name="portfolio"),
    path("household/dashboard/", household.household_dashboard, name="household"),
    path("help/metrics/", views.metrics_help, name="metrics_help"),
]

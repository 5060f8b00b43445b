from django.urls import path

from dashboard import calendar_views, views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/status/", views.status, name="status"),
    path("portfolios/<int:pk>/", views.portfolio_dashboard, name="portfolio"),
    path("dashboard/calendar/", calendar_views.calendar, name="calendar"),
    path(
        "portfolios/<int:pk>/calendar/",
        calendar_views.portfolio_calendar,
        name="portfolio_calendar",
    ),
    path("help/metrics/", views.metrics_help, name="metrics_help"),
]

from django.urls import path

from dashboard import calendar_views, feed_views, household, views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/status/", views.status, name="status"),
    path("portfolios/<int:pk>/", views.portfolio_dashboard, name="portfolio"),
    path("household/dashboard/", household.household_dashboard, name="household"),
    path("household/calendar/", household.household_calendar, name="household_calendar"),
    path("dashboard/calendar/", calendar_views.calendar, name="calendar"),
    path(
        "portfolios/<int:pk>/calendar/",
        calendar_views.portfolio_calendar,
        name="portfolio_calendar",
    ),
    path("feeds/<str:token>.ics", feed_views.feed, name="feed"),
    path("dashboard/calendar/feed/new/", feed_views.feed_create, name="feed_create"),
    path("dashboard/calendar/feed/revoke/", feed_views.feed_revoke, name="feed_revoke"),
    path("help/metrics/", views.metrics_help, name="metrics_help"),
]

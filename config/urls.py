from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from config.health import health

# The admin signs in through allauth's pages, so two-factor and the log-in rate
# limits hold there too; its own password form would skip both.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", TemplateView.as_view(template_name="landing.html"), name="landing"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("dashboard.urls")),
    path("", include("portfolio.urls")),
    path("", include("dataport.urls")),
    path("", include("notifications.urls")),
    path("goals/", include("goals.urls")),
    path("household/", include("households.urls")),
    path("api/", include("api.urls")),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
]

handler500 = "config.middleware.server_error"

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    # The link of every e-mail, and its List-Unsubscribe header.
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # Where e-mails sent before the move pointed; those links keep working.
    path("goals/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe_old"),
]

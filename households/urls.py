from django.urls import path

from households import views

app_name = "households"

urlpatterns = [
    path("", views.household, name="household"),
    path("new/", views.household_create, name="create"),
    path("invite/", views.invite, name="invite"),
    path("leave/", views.leave, name="leave"),
    path("invitations/<int:pk>/cancel/", views.invitation_cancel, name="invitation_cancel"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("members/<int:pk>/make-creator/", views.creator_hand_over, name="hand_over"),
    path("join/<str:token>/", views.invitation, name="invitation"),
    path("join/<str:token>/accept/", views.invitation_accept, name="invitation_accept"),
    path("join/<str:token>/decline/", views.invitation_decline, name="invitation_decline"),
]

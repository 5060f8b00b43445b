"""Households: create, invite by e-mail, accept or decline, leave, remove, hand over.

The e-mails are read back from the real SMTP server; the invitation's link is
the one a person clicks.
"""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from django.urls import reverse

from households import invitations, services
from households.models import Household, Invitation, Membership
from tests.factories import PASSWORD, UserFactory
from tests.helpers import texts

pytestmark = pytest.mark.django_db


def invite(client, email: str):
    return client.post(reverse("households:invite"), {"email": email})


def test_create_a_household(client, alice):
    client.force_login(alice)
    assert "Create a household" in client.get(reverse("households:household")).text
    response = client.post(reverse("households:create"), {"name": "  Home "})
    assert response.status_code == 302
    membership = Membership.objects.get(user=alice)
    assert (membership.household.name, membership.is_creator) == ("Home", True)
    page = client.get(reverse("households:household")).text
    assert "<h1>Home</h1>" in page and "Creator" in page


def test_the_invite_form_tells_how_long_the_link_works(client, alice, home):
    """The form, the e-mail and the link's check read one number."""
    client.force_login(alice)
    page = client.get(reverse("households:household")).text
    assert f"works for {invitations.MAX_AGE.days} days" in page


def test_a_blank_name_is_refused_and_nothing_is_made(client, alice):
    client.force_login(alice)
    response = client.post(reverse("households:create"), {"name": "   "})
    assert response.status_code == 400
    assert "Give the household a name." in response.text
    assert not Household.objects.exists()


def test_a_member_cannot_create_a_second_household(client, alice, home):
    client.force_login(alice)
    response = client.post(reverse("households:create"), {"name": "Office"})
    assert "You are already in a household" in texts(response)[0]
    assert Household.objects.count() == 1


def test_invitation_accepted_from_the_e_mail_link(
    client, alice, bob, home, smtp_server, eager, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, "Bob@Example.com")
    assert texts(response) == ["Invitation sent to Bob@Example.com."]

    message = smtp_server.wait_for("Bob@Example.com")
    assert message["Subject"].strip() == "alice@example.com invites you to the household “Home”"
    assert "List-Unsubscribe" not in message  # it answers what Alice did, not a subscription
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Answer the invitation</a>" in html and "Wealth Ratio" in html
    path = smtp_server.path(message, "/household/join/")

    client.force_login(bob)
    page = client.get(path)
    assert page.status_code == 200 and "Join “Home”?" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path + "accept/")
    assert response.status_code == 302
    assert Membership.objects.get(user=bob).household == home
    assert not Invitation.objects.exists()
    # Alice hears of it.
    joined = smtp_server.wait_for("alice@example.com")
    assert joined["Subject"].strip() == "bob@example.com joined “Home”"
    assert "http://localhost:8000/household/" in smtp_server.text(joined)
    # The link is spent.
    assert client.get(path).status_code == 404


def test_an_invitee_without_an_account_signs_up_and_lands_back(
    client, alice, home, eager, smtp_server
):
    invitation = services.invitation_create(by=alice, email="carol@example.com")
    path = invitations.invitation_path(invitation)
    page = client.get(path)
    assert "Log in, or sign up with that address" in page.text
    # The sign-up link brings the invited address, so the form starts with it.
    (signup_link,) = re.findall(r'href="([^"]*next=[^"]*)">Sign up<', page.text)
    form = client.get(html.unescape(signup_link)).context["form"]
    assert form["email"].value() == "carol@example.com"
    signup = client.post(
        reverse("account_signup") + f"?next={path}",
        {
            "email": "carol@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "currency": "EUR",
            "time_zone": "Europe/Paris",
        },
    )
    assert signup.status_code == 302
    confirm = smtp_server.path(smtp_server.wait_for("carol@example.com"), "/confirm-email/")
    client.post(confirm)
    # Logging in after confirming the address (no ``next`` any more) comes back here.
    response = client.post(
        reverse("account_login"), {"login": "carol@example.com", "password": PASSWORD}
    )
    assert response["Location"] == path
    assert client.post(path + "accept/").status_code == 302
    assert Membership.objects.get(user__email="carol@example.com").household == home


def test_decline(client, alice, bob, home):
    invitation = services.invitation_create(by=alice, email=bob.email)
    client.force_login(bob)
    path = invitations.invitation_path(invitation)
    response = client.post(path + "decline/")
    assert texts(response) == ["You declined the invitation to “Home”."]
    assert not Invitation.objects.exists()
    assert not Membership.objects.filter(user=bob).exists()


def test_only_the_addressee_may_answer(client, alice, bob, home):
    invitation = services.invitation_create(by=alice, email=bob.email)
    eve = UserFactory(email="eve@example.com")
    client.force_login(eve)
    path = invitations.invitation_path(invitation)
    assert "log in with that address" in client.get(path).text
    response = client.post(path + "accept/")
    assert "This invitation was sent to bob@example.com" in texts(response)[0]
    assert not Membership.objects.filter(user=eve).exists()
    assert Invitation.objects.exists()


def test_a_member_of_another_household_must_leave_first(client, alice, bob, home):
    services.household_create(user=bob, name="Bob's")
    invitation = services.invitation_create(by=alice, email=bob.email)
    client.force_login(bob)
    response = client.post(invitations.invitation_path(invitation) + "accept/")
    assert "already in a household" in texts(response)[0]
    assert Membership.objects.get(user=bob).household.name == "Bob's"


def test_an_expired_or_forged_link_is_refused(client, alice, bob, home):
    invitation = services.invitation_create(by=alice, email=bob.email)
    path = invitations.invitation_path(invitation)
    client.force_login(bob)
    forged = path.replace("/join/", "/join/x")
    assert "not valid" in client.get(forged).text
    with time_machine.travel(
        invitations.MAX_AGE * 1.01 + invitation.created_at.replace(tzinfo=None)
    ):
        response = client.post(path + "accept/")
    assert response.status_code == 404 and "expired" in response.text
    assert not Membership.objects.filter(user=bob).exists()


def test_inviting_again_replaces_the_old_link(client, alice, bob, home):
    old = invitations.invitation_path(services.invitation_create(by=alice, email=bob.email))
    new = invitations.invitation_path(services.invitation_create(by=alice, email="BOB@example.com"))
    client.force_login(bob)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert Invitation.objects.count() == 1


def test_only_the_creator_invites(client, bob, couple):
    client.force_login(bob)
    response = invite(client, "dan@example.com")
    assert texts(response) == ["Only the household's creator manages its members."]
    assert not Invitation.objects.exists()


def test_inviting_a_member_or_oneself_is_refused(client, alice, couple):
    client.force_login(alice)
    assert "already a member" in texts(invite(client, "bob@example.com"))[0]
    response = invite(client, "alice@example.com")
    assert response.status_code == 400 and "You are in the household already." in response.text
    assert "Enter a valid email address." in invite(client, "not an address").text
    assert not Invitation.objects.exists()


def test_leave(client, bob, couple):
    client.force_login(bob)
    response = client.post(reverse("households:leave"))
    assert texts(response) == ["You left “Home”: it sees nothing of yours now."]
    assert not Membership.objects.filter(user=bob).exists()
    assert couple.memberships.count() == 1


def test_the_creator_leaving_hands_the_role_to_the_longest_member(client, alice, bob, couple):
    client.force_login(alice)
    client.post(reverse("households:leave"))
    assert Membership.objects.get(user=bob).is_creator


def test_the_last_member_leaving_closes_the_household(client, alice, home):
    services.invitation_create(by=alice, email="x@example.com")
    client.force_login(alice)
    client.post(reverse("households:leave"))
    assert not Household.objects.exists() and not Invitation.objects.exists()


def test_the_creator_removes_a_member_who_is_told(
    client, alice, bob, couple, smtp_server, eager, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    membership = Membership.objects.get(user=bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:member_remove", args=[membership.pk]))
    assert texts(response) == ["bob@example.com is no longer a member."]
    assert not Membership.objects.filter(user=bob).exists()
    message = smtp_server.wait_for("bob@example.com")
    assert message["Subject"].strip() == "You are no longer a member of “Home”"
    assert "Your portfolios are private again" in smtp_server.text(message)


def test_the_creator_hands_the_role_over(client, alice, bob, couple):
    client.force_login(alice)
    membership = Membership.objects.get(user=bob)
    client.post(reverse("households:hand_over", args=[membership.pk]))
    assert Membership.objects.get(user=bob).is_creator
    assert not Membership.objects.get(user=alice).is_creator
    # Alice is an ordinary member now.
    response = client.post(reverse("households:member_remove", args=[membership.pk]))
    assert texts(response)[-1] == "Only the household's creator manages its members."
    assert Membership.objects.filter(user=bob).exists()


def test_members_and_invitations_of_another_household_are_404(client, alice, bob, couple):
    other = UserFactory(email="zed@example.com")
    services.household_create(user=other, name="Elsewhere")
    invitation = services.invitation_create(by=alice, email="dan@example.com")
    client.force_login(other)
    bob_membership = Membership.objects.get(user=bob)
    for name, pk in [
        ("households:member_remove", bob_membership.pk),
        ("households:hand_over", bob_membership.pk),
        ("households:invitation_cancel", invitation.pk),
    ]:
        assert client.post(reverse(name, args=[pk])).status_code == 404
    assert Membership.objects.filter(user=bob).exists() and Invitation.objects.exists()


def test_deleting_the_creator_s_account_hands_the_role_over(alice, bob, couple):
    alice.delete()
    assert Membership.objects.get(user=bob).is_creator
    bob.delete()
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["households:create", "households:invite", "households:leave"],
)
def test_get_where_post_is_needed_is_405(client, alice, name):
    client.force_login(alice)
    assert client.get(reverse(name)).status_code == 405


def test_the_pages_need_a_log_in(client):
    response = client.get(reverse("households:household"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

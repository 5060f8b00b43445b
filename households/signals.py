"""What happens in a household, for the layers above to act on (e-mails, sharing).

Sent inside the change's transaction; a listener that does something outside the
database (an e-mail) waits for the commit itself.
"""

from __future__ import annotations

from django.dispatch import Signal

#: ``invitation``: an invitation was made (or made again) and its e-mail is due.
invitation_created = Signal()
#: ``membership``: a user accepted an invitation and joined.
member_joined = Signal()
#: ``user_id``, ``household_id``, ``removed`` (by the creator, or left by choice):
#: the user is no longer a member, and sees nothing of the household from now on.
member_left = Signal()
#: ``household_id``, ``user_id`` (the new creator): the creator role changed hands,
#: and with it the household's base currency and time zone.
creator_changed = Signal()

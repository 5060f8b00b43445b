"""The SMTP client pipelines MAIL, RCPT and DATA when the server offers it, and reads
the server's answers exactly as smtplib does: a real aiosmtpd server, with and
without PIPELINING."""

from __future__ import annotations

import contextlib
import smtplib

import pytest

from notifications.emails import classify_smtp_error
from notifications.smtp import EmailBackend, PipeliningSMTP

MESSAGE = (
    b"From: noreply@example.com\r\n"
    b"To: ada@example.com\r\n"
    b"Subject: Your January\r\n"
    b"\r\n"
    b"Your ratio is 12%.\r\n"
    b".A line that starts with a period\r\n"
    b"..and one with two."
)


class CountingSMTP(PipeliningSMTP):
    """The client, counting what it writes to the server."""

    def __init__(self, *args, **kwargs):
        self.writes: list[bytes] = []
        super().__init__(*args, **kwargs)

    def send(self, s):
        self.writes.append(s.encode() if isinstance(s, str) else s)
        super().send(s)


@pytest.fixture
def client(mail):
    connection = CountingSMTP(mail.host, mail.port, timeout=5)
    connection.ehlo()
    connection.writes.clear()
    yield connection
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        connection.quit()


def test_one_write_carries_the_envelope_and_one_the_message(mail, client):
    assert client.sendmail("noreply@example.com", ["ada@example.com"], MESSAGE) == {}

    assert len(client.writes) == 2
    envelope = client.writes[0].decode().lower()
    assert envelope.startswith("mail from:<noreply@example.com> size=")
    assert "rcpt to:<ada@example.com>\r\ndata\r\n" in envelope
    received = mail.wait_for("ada@example.com")
    # The periods were doubled on the way and taken back by the server: the lines as written.
    assert mail.text(received).splitlines()[-2:] == [
        ".A line that starts with a period",
        "..and one with two.",
    ]
    assert received["Subject"] == "Your January"


def test_a_message_without_a_line_that_starts_with_a_period_goes_as_written(mail, client):
    message = b"Subject: Your January\r\n\r\nYour ratio is 12%.\r\nAt the end: .5 points.\r\n"

    client.sendmail("noreply@example.com", ["ada@example.com"], message)

    assert client.writes[1] == message + b".\r\n"
    assert mail.text(mail.wait_for("ada@example.com")).splitlines()[-1] == "At the end: .5 points."


def test_a_period_at_the_very_start_of_the_message_is_doubled_too(mail, client):
    client.sendmail("noreply@example.com", ["ada@example.com"], b".\r\nSubject: Hi\r\n\r\nHi")

    # Alone on its line, a single period would have ended the message there.
    assert client.writes[1] == b"..\r\nSubject: Hi\r\n\r\nHi\r\n.\r\n"
    mail.wait_for("ada@example.com")


def test_without_pipelining_the_server_gets_one_command_at_a_time(mail, client):
    mail.pipelining = False
    client.ehlo()  # read the server's extensions again
    client.writes.clear()

    client.sendmail("noreply@example.com", ["ada@example.com"], MESSAGE)

    assert len(client.writes) == 4  # MAIL, RCPT, DATA, the message
    assert mail.text(mail.wait_for("ada@example.com")).splitlines()[-1] == "..and one with two."


def test_a_refused_recipient_raises_as_smtplib_does_and_the_connection_goes_on(mail, client):
    mail.refuse_rcpt = ["550 5.1.1 No such user here"]

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("noreply@example.com", ["gone@example.com"], MESSAGE)

    assert refused.value.recipients == {"gone@example.com": (550, b"5.1.1 No such user here")}
    assert classify_smtp_error(refused.value) == (
        True,
        "gone@example.com: 550 5.1.1 No such user here",
    )
    # The transaction was reset: the next message goes through on the same connection.
    client.sendmail("noreply@example.com", ["ada@example.com"], MESSAGE)
    assert len(mail.to("ada@example.com")) == 1
    assert mail.to("gone@example.com") == []


def test_a_recipient_to_try_later_is_not_permanent(mail, client):
    mail.refuse_rcpt = ["451 4.3.0 Try again later"]

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("noreply@example.com", ["ada@example.com"], MESSAGE)

    assert classify_smtp_error(refused.value)[0] is False


def test_one_refused_recipient_of_two_leaves_the_other_the_message(mail, client):
    mail.refuse_rcpt = ["550 5.1.1 No such user here"]

    refused = client.sendmail(
        "noreply@example.com", ["gone@example.com", "ada@example.com"], MESSAGE
    )

    assert refused == {"gone@example.com": (550, b"5.1.1 No such user here")}
    assert mail.wait_for("ada@example.com")["X-Envelope-To"] == "ada@example.com"


def test_a_refused_sender_raises_sender_refused(mail, client):
    mail.refuse_mail = ["553 5.7.1 Sender not allowed"]

    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        client.sendmail("noreply@example.com", ["ada@example.com"], MESSAGE)

    assert refused.value.smtp_code == 553
    assert mail.messages == []
    client.sendmail("noreply@example.com", ["ada@example.com"], MESSAGE)
    assert len(mail.to("ada@example.com")) == 1


def test_a_server_hanging_up_mid_envelope_is_a_dropped_connection(mail, client):
    mail.hang_up_at_rcpt = 1

    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.sendmail("noreply@example.com", ["ada@example.com"], MESSAGE)

    assert classify_smtp_error(smtplib.SMTPServerDisconnected("gone"))[0] is False
    assert mail.messages == []


def test_the_backend_of_the_settings_uses_the_pipelining_client(mail, settings):
    backend = EmailBackend()
    backend.open()
    try:
        assert isinstance(backend.connection, PipeliningSMTP)
        backend.connection.ehlo()
        assert backend.connection.has_extn("pipelining")
    finally:
        backend.close()
    assert settings.EMAIL_BACKEND == "notifications.smtp.EmailBackend"

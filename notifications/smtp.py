"""Django's SMTP backend, sending each message's envelope in one go where the server
offers PIPELINING (RFC 2920), as every common mail server does.

smtplib waits for the server's answer to MAIL, then to each RCPT, then to DATA
before it sends the message: four round trips a message. Pipelined, MAIL, the
RCPTs and DATA leave together and their answers are read together, then the
message: two round trips, and half the wake-ups of the thread that sends
(docs/emails.md). A server that does not offer it gets smtplib's conversation.
The answers are judged as smtplib judges them and raise the same exceptions, so
``notifications.emails.classify_smtp_error`` reads them alike.
"""

from __future__ import annotations

import functools
import re
import smtplib

from django.conf import settings
from django.core.mail.backends import smtp
from django.core.mail.message import sanitize_address

_CLOSING = 421  # the server is closing the connection
# RFC 5321 4.5.2: a line of the message that starts with a period gets another.
_LEADING_PERIOD = re.compile(rb"(?m)^\.")


def _dot_stuffed(msg: bytes) -> bytes:
    # Few messages have a line that starts with a period (base64, HTML and text
    # lines rarely do); looking for one costs a fraction of rewriting the message.
    if msg.startswith(b".") or b"\n." in msg:
        return _LEADING_PERIOD.sub(b"..", msg)
    return msg


class _Pipelining:
    """``sendmail`` of ``smtplib.SMTP``, pipelined when the server offers it."""

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        self.ehlo_or_helo_if_needed()
        # Django sends bytes and no options; anything else goes smtplib's way.
        plain = not isinstance(msg, bytes) or mail_options or rcpt_options
        if plain or not self.has_extn("pipelining"):
            return super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)
        to_addrs = [to_addrs] if isinstance(to_addrs, str) else list(to_addrs)
        size = f" size={len(msg)}" if self.has_extn("size") else ""
        commands = [
            f"mail FROM:{smtplib.quoteaddr(from_addr)}{size}",
            *(f"rcpt TO:{smtplib.quoteaddr(address)}" for address in to_addrs),
            "data",
        ]
        self.send("".join(f"{command}\r\n" for command in commands))
        replies = []
        for _command in commands:
            replies.append(self.getreply())
            if replies[-1][0] == _CLOSING:
                break  # nothing more will come: the server hangs up
        (code, message), *answers = replies
        if code == _CLOSING:
            self.close()
            raise smtplib.SMTPSenderRefused(code, message, from_addr)
        refused = {
            address: answer
            for address, answer in zip(to_addrs, answers, strict=False)
            if answer[0] not in (250, 251)
        }
        if any(answer[0] == _CLOSING for answer in answers[: len(to_addrs)]):
            self.close()
            raise smtplib.SMTPRecipientsRefused(refused)
        data_code, data_message = answers[-1]
        if data_code == _CLOSING:
            self.close()
            raise smtplib.SMTPDataError(data_code, data_message)
        if code != 250 or len(refused) == len(to_addrs) or data_code != 354:
            if data_code == 354:
                # The server waits for a message after all: an empty one, then RSET
                # throws it away (RFC 2920 3.1).
                self.send(b".\r\n")
                self.getreply()
            self._rset()
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, message, from_addr)
            if len(refused) == len(to_addrs):
                raise smtplib.SMTPRecipientsRefused(refused)
            raise smtplib.SMTPDataError(data_code, data_message)
        body = _dot_stuffed(msg)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body + b".\r\n")
        code, message = self.getreply()
        if code != 250:
            if code == _CLOSING:
                self.close()
            else:
                self._rset()
            raise smtplib.SMTPDataError(code, message)
        return refused


class PipeliningSMTP(_Pipelining, smtplib.SMTP):
    pass


class PipeliningSMTPSSL(_Pipelining, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    """``django.core.mail.backends.smtp.EmailBackend`` over the pipelining clients."""

    @property
    def connection_class(self):
        return PipeliningSMTPSSL if self.use_ssl else PipeliningSMTP

    def _send(self, email_message):
        """Django's ``_send``, without parsing the addresses it need not parse.

        ``sanitize_address`` parses each address with ``email.headerregistry``, a
        good part of what this thread spends on a message outside the socket. The
        sender's is the same on every message: sanitized once per process. A
        recipient's is new each time, but most are plain ASCII ``local@host``, which
        it gives back as they are (``sanitized_recipient``)."""
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        sender = email_message.from_email
        from_email = _sanitized(sender if isinstance(sender, tuple) else str(sender), encoding)
        recipients = [sanitized_recipient(addr, encoding) for addr in email_message.recipients()]
        message = email_message.message()
        try:
            self.connection.sendmail(from_email, recipients, message.as_bytes(linesep="\r\n"))
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


@functools.lru_cache(maxsize=64)
def _sanitized(address: str | tuple[str, str], encoding: str) -> str:
    return sanitize_address(address, encoding)


# An address that sanitize_address returns unchanged: ASCII without a display name,
# a dot-atom local part (RFC 5322 atext), and a host of letters, digits and hyphens
# whose labels are 1 to 63 characters (what the IDNA codec passes as it is).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9-]{1,63}"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")


def sanitized_recipient(address, encoding: str) -> str:
    """``sanitize_address(address, encoding)``, without parsing a plain address."""
    if isinstance(address, str) and _PLAIN_ADDRESS.fullmatch(address):
        return address
    return sanitize_address(address, encoding)

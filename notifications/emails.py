"""E-mails about progress (docs/emails.md): one helper renders them, one sends them exactly once.

Rendering: ``emails/<name>-subject.txt``, ``-body.txt`` and ``-body.html`` become
one ``EmailMultiAlternatives`` (text, then HTML with its inline images), with the
CSS inlined for mail clients, a Message-ID and Date, and the one-click unsubscribe
headers of RFC 8058 pointing at a signed, time-stamped token.

Sending (``deliver``): ten e-mails at a time (``CLAIM_CHUNK``), render, then
*claim* their ``SentEmail`` rows (one INSERT that skips the keys someone holds on
the unique key user, kind, period; only one sender can win each), talk to the SMTP
server over the worker's kept connection, on a thread of its own while the next ten
are rendered, then mark the sent rows with one conditional UPDATE. Rows left
``pending`` by a worker that died mid-chunk are never sent again automatically:
this is the at-most-once side of the trade-off, explained in docs/emails.md. SMTP
trouble that may pass (server away, 4xx) releases the row, and the chunk's untried
ones, as ``deferred`` and raises ``TransientSendError`` so the task retries later;
a 5xx refusal of the recipient or the message marks the row ``failed`` with the
server's reason.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import secrets
import smtplib
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from email._policybase import Compat32
from email.generator import NLCRE, BytesGenerator
from email.mime.image import MIMEImage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEMultipart
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from config.tasks import TRANSIENT
from notifications.models import SentEmail

logger = logging.getLogger(__name__)

Kind = SentEmail.Kind
Status = SentEmail.Status

# The user's switch for each kind (accounts.User); all on by default.
PREFERENCE_FIELDS = {
    Kind.MONTHLY: "email_monthly_progress",
    Kind.REMINDER: "email_log_reminder",
    Kind.MILESTONE: "email_milestones",
    Kind.NEW_YEAR: "email_new_year",
}
# What the unsubscribe page says the user stops receiving.
KIND_NAMES = {
    Kind.MONTHLY: "monthly progress e-mails",
    Kind.REMINDER: "reminders to record last month",
    Kind.MILESTONE: "milestone e-mails",
    Kind.NEW_YEAR: "new-year goal invitations",
}

# A claim older than this whose row is still ``pending`` belongs to a worker that
# died (the send tasks' hard time limit is shorter): its outcome is unknown.
STALE_AFTER = timedelta(minutes=20)

# --- Unsubscribe tokens ------------------------------------------------------------

UNSUBSCRIBE_SALT = "goals.emails.unsubscribe"  # kept: links already sent still work
# Long enough for an old e-mail's link to keep working; the stamp still lets a
# leaked link expire.
UNSUBSCRIBE_MAX_AGE = timedelta(days=365)


class BadToken(Exception):
    """The token was tampered with, made for something else, or has expired."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: str, version: int = 0) -> str:
    """A URL-safe token that lets its holder turn off ``kind`` for ``user_id``, and nothing else.

    ``version`` is the user's ``email_preferences_version`` when the token is made:
    once the user changes a choice, the token is from before it and is refused.
    """
    payload = {"u": user_id, "k": str(kind), "v": version}
    return _signer().sign_object(payload, compress=False)


def read_unsubscribe_token(token: str) -> tuple[int, str, int]:
    """(user id, kind, version) of a token from ``unsubscribe_token``; ``BadToken`` otherwise.

    A token made before tokens carried a version is of version 0.
    """
    try:
        payload = _signer().unsign_object(token, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise BadToken("This link has expired.", expired=True) from exc
    except (signing.BadSignature, ValueError, UnicodeError) as exc:
        raise BadToken("This link is not valid.") from exc
    if not isinstance(payload, dict) or set(payload) not in ({"u", "k"}, {"u", "k", "v"}):
        raise BadToken("This link is not valid.")
    user_id, kind, version = payload["u"], payload["k"], payload.get("v", 0)
    if not isinstance(user_id, int) or kind not in PREFERENCE_FIELDS:
        raise BadToken("This link is not valid.")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise BadToken("This link is not valid.")
    return user_id, kind, version


def absolute_url(path: str) -> str:
    """A link for an e-mail: e-mails are made outside any request, hence SITE_URL."""
    return settings.SITE_URL + path


def page_url(name: str) -> str:
    """``absolute_url`` of a page whose URL takes no arguments (the dashboard, the
    settings): the same in every e-mail, so reversed once per process and site."""
    return _page_url(name, settings.SITE_URL, get_script_prefix())


@functools.lru_cache(maxsize=64)
def _page_url(name: str, site_url: str, prefix: str) -> str:
    return absolute_url(reverse(name))


def unsubscribe_url(user, kind: str) -> str:
    """The link of an e-mail to ``user``, bound to their e-mail choices as they are now."""
    token = unsubscribe_token(user.pk, kind, user.email_preferences_version)
    before, after = _unsubscribe_url_around(settings.SITE_URL, get_script_prefix())
    return f"{before}{token}{after}"


_TOKEN_PLACE = "token"


@functools.lru_cache(maxsize=64)
def _unsubscribe_url_around(site_url: str, prefix: str) -> tuple[str, str]:
    """The unsubscribe link before and after its token, reversed once per process and
    site as ``page_url`` is: ``reverse`` leaves a token as it is (URL-safe base64 and
    colons), so putting it in between gives what reversing with it would."""
    url = absolute_url(reverse("notifications:unsubscribe", args=[_TOKEN_PLACE]))
    before, _, after = url.rpartition(_TOKEN_PLACE)
    return before, after


# --- Rendering ---------------------------------------------------------------------

# Styles live in a <style> block of the templates (readable, one place) and are
# moved into style attributes at send time, since many clients drop <style>.
# Media queries stay in a <style> block for the clients that do read it.
_INLINER = css_inline.CSSInliner(
    keep_at_rules=True, load_remote_stylesheets=False, keep_link_tags=False
)


@dataclass(frozen=True)
class InlineImage:
    """A picture shown in the HTML part as ``<img src="cid:{{ cid }}">``."""

    cid: str
    content: bytes
    filename: str
    subtype: str = "png"


@dataclass
class Outgoing:
    """One e-mail to send: who, which kind and period, and what it says."""

    user: object  # accounts.User
    to: str
    kind: str
    period: str
    template: str  # emails/<template>-subject.txt, -body.txt, -body.html
    context: dict = field(default_factory=dict)
    images: tuple[InlineImage, ...] = ()


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_email(template: str, context: dict) -> Rendered:
    """The three templates of ``template`` rendered with ``context``, CSS inlined."""
    subject = render_to_string(f"emails/{template}-subject.txt", context)
    text = render_to_string(f"emails/{template}-body.txt", context)
    html = render_to_string(f"emails/{template}-body.html", context)
    return Rendered(
        # A header is one line, whatever the template's whitespace.
        subject=" ".join(subject.split()),
        text=text.strip() + "\n",
        html=_INLINER.inline(html),
    )


class _Policy(Compat32):
    """compat32, the policy of Django's messages, writing a header that fits on one
    line of ASCII as it is: what compat32 writes for it too (through an
    ``email.header.Header``, folded), at a fraction of the cost. Any other header
    (longer, not ASCII, already a ``Header``) goes to compat32."""

    def fold_binary(self, name: str, value) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and self.max_line_length
            and len(name) + 2 + len(value) <= self.max_line_length
            and "\r" not in value
            and "\n" not in value
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_POLICY = _Policy()


def _boundary() -> str:
    """A multipart boundary that no part can contain: 128 random bits. The stdlib
    generator would otherwise search every part for the one it makes (a regular
    expression compiled per message), a good part of an e-mail's MIME time.

    Short enough (24 characters, "=_" and 22 of URL-safe base64) that the part's
    Content-Type header fits on one line: a longer one (the stdlib's style, 49) is
    folded by compat32 through ``email.header``, which cost a quarter of writing
    the message."""
    return f"=_{secrets.token_urlsafe(16)}"


class _Generator(BytesGenerator):
    """The standard library's generator, writing each part's lines in one write
    rather than two a line (some four hundred a message): the same bytes."""

    def _write_lines(self, lines: str) -> None:
        if lines:
            self.write(self._NL.join(NLCRE.split(lines)))


class _Alternatives(SafeMIMEMultipart):
    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        # Django's as_bytes, through _Generator (which writes the parts too).
        buffer = io.BytesIO()
        _Generator(buffer, mangle_from_=False).flatten(self, unixfrom=unixfrom, linesep=linesep)
        return buffer.getvalue()


class ProgressEmail(EmailMultiAlternatives):
    """text/plain and text/html alternatives; the HTML with its images as multipart/related.

    The nesting multipart/alternative(text, multipart/related(html, images)) is the
    one every common client shows without listing the chart as an attachment.
    """

    def __init__(self, *args, images: Iterable[InlineImage] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.images = tuple(images)

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if not msg.is_multipart():
            return msg
        parts = msg.get_payload()
        if self.images:
            related = SafeMIMEMultipart(
                _subtype="related", boundary=_boundary(), encoding=self.encoding
            )
            related.attach(parts[-1])
            for image in self.images:
                part = MIMEImage(image.content, _subtype=image.subtype)
                part.add_header("Content-ID", f"<{image.cid}>")
                part.add_header("Content-Disposition", "inline", filename=image.filename)
                related.attach(part)
            parts = [*parts[:-1], related]
        # The same multipart/alternative as Django's, with its boundary chosen, the
        # policy that writes the headers of every part and the generator of its bytes.
        return _Alternatives(
            _subtype=self.alternative_subtype,
            boundary=_boundary(),
            _subparts=parts,
            encoding=self.encoding,
            policy=_POLICY,
        )


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def email_context(outgoing: Outgoing) -> dict:
    """What every e-mail template may use, beside the kind's own context."""
    user = outgoing.user
    # An e-mail the user asked for (an import's outcome) has no switch to turn off.
    optional = outgoing.kind in PREFERENCE_FIELDS
    return {
        "user": user,
        "currency": user.currency,
        "site_url": settings.SITE_URL,
        "settings_url": page_url("accounts:settings"),
        "dashboard_url": page_url("dashboard:dashboard"),
        "unsubscribe_url": unsubscribe_url(user, outgoing.kind) if optional else "",
        "kind_name": KIND_NAMES.get(outgoing.kind, ""),
        **outgoing.context,
    }


def build_email(outgoing: Outgoing) -> ProgressEmail:
    """The message for ``outgoing``: rendered, with every header it needs."""
    context = email_context(outgoing)
    rendered = render_email(outgoing.template, context)
    headers = {
        "Message-ID": make_msgid(idstring=str(outgoing.kind), domain=site_host()),
        "Date": formatdate(usegmt=True),
        # RFC 3834: no vacation auto-replies to a machine.
        "Auto-Submitted": "auto-generated",
    }
    if context["unsubscribe_url"]:
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = ProgressEmail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outgoing.to],
        headers=headers,
        images=outgoing.images,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


# --- Claiming and sending exactly once -----------------------------------------------


class TransientSendError(Exception):
    """The SMTP server was away or asked to try later; the e-mail was released for a retry."""


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped: int = 0  # someone else has it (sent, sending, failed) or it was not due
    failed: int = 0  # refused for good by the SMTP server
    # Could not be built (one user's bad data, a bug): logged, never claimed, so the
    # next run tries again, and the e-mails of the other users still go.
    errors: int = 0
    lines: list[str] = field(default_factory=list)  # one per e-mail, for the command


def claim_chunk(
    chunk: list[tuple[Outgoing, EmailMultiAlternatives]], *, operator: bool = False
) -> list[SentEmail | None]:
    """Take the right to send each (outgoing, its message) of ``chunk``: its row, or
    None where someone else has it.

    New rows: one INSERT for the chunk that skips the keys someone holds already
    (only one concurrent sender can insert a key), committed durably once. An
    existing row is then taken back only if it waits for a retry (``deferred``), or,
    for the operator command, if it ``failed`` or is a ``pending`` claim of a dead
    worker: one UPDATE each, rare.
    """
    if not chunk:
        return []
    now = timezone.now()
    values = [
        (
            outgoing.user.pk,
            str(outgoing.kind),
            outgoing.period,
            outgoing.to,
            message.subject[:255],
            message.extra_headers["Message-ID"],
        )
        for outgoing, message in chunk
    ]
    database = transaction.get_connection()
    table = database.ops.quote_name(SentEmail._meta.db_table)
    stamp = database.ops.adapt_datetimefield_value(now)
    rows_sql = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, 1, '', %s)"] * len(values))
    params = [
        value
        for user_id, kind, period, to, subject, message_id in values
        for value in (user_id, kind, period, Status.PENDING.value, to, subject, message_id, stamp)
    ]
    sql = (
        f"INSERT INTO {table} (user_id, kind, period, status, to_email, subject,"  # noqa: S608 - the model's table; values as parameters
        " message_id, attempts, error, claimed_at)"
        f" VALUES {rows_sql} ON CONFLICT (user_id, kind, period) DO NOTHING"
        " RETURNING id, user_id, kind, period"
    )
    with transaction.atomic(), database.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {(user_id, kind, period): pk for pk, user_id, kind, period in cursor.fetchall()}
    claimed: list[SentEmail | None] = []
    for user_id, kind, period, to, subject, message_id in values:
        # pop: the same e-mail twice in a chunk is claimed once, like one after another.
        pk = inserted.pop((user_id, kind, period), None)
        fields = {"to_email": to, "subject": subject, "message_id": message_id}
        key = {"user_id": user_id, "kind": kind, "period": period}
        if pk is not None:
            claimed.append(SentEmail(pk=pk, **key, **fields, status=Status.PENDING, claimed_at=now))
        else:
            claimed.append(_retake(key, fields, now=now, operator=operator))
    return claimed


def _retake(key: dict, fields: dict, *, now, operator: bool) -> SentEmail | None:
    retake = Q(status=Status.DEFERRED)
    if operator:
        retake |= Q(status=Status.FAILED) | Q(
            status=Status.PENDING, claimed_at__lt=now - STALE_AFTER
        )
    taken = SentEmail.objects.filter(retake, **key).update(
        **fields, status=Status.PENDING, claimed_at=now, attempts=F("attempts") + 1, error=""
    )
    return SentEmail.objects.get(**key) if taken == 1 else None


def _settle(*rows: SentEmail, **changes) -> int:
    """Move our own claims on: only the rows that are still the pending claims we
    made; how many were.

    Unlike the claim, the outcome need not wait for the disk (PostgreSQL's
    ``synchronous_commit`` off, for this transaction only): if a crash of the
    database loses it, the rows stay ``pending``, exactly as when the worker dies
    mid-send, and are never sent again by themselves.
    """
    ours = Q(pk__in=[])
    for claimed_at in {row.claimed_at for row in rows}:
        ours |= Q(
            pk__in=[row.pk for row in rows if row.claimed_at == claimed_at], claimed_at=claimed_at
        )
    for attempt in range(3):
        try:
            with transaction.atomic():
                database = transaction.get_connection()
                if database.vendor == "postgresql":
                    with database.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                return SentEmail.objects.filter(ours, status=Status.PENDING).update(**changes)
        except OperationalError:
            # "database is locked", a dropped connection: the e-mails are already out,
            # so try hard to record it rather than leave the rows pending.
            if attempt == 2:
                raise
            time.sleep(0.5 * (attempt + 1))
    return 0


def classify_smtp_error(exc: Exception) -> tuple[bool, str]:
    """(is it permanent for this e-mail?, the reason in words).

    Permanent: the server refused the recipient or the message with a 5xx. Anything
    about the server itself (away, 4xx, a refused sender or login: the operator's
    configuration) may pass, and is retried.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        reason = "; ".join(
            f"{address}: {code} {_text(message)}"
            for address, (code, message) in exc.recipients.items()
        )
        return bool(codes) and all(500 <= code < 600 for code in codes), reason
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        return False, f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600, f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return False, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(message) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


# Errors of the conversation with the SMTP server; any other exception is a bug.
SMTP_ERRORS = (smtplib.SMTPException, OSError)


# E-mails claimed in one statement, sent, then marked sent in one: the claim's
# durable commit and the settle are paid once for this many. A worker killed
# mid-chunk leaves up to this many rows ``pending`` (never sent again by themselves)
# where one claim at a time left one: the trade-off is in docs/emails.md.
CLAIM_CHUNK = 10

# How long a thread may hold the GIL while another waits for it (CPython's default is
# 5 ms). The thread sending a chunk needs it for a moment after each reply of the
# server (four a message) while this one renders, busy: at 5 ms each it fell behind
# and the rendering waited for it; at 0.5 ms it keeps up (docs/emails.md).
SENDING_SWITCH_INTERVAL = 0.0005


def deliver(outgoings: Iterable[Outgoing], *, operator: bool = False) -> DeliveryReport:
    """Send each e-mail at most once, over one SMTP connection (kept for the next batch).

    E-mails are built, claimed and marked ``CLAIM_CHUNK`` at a time, after the
    first one alone (which opens or checks the connection). A claimed chunk goes
    out on a thread of its own (``_Sending``) while this one builds the next chunk;
    the next chunk is claimed only once the server has answered for every e-mail
    of the one before, and those rows are settled. An e-mail that cannot be built
    is logged and counted in ``errors``; the others go. Raises
    ``TransientSendError`` at the first e-mail the server did not take for a reason
    that may pass; that e-mail and the ones claimed with it but not tried yet are
    ``deferred``, the ones after are not claimed, so running the same batch again
    later sends exactly what is missing.
    """
    report = DeliveryReport()
    smtp = _KeptConnection.of_this_thread()
    source = iter(outgoings)
    # The first e-mail goes alone: when the server is away, it alone is claimed
    # (then deferred) and the batch's others are left untouched for the retry.
    sizes = itertools.chain([1], itertools.repeat(CLAIM_CHUNK))
    sending: _Sending | None = None
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, SENDING_SWITCH_INTERVAL))
    try:
        while chunk := list(itertools.islice(source, next(sizes))):
            # Built while the chunk before is still being sent.
            built = [(o, m) for o in chunk if (m := _build(o, report)) is not None]
            if sending is not None and (stopped := sending.settle(report)) is not None:
                raise stopped
            claimed = []
            for (outgoing, message), row in zip(
                built, claim_chunk(built, operator=operator), strict=True
            ):
                if row is None:
                    report.skipped += 1
                    report.lines.append(
                        f"skip {outgoing.to}: {outgoing.kind} {outgoing.period} taken"
                    )
                else:
                    claimed.append((outgoing, message, row))
            sending = _Sending(claimed, smtp) if claimed else None
        if sending is not None and (stopped := sending.settle(report)) is not None:
            raise stopped
    except BaseException:
        # Stopped here (a time limit, the database away, a bug): the chunk on its way
        # ends after the e-mail in hand, and what went out is still recorded.
        if sending is not None and not sending.settled:
            sending.stop.set()
            try:
                sending.settle(report)
            except Exception:
                logger.exception(
                    "The outcome of %s claimed e-mails could not be recorded", len(sending.claimed)
                )
        raise
    finally:
        sys.setswitchinterval(switch_interval)
    return report


def _build(outgoing: Outgoing, report: DeliveryReport) -> ProgressEmail | None:
    try:
        return build_email(outgoing)
    except TRANSIENT:
        raise
    except Exception:
        logger.exception(
            "The %s e-mail %s of user %s could not be built; the next run tries again",
            outgoing.kind,
            outgoing.period,
            outgoing.user.pk,
        )
        report.errors += 1
        report.lines.append(f"error {outgoing.to}: {outgoing.kind} could not be built")
        return None


class _Sending:
    """A chunk's claimed e-mails sent on a thread of their own, in order.

    The thread only talks to the SMTP server, and the caller meanwhile builds the
    next chunk: the GIL is released while a socket waits, so the server's replies
    no longer hold up the rendering. What the server said is recorded by the caller
    (``settle``, on its own database connection), so a row is marked ``sent`` only
    after the server took its e-mail. ``stop`` ends the chunk after the e-mail in
    hand.
    """

    def __init__(self, claimed: list, smtp: _KeptConnection) -> None:
        self.claimed = claimed  # (outgoing, message, row)
        # (status, reason) of each e-mail tried, in order; the last one may be
        # ``deferred`` (the server said to try later), which ends the chunk.
        self.outcomes: list[tuple[str, str]] = []
        # What stopped the thread that is not a reply of the server (a bug, a time
        # limit): whether the server took the e-mail in hand is unknown.
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.settled = False
        self.thread = threading.Thread(target=self._run, args=(smtp,), daemon=True)
        self.thread.start()

    def _run(self, smtp: _KeptConnection) -> None:
        for _outgoing, message, _row in self.claimed:
            if self.stop.is_set():
                return
            try:
                smtp.send(message)
            except SMTP_ERRORS as exc:
                permanent, reason = classify_smtp_error(exc)
                if not permanent:
                    smtp.drop()
                    self.outcomes.append((Status.DEFERRED, reason))
                    return
                self.outcomes.append((Status.FAILED, reason))
            except BaseException as exc:
                self.error = exc
                return
            else:
                self.outcomes.append((Status.SENT, ""))

    def wait(self) -> None:
        self.thread.join()

    def settle(self, report: DeliveryReport) -> BaseException | None:
        """Wait for the chunk, record each outcome in its row and in ``report``; what
        stopped the chunk early, for the caller to raise."""
        self.wait()
        self.settled = True
        sent: list[SentEmail] = []
        stopped: BaseException | None = self.error
        try:
            for (outgoing, message, row), (status, reason) in zip(
                self.claimed, self.outcomes, strict=False
            ):
                if status == Status.SENT:
                    sent.append(row)
                    report.sent += 1
                    report.lines.append(f"sent {outgoing.to}: {message.subject}")
                elif status == Status.FAILED:
                    _settle(row, status=Status.FAILED, error=reason)
                    report.failed += 1
                    report.lines.append(f"failed {outgoing.to}: {reason}")
                    logger.warning("E-mail %s refused for good: %s", row, reason)
                else:
                    _settle(row, status=Status.DEFERRED, error=reason)
                    logger.warning("E-mail %s deferred: %s", row, reason)
                    stopped = TransientSendError(reason)
        finally:
            # Whatever happens here, what went out is recorded.
            if sent:
                settled = _settle(*sent, status=Status.SENT, sent_at=timezone.now(), error="")
                if settled != len(sent):
                    logger.error(
                        "%s of %s sent e-mails' rows were taken over",
                        len(sent) - settled,
                        len(sent),
                    )
        # The claims after the e-mail in hand were never tried: free for the retry.
        # The one in hand is ``deferred`` already (the server said so), or stays
        # ``pending`` (a time limit, a bug: whether the server took it is unknown).
        tried = len(self.outcomes) + (self.error is not None)
        untried = [row for _, _, row in self.claimed[tried:]]
        if untried:
            transient = isinstance(stopped, TransientSendError)
            reason = f"not tried: {stopped}" if transient else "not tried"
            try:
                _settle(*untried, status=Status.DEFERRED, error=reason)
            except Exception:
                logger.exception("%s claimed e-mails could not be released", len(untried))
        return stopped


_kept = threading.local()  # .connection: the SMTP connection of the thread that delivers
_CONNECTION_SETTINGS = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
)


class _KeptConnection:
    """The mail backend's connection of a thread that delivers, kept from one
    ``deliver`` to the next.

    A worker sends batch after batch to the same server: the connection (TCP, the
    greeting, EHLO, and in production STARTTLS and the login) is opened once, and
    each later batch first checks with a NOOP that it still answers (servers close
    idle connections), opening a new one if not. The chunks of a ``deliver`` use it
    from their sending threads, one chunk after the other, never two at once.
    """

    def __init__(self) -> None:
        self.backend = None
        self.settings: tuple | None = None
        self.checked = False

    @classmethod
    def of_this_thread(cls) -> _KeptConnection:
        """This thread's connection, to be checked again before its first e-mail."""
        kept = getattr(_kept, "connection", None)
        if kept is None:
            kept = _kept.connection = cls()
        kept.checked = False
        return kept

    def send(self, message: EmailMultiAlternatives) -> None:
        if not self.checked:
            self._check()
            self.checked = True
        self.backend.send_messages([message])

    def _check(self) -> None:
        wanted = tuple(getattr(settings, name, None) for name in _CONNECTION_SETTINGS)
        if self.backend is not None and (self.settings != wanted or not _answers(self.backend)):
            self.drop()
        if self.backend is None:
            backend = get_connection()
            backend.open()
            self.backend, self.settings = backend, wanted

    def drop(self) -> None:
        """Close it after an error: the next e-mail or batch opens a new one."""
        backend, self.backend = self.backend, None
        self.checked = False
        if backend is not None:
            _close_quietly(backend)


def _answers(backend) -> bool:
    """Whether a kept SMTP connection still answers; other backends hold none."""
    client = getattr(backend, "connection", None)
    if client is None:
        return True
    try:
        return client.noop()[0] == 250
    except SMTP_ERRORS:
        return False


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except SMTP_ERRORS:
        logger.info("Closing the SMTP connection failed", exc_info=True)

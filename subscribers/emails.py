"""The followers' mail: each one a subject, a plain-text and an HTML template under
templates/emails/, rendered by `build_email`. Only the HTML is HTML-escaped: a subject
and a text/plain part are text, so "R&D <net>" stays as it is.

A post goes to many followers, and building a MIME message costs more than sending
it, so a post's mail is composed once, with placeholders where each follower's
address, links and message ids go, and personalised by replacing bytes.
"""

import email.message
import email.utils
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.template import Context, engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import punycode

from incidents.models import ComponentStatus

from .models import Delivery, DeliveryKind
from .tokens import confirm_token, manage_token
from .wire import POLICY, dkim_signer, encoded_words

# Placeholders: valid in their headers, and unchanged by 8-bit transfer encoding.
TO = "recipient@placeholder.invalid"
MANAGE_URL = "https://placeholder.invalid/manage-url"
MESSAGE_ID = "<message-id@placeholder.invalid>"
ROOT_ID = "<root-id@placeholder.invalid>"


@dataclass(frozen=True)
class OutgoingMail:
    """One mail, ready for the SMTP envelope: sender, recipient, bytes."""

    sender: str
    recipient: str
    data: bytes

    # What Django's console and file mail backends need of a message.
    @property
    def from_email(self):
        return self.sender

    def recipients(self):
        return [self.recipient]

    def message(self, policy=POLICY):
        # Django's file and console backends write this message's as_bytes(): with our
        # policy, the headers come out as they went in.
        return email.message_from_bytes(self.data, policy=policy)


def build_email(name, context):
    """Render one mail's subject, plain text and HTML from templates/emails/<name>*."""
    subject = " ".join(_render_text(f"emails/{name}_subject.txt", context).split())
    text = _render_text(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    return subject, text, html


def _render_text(name, context):
    """Render a template of plain text: never auto-escaped, whatever the template says."""
    template = engines["django"].engine.get_template(name)
    return template.render(Context(context, autoescape=False))


def _fits_8bit(text):
    # SMTP lines are at most 998 bytes; longer ones would need quoted-printable, which
    # could split a placeholder. Lines as SMTP counts them: bytes between line feeds
    # (str.splitlines() also breaks at U+2028 and other characters SMTP does not).
    return all(len(line) <= 990 for line in text.encode().split(b"\n"))


def compose(*, subject, text, html, to, headers) -> bytes:
    message = email.message.EmailMessage(policy=POLICY)
    message["Subject"] = subject
    message["From"] = email.utils.formataddr(
        (settings.STATUS_PAGE_NAME, settings.DEFAULT_FROM_EMAIL)
    )
    message["To"] = to
    message["Date"] = email.utils.formatdate()
    for name, value in headers.items():
        message[name] = value
    cte = "8bit" if _fits_8bit(text) and _fits_8bit(html) else None
    message.set_content(text, cte=cte)
    message.add_alternative(html, subtype="html", cte=cte)
    return message.as_bytes()


def envelope_address(address):
    local, _, domain = address.rpartition("@")
    return f"{local}@{punycode(domain)}"


def manage_url(subscriber):
    return settings.SITE_URL + reverse("subscribers:manage", args=[manage_token(subscriber)])


def _list_headers(url):
    # RFC 8058: mail clients offer a one-click "Unsubscribe" that POSTs to this URL.
    # RFC 2919: List-Id names the list (spam filters frown on List-Unsubscribe without it).
    return {
        "List-Id": list_id(),
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def list_id():
    """RFC 2919: the page's name, and an id under its host that stays the same."""
    name = settings.STATUS_PAGE_NAME
    if name.isascii():
        phrase = '"{}"'.format(name.replace("\\", "\\\\").replace('"', '\\"'))
    else:
        phrase = encoded_words(name, linesep=" ")
    return f"{phrase} <followers.{_domain()}>"


def _domain():
    return punycode(urlsplit(settings.SITE_URL).hostname)


def _message_id(local_part):
    return f"<{local_part}@{_domain()}>"


class ThreadMail:
    """A mail of one incident's thread (its posts, a maintenance's reminder, the
    postmortem), composed once and personalised per follower.

    Every mail of an incident has the same subject, "[Page] Title" (Gmail threads by
    subject), and replies to the incident's root id (clients that thread by headers):
    the incident's first post is the root, later mails refer to it.
    """

    template_name = ""

    def __init__(self, incident, *, own_id: str, is_root: bool = False, **context):
        self.incident, self.own_id, self.is_root = incident, own_id, is_root
        context |= {
            "incident": incident,
            "page_name": settings.STATUS_PAGE_NAME,
            "incident_url": settings.SITE_URL + incident.get_absolute_url(),
            "impact": incident.get_impact_display().lower(),
            "manage_url": MANAGE_URL,
        }
        self.subject, self.text, self.html = build_email(self.template_name, context)
        headers = _list_headers(MANAGE_URL) | {"Message-ID": MESSAGE_ID}
        if not is_root:
            headers |= {"In-Reply-To": ROOT_ID, "References": ROOT_ID}
        self.headers = headers
        self.template = None
        if _fits_8bit(self.text) and _fits_8bit(self.html):
            self.template = compose(
                subject=self.subject, text=self.text, html=self.html, to=TO, headers=headers
            )

    def for_follower(self, subscriber) -> OutgoingMail:
        root = thread_root_id(self.incident, subscriber)
        own = root if self.is_root else _message_id(f"{self.own_id}.{subscriber.pk}")
        values = {
            TO: envelope_address(subscriber.email),
            MANAGE_URL: manage_url(subscriber),
            MESSAGE_ID: own,
            ROOT_ID: root,
        }
        if self.template is not None:
            data = self.template
            for placeholder, value in values.items():
                data = data.replace(placeholder.encode(), value.encode())
        else:  # a line too long for 8-bit: compose this follower's mail in full
            data = compose(
                subject=self.subject,
                text=self.text.replace(MANAGE_URL, values[MANAGE_URL]),
                html=self.html.replace(MANAGE_URL, values[MANAGE_URL]),
                to=values[TO],
                headers={k: _substitute(v, values) for k, v in self.headers.items()},
            )
        return OutgoingMail(settings.DEFAULT_FROM_EMAIL, values[TO], data)


def thread_root_id(incident, subscriber) -> str:
    """The Message-ID every mail of the incident to this follower refers to."""
    return _message_id(f"incident-{incident.public_id}.{subscriber.pk}")


class PostMail(ThreadMail):
    """One post's mail: its status first, what it affects and how badly, its text."""

    template_name = "post"

    def __init__(self, update):
        incident = update.incident
        first = incident.updates.published().order_by("published_at", "id").first()
        super().__init__(
            incident,
            own_id=f"update-{update.public_id}",
            is_root=first is None or first.pk == update.pk,
            update=update,
            affected=affected_components(update),
        )
        self.update = update


def affected_components(update) -> list[tuple[str, str]]:
    """(name, status) of the components the post changed, as it set them; if it changed
    none, the incident's components as they are now. Hidden components are left out."""
    changes = update.component_changes.filter(component__is_hidden=False).select_related(
        "component__group"
    )
    if changes:
        return [
            (c.component_name or c.component.full_name, c.get_new_status_display()) for c in changes
        ]
    components = update.incident.components.filter(is_hidden=False).select_related("group")
    return [(c.full_name, c.get_status_display()) for c in components]


class ReminderMail(ThreadMail):
    """A scheduled maintenance starts soon."""

    template_name = "reminder"

    def __init__(self, incident):
        # Its components, as they will be during the window.
        components = incident.components.filter(is_hidden=False).select_related("group")
        during = ComponentStatus.UNDER_MAINTENANCE.label
        super().__init__(
            incident,
            own_id=f"reminder-{incident.public_id}",
            affected=[(c.full_name, during) for c in components],
        )


class PostmortemMail(ThreadMail):
    """An incident's postmortem was published."""

    template_name = "postmortem"

    def __init__(self, incident):
        super().__init__(incident, own_id=f"postmortem-{incident.public_id}")


def _substitute(text, values):
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def confirmation_mail(subscriber) -> OutgoingMail:
    url = manage_url(subscriber)
    context = {
        "page_name": settings.STATUS_PAGE_NAME,
        "confirm_url": settings.SITE_URL
        + reverse("subscribers:confirm", args=[confirm_token(subscriber)]),
        "manage_url": url,
        "webhook_url": subscriber.url,
    }
    return _single_mail("confirm", context, subscriber, url)


def disabled_notice_mail(subscriber) -> OutgoingMail:
    """To a URL's contact: the URL kept failing and is no longer called."""
    url = manage_url(subscriber)
    last = subscriber.deliveries.exclude(last_error="").order_by("-last_attempt_at").first()
    context = {
        "page_name": settings.STATUS_PAGE_NAME,
        "kind": subscriber.get_kind_display(),
        "url": subscriber.url,
        "hours": f"{settings.WEBHOOK_DISABLE_AFTER.total_seconds() / 3600:g}",
        "last_error": last.last_error if last else "",
        "manage_url": url,
    }
    return _single_mail("disabled", context, subscriber, url)


def _single_mail(name, context, subscriber, url) -> OutgoingMail:
    subject, text, html = build_email(name, context)
    to = envelope_address(subscriber.email)
    headers = _list_headers(url) | {"Message-ID": email.utils.make_msgid(domain=_domain())}
    data = compose(subject=subject, text=text, html=html, to=to, headers=headers)
    return OutgoingMail(settings.DEFAULT_FROM_EMAIL, to, data)


class MailBuilder:
    """Builds each delivery's mail, reusing one composer per event. `composer` makes the
    composer of a notification (subscribers.events knows which, by its kind)."""

    def __init__(self, composer):
        self._composer = composer
        self._events = {}
        self._dkim = dkim_signer()

    def mail(self, delivery: Delivery) -> OutgoingMail:
        mail = self._unsigned(delivery)
        if self._dkim is None:
            return mail
        return OutgoingMail(mail.sender, mail.recipient, self._dkim.sign(mail.data))

    def _unsigned(self, delivery: Delivery) -> OutgoingMail:
        if delivery.kind == DeliveryKind.CONFIRMATION:
            return confirmation_mail(delivery.subscriber)
        if delivery.kind == DeliveryKind.DISABLED_NOTICE:
            return disabled_notice_mail(delivery.subscriber)
        notification_id = delivery.notification_id
        if notification_id not in self._events:
            self._events[notification_id] = self._composer(delivery.notification)
        return self._events[notification_id].for_follower(delivery.subscriber)

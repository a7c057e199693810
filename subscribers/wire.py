"""Mail as it goes over SMTP: how headers are written, and the optional DKIM signature.

Python's email package folds every header longer than 78 characters, and a header with
no whitespace to fold at (a long List-Unsubscribe URL) comes out as an RFC 2047
encoded-word, in which mail clients find no URL. It can also write an empty
encoded-word (`=?utf-8?q??=`) before a non-ASCII character at a fold. So: the headers
that carry addresses or URLs are written verbatim (they are ASCII and far below SMTP's
998 octets), and a non-ASCII subject is encoded here, whole characters per word.
"""

import base64
import email.policy
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Headers whose value is machine-read (URLs, message ids, list ids): never folded.
VERBATIM = {
    "list-unsubscribe",
    "list-unsubscribe-post",
    "list-id",
    "message-id",
    "in-reply-to",
    "references",
}
# An encoded-word is at most 75 characters: "=?utf-8?b?" + base64 + "?=".
_MAX_WORD_BYTES = 42  # 56 base64 characters: "Subject: " and a word fit in 78


class MailPolicy(email.policy.EmailPolicy):
    """email.policy.SMTP, except for the headers above and non-ASCII subjects."""

    def fold(self, name, value):
        return self._ours(name, value) or super().fold(name, value)

    def fold_binary(self, name, value):
        folded = self._ours(name, value)
        return folded.encode("ascii") if folded else super().fold_binary(name, value)

    def _ours(self, name, value):
        text = str(value)
        if name.lower() in VERBATIM and text.isascii() and len(name) + len(text) < 990:
            return f"{name}: {text}{self.linesep}"
        if name.lower() == "subject" and not text.isascii():
            return f"{name}: {encoded_words(text, self.linesep)}{self.linesep}"
        return None


POLICY = MailPolicy(linesep="\r\n")


def encoded_words(text: str, linesep: str = "\r\n") -> str:
    """The text as RFC 2047 base64 encoded-words of whole characters, one per line."""
    words, chunk = [], b""
    for character in text:
        encoded = character.encode()
        if len(chunk) + len(encoded) > _MAX_WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return f"{linesep} ".join(
        f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words if word
    )


class DkimSigner:
    """Signs mail with DKIM_PRIVATE_KEY_FILE, covering the RFC 8058 headers."""

    HEADERS = [
        b"From",
        b"To",
        b"Subject",
        b"Date",
        b"Message-ID",
        b"In-Reply-To",
        b"References",
        b"List-Id",
        b"List-Unsubscribe",
        b"List-Unsubscribe-Post",
        b"MIME-Version",
        b"Content-Type",
    ]

    def __init__(self, *, key_file: str, selector: str, domain: str):
        try:
            self.key = Path(key_file).read_bytes()
        except OSError as error:
            raise ImproperlyConfigured(
                f"DKIM_PRIVATE_KEY_FILE={key_file!r} cannot be read: {error.strerror}."
            ) from error
        self.selector, self.domain = selector.encode(), domain.encode()

    def sign(self, data: bytes) -> bytes:
        import dkim  # only installations that sign need it loaded

        signature = dkim.sign(
            data,
            self.selector,
            self.domain,
            self.key,
            include_headers=self.HEADERS,
            linesep=b"\r\n",
        )
        return signature + data


def dkim_signer() -> DkimSigner | None:
    if not settings.DKIM_PRIVATE_KEY_FILE:
        return None
    return DkimSigner(
        key_file=settings.DKIM_PRIVATE_KEY_FILE,
        selector=settings.DKIM_SELECTOR,
        domain=settings.DKIM_DOMAIN,
    )

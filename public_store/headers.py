"""The request headers the public store answers to, read as RFC 9110 says: which content
coding to send (Accept-Encoding, §12.5.3) and whether the client's copy is current
(If-None-Match, §13.1.2)."""

import re

IDENTITY = "identity"
# "x-gzip" is the old name of gzip (RFC 9110 §8.4.1.3).
ALIASES = {"x-gzip": "gzip"}
# A weight: q=0 to q=1 with at most three decimals.
QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")
# Below any weight a client can write: identity, when not named, loses to what is named.
UNNAMED_IDENTITY = 0.0001
# An entity tag, strong or weak; its opaque part may hold commas.
ENTITY_TAG = re.compile(r'(?:W/)?("[^"]*")')


def preferred_coding(accept_encoding: str | None, available) -> str:
    """The coding of `available` (best first where weights tie) the client likes most.

    No header: identity, the one every client reads (curl, scripts). A client that
    refuses everything we have still gets identity: a status page answers.
    """
    if accept_encoding is None:
        return IDENTITY
    weights = _weights(accept_encoding)

    def weight(coding):
        if coding in weights:
            return weights[coding]
        if coding == IDENTITY and "*" not in weights:
            return UNNAMED_IDENTITY  # acceptable unless refused (RFC 9110 §12.5.3)
        return weights.get("*", 0)

    best = max(available, key=weight)  # max() keeps the first of equals
    return best if weight(best) > 0 else IDENTITY


def _weights(accept_encoding):
    """{coding: weight} of the codings named; an element with a malformed weight is
    ignored, as if not there."""
    weights = {}
    for element in accept_encoding.split(","):
        coding, *parameters = (part.strip() for part in element.split(";"))
        coding = ALIASES.get(coding.lower(), coding.lower())
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                weight = float(value) if QVALUE.fullmatch(value.strip()) else None
        if coding and weight is not None:
            weights[coding] = max(weight, weights.get(coding, 0))
    return weights


def none_match(if_none_match: str, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weak comparison) or is "*"."""
    if if_none_match.strip() == "*":
        return True
    return etag in ENTITY_TAG.findall(if_none_match)

"""Random and hostile input for the property-based tests (hypothesis)."""

from hypothesis import strategies as st

# Text a browser or a script could send: any character but lone surrogates, which no
# UTF-8 request can carry.
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\r\n",
        "\r\nBcc: victim@example.org",
        "%0d%0aBcc:x@y.z",
        "\u202e",
        "\ufeff",
        "\u200b",
        "\x1b[31m",
        "\\",
        "'",
        '"',
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "../../etc/passwd",
        "' OR 1=1 --",
        "NaN",
        "-1",
        "0",
        "1e309",
        "9" * 40,
        "ä@例え.jp",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "a" * 5000,
        "\x7f",
        "null",
        "[]",
        "{}",
        "\u0130" * 60,  # lower-cased, twice as long
    ]
)
HOSTILE_TEXT = st.one_of(
    NASTY,
    ANY_TEXT,
    st.builds("".join, st.lists(st.one_of(NASTY, ANY_TEXT), min_size=2, max_size=4)),
)
# Addresses that look right, alone or with something hostile glued on.
EMAILS = st.one_of(
    st.emails(),
    st.builds(lambda email, extra: email + extra, st.emails(), NASTY),
    st.builds(lambda extra, email: extra + email, NASTY, st.emails()),
)
NUMBERS_AS_TEXT = st.one_of(st.integers().map(str), st.floats().map(str))

"""CSV cells a spreadsheet shows as text and never runs as a formula (CSV injection):
an address like `=HYPERLINK(…)@example.org` is valid, and component names are free text.
"""

# A spreadsheet reads a cell starting with one of these as a formula (tab and CR are
# skipped, and what follows read again). A leading "'" makes any cell text and is not
# shown; cells that start with "'" get one more, so that an export imports as it was.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_STARTS = (*FORMULA_STARTS, "'")


def safe_cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(_ESCAPED_STARTS) else text


def cell_value(cell: str) -> str:
    """The value of a cell that `safe_cell` wrote (an export imported again)."""
    if cell.startswith("'") and cell[1:].startswith(_ESCAPED_STARTS):
        return cell[1:]
    return cell

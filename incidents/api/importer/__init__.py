"""Import a Statuspage page: components, groups, incidents, maintenances, every update.

A source is a file or an http(s) URL of summary.json, incidents.json,
scheduled-maintenances.json, components.json or one incident's document
(incidents/<id>.json), or a page's base URL (then the lists are fetched: from public
addresses only, unless allow_private, and within one deadline). Everything is read and
checked before anything is written, and the writes go through incidents.services in
one transaction. Statuspage's ids become our public ids, so importing again refreshes
the same rows and old links keep their meaning.

sources.py reads the documents (web.py fetches them), documents.py checks them against
pydantic models of Statuspage's shapes (fields.py: the field types; errors.py: the
refusals, in one line that names the field), planning.py gathers and cross-checks their
records and says what an import does (history.py: what the lists leave out, components
named only by changes, updates sharing an id), writing.py writes them.
"""

from .errors import SourceError
from .planning import Plan, describe, plan
from .sources import load
from .web import non_public
from .writing import apply

__all__ = ["Plan", "SourceError", "apply", "describe", "load", "non_public", "plan"]

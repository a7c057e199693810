"""Static mirrors: the whole public site as plain files, published after every public
change to each target of MIRROR_URL (a directory, S3-compatible storage), so that the
page outlives the machine, network or provider that serves it.

site.py lists the site (the URLs apps register with `register_site`) and renders it
through the store, as visitors get it; rewriting.py makes it work on any static server;
targets.py writes it, only what changed; publishing.py decides when, retries failures
and keeps what /healthz and the admin report.
"""

from .publishing import publish, publish_due, report
from .site import SitePath, register_site

__all__ = ["SitePath", "publish", "publish_due", "register_site", "report"]

"""RSS 2.0 and Atom 1.0 feeds of the history: every published update is an entry, and
so is every published postmortem.

A feed of incidents alone would miss the updates that matter ("resolved"), so each post
is its own entry, linking to its anchor on the incident's permalink.
"""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from public_store.http import public_resource

from . import selectors

FEED_SIZE = 100
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class _StableDate:
    def latest_post_date(self):
        # Django dates an empty feed "now": its body (and ETag) would change every second.
        if not self.items:
            return EPOCH
        return super().latest_post_date()


class _Rss(_StableDate, Rss201rev2Feed):
    pass


class _Atom(_StableDate, Atom1Feed):
    pass


class HistoryFeed(Feed):
    feed_type = _Rss
    url_name = "feed_rss"

    def title(self):
        return f"{settings.STATUS_PAGE_NAME}: incident history"

    def description(self):
        return f"Every update posted on {settings.STATUS_PAGE_NAME}, newest first."

    def link(self):
        return f"{settings.SITE_URL}/"

    def feed_url(self):
        return settings.SITE_URL + reverse(self.url_name)

    def author_name(self):
        return settings.STATUS_PAGE_NAME

    def items(self):
        posts = selectors.timeline()[:FEED_SIZE]
        postmortems = [Postmortem(i) for i in selectors.published_postmortems()[:FEED_SIZE]]
        newest_first = sorted([*posts, *postmortems], key=lambda e: e.published_at, reverse=True)
        return newest_first[:FEED_SIZE]

    def item_title(self, update):
        return update.title

    def item_link(self, update):
        return settings.SITE_URL + update.get_absolute_url()

    def item_description(self, update):
        # A post without a message has no <description> or <summary>: an empty one
        # reads as a blank entry (its headline is already the title).
        return update.body_html if update.body_html.strip() else None

    def item_pubdate(self, update):
        return update.published_at

    def item_updateddate(self, update):
        return max(update.published_at, update.updated_at)

    def item_categories(self, update):
        return [update.get_status_display()]


class Postmortem:
    """An incident's published postmortem, as a feed entry reads a post."""

    def __init__(self, incident):
        self.incident = incident
        self.title = f"Postmortem: {incident.title}"
        self.body_html = incident.postmortem_html
        self.published_at = incident.postmortem_published_at
        self.updated_at = incident.postmortem_updated_at or incident.postmortem_published_at

    def get_absolute_url(self):
        return f"{self.incident.get_absolute_url()}#postmortem-heading"

    def get_status_display(self):
        return "Postmortem"


class HistoryAtomFeed(HistoryFeed):
    feed_type = _Atom
    url_name = "feed_atom"
    subtitle = HistoryFeed.description


rss = public_resource(HistoryFeed())
atom = public_resource(HistoryAtomFeed())

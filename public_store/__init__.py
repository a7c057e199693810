"""The public store: every public response rendered once per change, served without the
database, and served on (marked out of date) while the database is unreachable; and the
page outliving its origin: static mirrors, and posts made while the database is down.

store.py keeps the copies, serving.py answers from them, http.py is how views declare
themselves public, outage.py tells an outage from a request's own error, warming.py
renders the busiest paths ahead, journal.py keeps posts made without the database until
they are replayed, mirrors/ publishes the site as static files. It knows no app: apps
register their paths and messages in their AppConfig.ready().
"""

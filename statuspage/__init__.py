"""The project's configuration: settings from the environment, root URLs, WSGI, gunicorn.

Configuration only: no app imports it (apps read django.conf.settings)."""

"""gunicorn settings: what production runs, and what `make run` runs."""

import os

# The container image sets BIND=0.0.0.0; locally only this machine can connect.
bind = f"{os.environ.get('BIND', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Two instances on one machine (tests, blue/green) would clash on the control socket.
control_socket_disable = True
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

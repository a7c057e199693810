"""Followers reached over HTTP: webhooks (Statuspage's body, signed per Standard
Webhooks) and chat (each service's own format), sent concurrently by the worker.

targets.py: which URLs and addresses may be called; signing.py: secrets and signatures;
chat.py: the chat formats; transport.py: the HTTP client that connects only to checked
addresses; sender.py: claims, calls and records, with retries.
"""

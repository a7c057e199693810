"""The staff side: the admin site (with optional two-factor log-in), the Operators group,
and what every app's admin shares."""

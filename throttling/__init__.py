"""Who is asking, and how often: client addresses behind proxies, fixed-window limits."""

"""Run the benchmarks: `make bench`, or `python -m bench NAME [options]` for one."""

import importlib
import sys

BENCHMARKS = [
    *("fanout", "webhooks", "readpath", "outage", "imports", "junk", "mirror"),
    *("busy_page", "alerts"),
]

if len(sys.argv) > 1:
    importlib.import_module(f"bench.{sys.argv[1]}").main(sys.argv[2:])
else:
    for name in BENCHMARKS:
        importlib.import_module(f"bench.{name}").main([])

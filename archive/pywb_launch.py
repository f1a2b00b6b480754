"""Run pywb's `wayback` server in this process, with the two shims our pinned stack needs.

pywb 2.8 imports `fakeredis<1.0` for its cookie tracker, and that fakeredis imports
`redis.utils.dummy`, which redis 5 (needed by scrapy-redis) no longer has: `wayback` then dies
with ImportError before serving anything. `dummy` was a bare attribute container, so we put one
back before pywb loads. gevent's monkey-patching must come first, as in pywb's own entry point.

Used by `archive.replay` as `python -m archive.pywb_launch -b 127.0.0.1 -p PORT -d ROOT`.
"""

from __future__ import annotations

import sys

from gevent.monkey import patch_all

patch_all()

import redis.utils  # noqa: E402 - after gevent's patching, as pywb's own entry point does


class _AttributeContainer:
    """What redis 2.x's `redis.utils.dummy` was: instances hold attributes."""


def main(argv: list[str] | None = None) -> None:
    """Start pywb's Wayback server with `argv` (wayback's own options)."""
    if not hasattr(redis.utils, "dummy"):
        redis.utils.dummy = _AttributeContainer  # type: ignore[attr-defined]
    from pywb.apps.cli import wayback

    wayback(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()

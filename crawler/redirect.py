"""Redirects: Scrapy's RedirectMiddleware, keeping the Referer of the first hop.

Every hop is a separate exchange, so `WarcCaptureMiddleware` records each 301/302 as its own
response; the redirected request goes back through the scheduler, whose seen set stops loops. The
only change: the Referer we set ourselves (there is no RefererMiddleware in our lean stack) is kept
on the next hop, as a browser does for a same-site redirect.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response


class KeepRefererRedirectMiddleware(RedirectMiddleware):
    """DOWNLOADER_MIDDLEWARES[...] = 600."""

    def handle_referer(self, request: Request, response: Response) -> None:
        referrer = request.meta.get("moha_referrer")
        if referrer:
            request.headers["Referer"] = referrer
        else:
            request.headers.pop("Referer", None)

    def _engine_started(self) -> None:
        # Scrapy warns here when no RefererMiddleware runs; handle_referer above is our answer.
        return

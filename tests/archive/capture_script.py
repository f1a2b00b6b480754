"""Capture URLs through an HTTP proxy with warcio's `capture_http` + requests, in a fresh process.

`capture_http` patches `http.client` when imported and must come before `requests` (field-notes),
which a long pytest session cannot promise, so the tests run this as `python -m`:

    python -m tests.archive.capture_script OUT.warc.gz PROXY_URL PLAN.json

PLAN.json: {"get": [url, ...], "postback": [listing_url, ...]}; a postback GETs the listing, reads
its hidden ASP.NET fields and the pager's `__doPostBack` target for Page$2, and POSTs them back.
"""

from warcio.capture_http import capture_http  # isort: skip - must precede requests

import json  # noqa: E402
import sys  # noqa: E402
from urllib.parse import urljoin  # noqa: E402

import requests  # noqa: E402

from tests.archive.postback import form_action, postback_form  # noqa: E402


def main(out: str, proxy: str, plan_path: str) -> None:
    plan = json.load(open(plan_path, encoding="utf-8"))
    proxies = {"http": proxy}
    with capture_http(out):
        session = requests.Session()
        for url in plan.get("get", []):
            session.get(url, proxies=proxies, timeout=30, allow_redirects=False)
        for url in plan.get("postback", []):
            page = session.get(url, proxies=proxies, timeout=30)
            action = urljoin(url, form_action(page.text))
            session.post(action, data=postback_form(page.text), proxies=proxies, timeout=30)


if __name__ == "__main__":
    main(*sys.argv[1:4])

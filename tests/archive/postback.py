"""The form a browser posts when an ASP.NET pager's "2" link is clicked (`__doPostBack`)."""

from __future__ import annotations

import re

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" id="[^"]*" value="([^"]*)"')
PAGER = re.compile(r"__doPostBack\('([^']+)','(Page\$2)'\)")
ACTION = re.compile(r'<form[^>]+action="([^"]+)"')


def postback_form(html: str) -> dict[str, str]:
    """Hidden fields of the page plus the pager's event target and `Page$2` argument."""
    fields = dict(HIDDEN.findall(html))
    found = PAGER.search(html)
    if found is None:
        raise AssertionError("no __doPostBack(...,'Page$2') pager link on the listing page")
    fields.update({"__EVENTTARGET": found.group(1), "__EVENTARGUMENT": found.group(2)})
    return fields


def form_action(html: str) -> str:
    found = ACTION.search(html)
    if found is None:
        raise AssertionError("no <form action=...> on the listing page")
    return found.group(1)

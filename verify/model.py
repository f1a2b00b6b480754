"""The figures of one verification, as plain dataclasses that become report.json and report.html.

Reconciliation (reconcile.py) fills them; the report (report.py) only renders them, so the HTML can
never show a number report.json does not hold.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

STEPS = ("captured", "records", "loaded")


@dataclass
class Check:
    """One green/red line of the summary: what was checked, over how many items, how many failed."""

    name: str
    title: str
    total: int
    failed: int
    explanation: str
    failures: list[str] = field(default_factory=list)
    """The items at fault (URLs or `kind source_url: why`), listed in full in report.json."""

    @property
    def ok(self) -> bool:
        return self.failed == 0


@dataclass
class Lost:
    """An item seen at one step and missing at the next, with the reason the logs give."""

    kind: str
    url: str
    lost_between: str
    reason: str


@dataclass
class ItemReport:
    """One migrated item: where it came from, where it went, and what is wrong with it (if anything)."""

    kind: str
    source_url: str
    title: str
    new_path: str | None
    year: int | None
    category: str | None
    old_urls: list[str]
    provenance: dict[str, Any] | None
    similarity: float | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The item as report.json holds it."""
        data = asdict(self)
        data["ok"] = self.ok
        return data


class SpooledItems:
    """Item reports kept in a temporary JSON Lines file and read back one at a time.

    A full-scale verification reports ~30,000 items; as objects they were one of the largest parts
    of verify's memory, while the report only needs them in order, a few times. The file is
    removed when this object is collected (or at exit).
    """

    def __init__(self) -> None:
        self._file = tempfile.NamedTemporaryFile("w", encoding="utf-8", prefix="moha-verify-items-", suffix=".jsonl")
        self._count = 0

    def append(self, item: ItemReport) -> None:
        self._file.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[ItemReport]:
        self._file.flush()
        with open(self._file.name, encoding="utf-8") as fh:
            for line in fh:
                yield ItemReport(**json.loads(line))


@dataclass
class Verification:
    """Everything the report shows."""

    generated_at: str
    inputs: dict[str, str]
    funnel: dict[str, dict[str, int]]
    """kind -> step (captured, records, loaded) -> count."""
    checks: list[Check]
    lost: list[Lost]
    items: Iterable[ItemReport]
    """A list, or `SpooledItems` for a real migration; iterated, never indexed."""
    per_year: dict[str, dict[str, int]]
    """year -> kind -> count (loaded items)."""
    per_category: dict[str, int]
    capture: dict[str, Any]
    """Capture figures: responses, bytes, per status and per mime type."""
    replay_url: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def head_dict(self) -> dict[str, Any]:
        """Everything but the items, as report.json holds it; the report writes the items one by one."""
        data = asdict(replace(self, items=[]))
        del data["items"]
        data["ok"] = self.ok
        for check, raw in zip(self.checks, data["checks"]):
            raw["ok"] = check.ok
        return data

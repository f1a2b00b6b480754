"""Records to and from JSON Lines: the one place where records become text and back.

Reading streams one line at a time and validates each through `records.record_from_dict`, so a
bad line is reported with its number and field while the good ones keep flowing (`iter_lines`),
or stops the read (`iter_records`). Writing normalises every string to NFC and writes UTF-8.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from moha_migrate.errors import RecordError
from moha_migrate.records import Record, record_from_dict, record_to_dict


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One line of a JSONL file: the record, or the error that names why it is not one."""

    line: int
    record: Record | None
    error: RecordError | None
    raw: str


def iter_lines(path: Path) -> Iterator[ParsedLine]:
    """Yield every non-blank line of `path` parsed and validated; never raises for a bad line."""
    with _open_text(path) as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            yield parse_line(raw, number)


def parse_line(raw: str, number: int) -> ParsedLine:
    """Parse and validate one line (numbered from 1); never raises for a bad line."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return ParsedLine(number, None, RecordError(f"bad JSON: {exc.msg} at column {exc.colno}", line=number), raw)
    try:
        return ParsedLine(number, record_from_dict(data, line=number), None, raw)
    except RecordError as exc:
        return ParsedLine(number, None, exc, raw)


def iter_records(path: Path) -> Iterator[Record]:
    """Yield the records of `path`; raise `RecordError` (with line and field) at the first bad line."""
    for parsed in iter_lines(path):
        if parsed.error is not None:
            raise RecordError(f"{path}: {parsed.error}", line=None) from parsed.error
        assert parsed.record is not None
        yield parsed.record


def dumps_record(record: Record) -> str:
    """One JSON line (no newline) for `record`, every string in NFC."""
    return json.dumps(_nfc(record_to_dict(record)), ensure_ascii=False, separators=(",", ":"))


def write_records(records: Iterable[Record], out: Path | IO[str]) -> int:
    """Write `records` as JSON Lines to a path or an open text stream; return how many."""
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="\n") as fh:
            return write_records(records, fh)
    count = 0
    for record in records:
        out.write(dumps_record(record))
        out.write("\n")
        count += 1
    return count


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def _open_text(path: Path) -> IO[str]:
    try:
        return path.open("r", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise RecordError(f"cannot read {path}: {exc.strerror}") from exc

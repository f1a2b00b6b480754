"""The errors moha-migrate raises on purpose; anything else escaping a command is a bug.

Every message names the item (URL, file and offset, line and field) and what was wrong, so a user can
act on one line. The CLI turns a `MohaError` into one `Error:` line and exit code 3 (cli.md).
"""


class MohaError(Exception):
    """Base of every error raised on purpose: the run could not do what was asked."""


class ConfigError(MohaError):
    """A profile, settings file or option value is missing, unreadable or invalid."""


class RecordError(MohaError):
    """A record (or JSONL line) breaks the records.md contract; names line and field."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.line = line
        self.field = field
        self.reason = message
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)

    def __reduce__(self) -> tuple[object, ...]:
        # pickled as what it was built from (a load's worker processes send these back): the
        # default would rebuild it from the formatted message and lose line and field
        return (_record_error, (type(self), self.reason, self.line, self.field))


def _record_error(cls: type[RecordError], reason: str, line: int | None, field: str | None) -> RecordError:
    return cls(reason, line=line, field=field)


class CaptureError(MohaError):
    """The crawler could not capture (unreachable proxy, unwritable output, bad start URL)."""


class ArchiveError(MohaError):
    """A WARC, index or package could not be read or written."""


class TransformError(MohaError):
    """One captured page could not be turned into a record (goes to errors.jsonl)."""


class LoadError(MohaError):
    """The portal database could not be reached or written."""


class VerifyError(MohaError):
    """Verification inputs (work directory, report path) could not be read or written."""

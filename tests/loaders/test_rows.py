"""loaders.rows: the content hash must not depend on which JSON library computed it."""

from __future__ import annotations

import hashlib
import json

from loaders.rows import content_hash
from moha_migrate.records import record_to_dict


def _hash_with_json(data: dict) -> str:
    plain = {k: v for k, v in data.items() if k != "provenance"}
    text = json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def test_content_hash_is_the_sorted_compact_json_of_the_record(corpus: list) -> None:
    """Row hashes stored by earlier loads stay valid: orjson writes what json wrote."""
    for record in corpus:
        data = record_to_dict(record)
        assert content_hash(data) == _hash_with_json(data), record.source_url


def test_content_hash_of_awkward_values_matches_json() -> None:
    awkward = {
        "title": "".join(chr(i) for i in range(0x80)) + "\u2028\u2029\ufeff\u00a0 Bộ Nội vụ \U0001f600",
        "size": 2**70,  # beyond orjson's integers: the json path takes over
        "nested": {"b": [1, None, True, False], "a": {"é": "x", "E": "y"}},
        "provenance": {"offset": 1},
    }
    assert content_hash(awkward) == _hash_with_json(awkward)
    del awkward["size"]
    assert content_hash(awkward) == _hash_with_json(awkward)
    assert content_hash(dict(awkward, provenance={"offset": 2})) == content_hash(awkward)

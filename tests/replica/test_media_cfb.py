"""replica/cfb.py: OLE2 compound files that olefile reads back in strict mode."""

from __future__ import annotations

import io
import struct

import olefile
import pytest

from replica.cfb import write_cfb

pytestmark = pytest.mark.timeout(60)


def test_cfb_with_more_than_109_fat_sectors_uses_difat() -> None:
    big = bytes(range(256)) * (8 * 1024 * 1024 // 256)  # 8 MiB: 16,384 sectors need 129+ FAT sectors
    data = write_cfb([("Alpha", b"a" * 5000), ("Data", big), ("Beta", b"b" * 10)])
    assert struct.unpack_from("<I", data, 0x48)[0] >= 1  # DIFAT sectors in use
    with olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT) as ole:
        assert sorted(ole.listdir()) == [["Alpha"], ["Beta"], ["Data"]]
        assert ole.openstream("Data").read() == big
        assert ole.openstream("Alpha").read()[:5000] == b"a" * 5000


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 15])
def test_cfb_directory_tree_finds_every_stream(count: int) -> None:
    streams = [(f"S{'x' * index}{index}", bytes([index]) * 4096) for index in range(count)]
    data = write_cfb(streams)
    with olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT) as ole:
        assert sorted(ole.listdir()) == sorted([[name] for name, _ in streams])
        for name, payload in streams:
            assert ole.openstream(name).read() == payload


def test_cfb_red_black_tree_has_equal_black_height_and_no_red_red() -> None:
    names = [f"Stream{index:02d}" for index in range(11)]
    data = write_cfb([(name, b"x") for name in names])
    directory_at = (struct.unpack_from("<I", data, 0x30)[0] + 1) * 512
    entries = []
    for index in range(12):
        raw = data[directory_at + 128 * index : directory_at + 128 * (index + 1)]
        left, right, child = struct.unpack_from("<3I", raw, 0x44)
        entries.append({"color": raw[0x43], "left": left, "right": right, "child": child})

    def black_height(node: int, parent_red: bool) -> int:
        if node == 0xFFFFFFFF:
            return 1
        entry = entries[node]
        red = entry["color"] == 0
        assert not (red and parent_red), "red node with a red child"
        left, right = black_height(entry["left"], red), black_height(entry["right"], red)
        assert left == right, "unequal black heights"
        return left + (0 if red else 1)

    root = entries[0]["child"]
    assert entries[root]["color"] == 1
    black_height(root, False)


def test_small_streams_are_padded_to_the_mini_stream_cutoff() -> None:
    with olefile.OleFileIO(
        io.BytesIO(write_cfb([("Tiny", b"abc")])), raise_defects=olefile.DEFECT_INCORRECT
    ) as ole:
        assert ole.get_size("Tiny") == 4096
        assert ole.openstream("Tiny").read()[:3] == b"abc"

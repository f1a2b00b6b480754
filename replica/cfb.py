"""Write OLE2 compound files (MS-CFB version 3): the container of Word 97 .doc and Excel 97 .xls.

A compound file is a small FAT file system inside one file: 512-byte sectors, a FAT chaining
them, a directory of 128-byte entries kept as a red-black tree, and a DIFAT listing the FAT's own
sectors once there are more than the header's 109 slots. No maintained Python library writes
them (olefile only reads), and the replica needs only flat files of a few streams, so this is the
whole writer; the tests read its output back with olefile in strict mode.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

SECTOR_BYTES = 512
_ENDOFCHAIN, _FREESECT, _FATSECT, _DIFSECT, _NOSTREAM = (
    0xFFFFFFFE,
    0xFFFFFFFF,
    0xFFFFFFFD,
    0xFFFFFFFC,
    0xFFFFFFFF,
)
MINI_STREAM_CUTOFF = 4096


def write_cfb(streams: list[tuple[str, bytes]]) -> bytes:
    """An OLE2 compound file (MS-CFB version 3, 512-byte sectors) holding `streams` at its root.

    Streams are padded with zeros to the 4096-byte mini-stream cutoff so that every stream lives
    in regular sectors and no mini FAT is needed; Word and Excel streams carry their own lengths
    (FIB cbMac, BIFF EOF record), and Excel itself insists on a Workbook stream of >= 4096 bytes.
    """
    padded = [(name, data + b"\0" * max(0, MINI_STREAM_CUTOFF - len(data))) for name, data in streams]
    data_sectors = [math.ceil(len(data) / SECTOR_BYTES) for _, data in padded]
    n_entries = 1 + len(padded)
    dir_sectors = math.ceil(n_entries * 128 / SECTOR_BYTES)
    n_fat, n_difat = 1, 0
    while True:
        total = n_fat + n_difat + dir_sectors + sum(data_sectors)
        need_fat = math.ceil(total / (SECTOR_BYTES // 4))
        need_difat = max(0, math.ceil((need_fat - 109) / 127))
        if (need_fat, need_difat) == (n_fat, n_difat):
            break
        n_fat, n_difat = need_fat, need_difat
    # layout: FAT sectors, DIFAT sectors, directory, then each stream
    fat_start, difat_start = 0, n_fat
    dir_start = n_fat + n_difat
    fat = [_FATSECT] * n_fat + [_DIFSECT] * n_difat
    fat += list(range(dir_start + 1, dir_start + dir_sectors)) + [_ENDOFCHAIN]
    starts = []
    next_sector = dir_start + dir_sectors
    for count in data_sectors:
        starts.append(next_sector)
        fat += list(range(next_sector + 1, next_sector + count)) + [_ENDOFCHAIN]
        next_sector += count
    fat += [_FREESECT] * (n_fat * (SECTOR_BYTES // 4) - len(fat))

    fat_locations = list(range(fat_start, fat_start + n_fat))
    header = bytearray(SECTOR_BYTES)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into(
        "<IIIIIIIII",
        header,
        0x28,
        0,
        n_fat,
        dir_start,
        0,
        MINI_STREAM_CUTOFF,
        _ENDOFCHAIN,
        0,
        difat_start if n_difat else _ENDOFCHAIN,
        n_difat,
    )
    head_difat = fat_locations[:109] + [_FREESECT] * (109 - min(109, n_fat))
    struct.pack_into("<109I", header, 0x4C, *head_difat)

    difat_blocks = bytearray()
    rest = fat_locations[109:]
    for index in range(n_difat):
        chunk = rest[index * 127 : (index + 1) * 127]
        chunk += [_FREESECT] * (127 - len(chunk))
        following = difat_start + index + 1 if index + 1 < n_difat else _ENDOFCHAIN
        difat_blocks += struct.pack("<128I", *chunk, following)

    directory = bytearray()
    children = _rb_tree([name for name, _ in padded])
    directory += _dir_entry("Root Entry", 5, 1, (_NOSTREAM, _NOSTREAM, children.root), _ENDOFCHAIN, 0)
    for index, (name, data) in enumerate(padded):
        left, right, color = children.links[index]
        directory += _dir_entry(name, 2, color, (left, right, _NOSTREAM), starts[index], len(data))
    directory += _dir_entry("", 0, 0, (_NOSTREAM, _NOSTREAM, _NOSTREAM), 0, 0) * (dir_sectors * 4 - n_entries)

    out = bytearray(header)
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += difat_blocks
    out += directory
    for _, data in padded:
        out += data + b"\0" * (-len(data) % SECTOR_BYTES)
    return bytes(out)


def _dir_entry(name: str, kind: int, color: int, links: tuple[int, int, int], start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le")
    if len(encoded) > 62:
        raise ValueError(f"replica media: CFB entry name {name!r} is longer than 31 characters")
    entry = bytearray(128)
    entry[0 : len(encoded)] = encoded
    struct.pack_into("<HBB3I", entry, 0x40, len(encoded) + 2 if name else 0, kind, color, *links)
    struct.pack_into("<IQ", entry, 0x74, start, size)
    return bytes(entry)


@dataclass
class _Tree:
    root: int
    links: dict[int, tuple[int, int, int]]  # entry index -> (left sibling, right sibling, colour)


def _rb_tree(names: list[str]) -> _Tree:
    """Siblings as a balanced red-black tree in CFB name order (length first, then upper case).

    Entry ids are 1-based positions in the directory (0 is the root entry). Nodes on the deepest
    level are red and the rest black: in a tree built by halving, every path then has the same
    number of black nodes, and no red node has a red child.
    """
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    links: dict[int, tuple[int, int, int]] = {}
    depth_of: dict[int, int] = {}

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return _NOSTREAM
        mid = (lo + hi) // 2
        index = order[mid]
        depth_of[index] = depth
        left, right = build(lo, mid, depth + 1), build(mid + 1, hi, depth + 1)
        links[index] = (left, right, 1)
        return index + 1

    root = build(0, len(order), 0)
    deepest = max(depth_of.values(), default=0)
    for index, (left, right, _) in links.items():
        links[index] = (left, right, 0 if depth_of[index] == deepest and deepest > 0 else 1)
    return _Tree(root, links)

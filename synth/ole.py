"""A minimal OLE2 compound file (CFB v3) writer, for test documents whose container matters
more than their content: an encrypted .xlsx/.docx (streams ``EncryptionInfo`` and
``EncryptedPackage``, which is what Office writes for a password-protected file) and a
Word 97 ``.doc`` (stream ``WordDocument``).

    compound_file({"EncryptionInfo": b"...", "EncryptedPackage": b"..."}) -> bytes

Every stream is padded to at least 4096 bytes so that it lives in regular sectors (no
mini stream is needed); the directory is one sector (up to three streams).
"""
from __future__ import annotations

import struct

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR = 512


def _entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
    raw = (name.encode("utf-16-le") + b"\x00\x00") if name else b""
    return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", NOSTREAM, right, child) + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
            + struct.pack("<IQ", start, size))


def compound_file(streams: dict[str, bytes]) -> bytes:
    if len(streams) > 3:
        raise ValueError("one directory sector holds the root and three streams")
    data_sectors: list[bytes] = []
    fat = [FATSECT, END]
    entries = []
    names = list(streams)
    next_sector = 2
    for i, name in enumerate(names):
        body = streams[name]
        padded = body.ljust(max(4096, -(-len(body) // SECTOR) * SECTOR), b"\x00")
        n = len(padded) // SECTOR
        start = next_sector
        fat += [start + k + 1 for k in range(n - 1)] + [END]
        data_sectors.append(padded)
        next_sector += n
        right = i + 2 if i + 1 < len(names) else NOSTREAM
        entries.append(_entry(name, 2, right, NOSTREAM, start, len(padded)))
    root = _entry("Root Entry", 5, NOSTREAM, 1 if names else NOSTREAM, END, 0)
    directory = (root + b"".join(entries)).ljust(SECTOR, b"\x00")
    if len(fat) > SECTOR // 4:
        raise ValueError("streams too large for one FAT sector")
    fat_sector = struct.pack(f"<{SECTOR // 4}I", *(fat + [FREE] * (SECTOR // 4 - len(fat))))
    header = (MAGIC + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
              + struct.pack("<109I", 0, *([FREE] * 108)))
    return header + fat_sector + directory + b"".join(data_sectors)


def encrypted_ooxml() -> bytes:
    """What Office writes for a password-protected .xlsx or .docx (contents are random here)."""
    return compound_file({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<encryption/>",
                          "EncryptedPackage": b"\x00" * 8 + bytes(range(256)) * 20})


def word97_doc() -> bytes:
    return compound_file({"WordDocument": b"\xec\xa5" + b"\x00" * 600, "1Table": b"\x00" * 100})


__all__ = ["compound_file", "encrypted_ooxml", "word97_doc"]

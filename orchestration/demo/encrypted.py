"""Password-protected workbooks, stored the way Excel stores them.

Excel saves an encrypted .xlsx/.xlsm not as a zip but as an OLE compound file
([MS-CFB]) holding an `EncryptionInfo` stream (agile encryption, [MS-OFFCRYPTO] 2.3.4.10)
and an `EncryptedPackage` stream (the 8-byte size of the zip, then its AES blocks). An
encrypted Excel 97-2003 .xls keeps its `Workbook` stream but puts a FILEPASS record
(RC4, [MS-XLS] 2.4.117) right after the first BOF. Nothing written here opens with a
password: the package is seeded noise and the .xls records after FILEPASS are left
plain. The pipeline must recognise the file as encrypted, never decrypt it.
"""

from __future__ import annotations

import base64
import math
import struct

import numpy as np

from orchestration.demo.render import Workbook
from orchestration.demo.writers import xls_book

SECTOR = 512
MINI_SECTOR = 64
MINI_STREAM_CUTOFF = 4096
FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BIFF_FILEPASS, BIFF_BOUNDSHEET = 0x002F, 0x0085


def encryption_info(rng: np.random.Generator) -> bytes:
    """The agile EncryptionInfo stream: version 4.4, flags 0x40, then the XML descriptor."""
    salt = base64.b64encode(rng.bytes(16)).decode()
    blob = base64.b64encode(rng.bytes(64)).decode()
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        f'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        f'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="{salt}"/>'
        f'<dataIntegrity encryptedHmacKey="{blob}" encryptedHmacValue="{blob}"/>'
        '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        f'<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        f'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="{salt}" '
        f'encryptedVerifierHashInput="{salt}" encryptedVerifierHashValue="{blob}" encryptedKeyValue="{salt}"/>'
        "</keyEncryptor></keyEncryptors></encryption>"
    )
    return struct.pack("<HHI", 4, 4, 0x40) + xml.encode("utf-8")


def encrypted_package(rng: np.random.Generator, package_size: int) -> bytes:
    """An EncryptedPackage stream: the 8-byte little-endian size of the zip (`package_size`
    bytes), then seeded noise padded to whole 4096-byte segments in place of the AES blocks.
    """
    blocks = math.ceil(package_size / 4096) * 4096
    return struct.pack("<Q", package_size) + rng.bytes(blocks)


def directory_entry(
    name: str, kind: int, start: int, size: int, child: int = NO_STREAM, right: int = NO_STREAM
) -> bytes:
    """One 128-byte directory entry of an OLE compound file ([MS-CFB] 2.6): `name` (UTF-16),
    `kind` (1 storage, 2 stream, 5 root), first sector `start`, `size` in bytes and its
    child and right sibling entries (NO_STREAM: none).
    """
    encoded = (name + "\0").encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        kind,
        1,  # color: black
        NO_STREAM,
        right,
        child,
        b"\0" * 16,
        0,
        0,
        0,
        start,
        size,
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file of a root storage and its streams (names sorted as [MS-CFB]
    orders them: shorter first), streams under 4 096 bytes in the mini stream."""
    names = sorted(streams, key=lambda name: (len(name), name.upper()))
    small = [name for name in names if len(streams[name]) < MINI_STREAM_CUTOFF]
    large = [name for name in names if name not in small]

    mini_fat: list[int] = []
    mini_stream = b""
    starts: dict[str, int] = {}
    for name in small:
        count = math.ceil(len(streams[name]) / MINI_SECTOR)
        starts[name] = len(mini_fat)
        mini_fat += [len(mini_fat) + i + 1 for i in range(count - 1)] + [END_OF_CHAIN]
        mini_stream += streams[name].ljust(count * MINI_SECTOR, b"\0")

    # Sectors: the FAT, the directory, the mini FAT, the mini stream, the large streams.
    per_sector = SECTOR // 4
    data_sectors = (
        2
        + math.ceil(len(mini_stream) / SECTOR)
        + sum(math.ceil(len(streams[name]) / SECTOR) for name in large)
    )
    fat_sectors = math.ceil(data_sectors / (per_sector - 1))  # each FAT sector also maps itself
    if fat_sectors > 109:
        raise ValueError("the streams need a DIFAT chain, which this writer does not write")
    directory_sector, mini_fat_sector = fat_sectors, fat_sectors + 1
    fat = [FAT_SECTOR] * fat_sectors + [END_OF_CHAIN, END_OF_CHAIN]
    body = b""

    def chain(data: bytes) -> int:
        nonlocal body
        count = math.ceil(len(data) / SECTOR)
        start = len(fat)
        fat.extend([start + i + 1 for i in range(count - 1)] + [END_OF_CHAIN])
        body += data.ljust(count * SECTOR, b"\0")
        return start

    mini_stream_start = chain(mini_stream) if mini_stream else END_OF_CHAIN
    for name in large:
        starts[name] = chain(streams[name])

    entries = [directory_entry("Root Entry", 5, mini_stream_start, len(mini_stream), child=1)]
    for position, name in enumerate(names, start=1):
        right = position + 1 if position < len(names) else NO_STREAM
        entries.append(directory_entry(name, 2, starts[name], len(streams[name]), right=right))
    directory = b"".join(entries).ljust(SECTOR, b"\0")  # unused entries stay zero
    if len(directory) > SECTOR or len(mini_fat) > per_sector:
        raise ValueError("too many streams for one directory and one mini FAT sector")

    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        OLE_MAGIC,
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        fat_sectors,
        directory_sector,
        0,
        MINI_STREAM_CUTOFF,
        mini_fat_sector,
        1,
        END_OF_CHAIN,
        0,
        *difat,
    )
    fat += [FREE] * (fat_sectors * per_sector - len(fat))
    return (
        header
        + struct.pack(f"<{len(fat)}I", *fat)
        + directory
        + struct.pack(f"<{per_sector}I", *mini_fat, *[FREE] * (per_sector - len(mini_fat)))
        + body
    )


def encrypted_workbook(rng: np.random.Generator, package_size: int = 9000) -> bytes:
    """The bytes of a password-protected .xlsx / .xlsm."""
    return compound_file(
        {
            "EncryptionInfo": encryption_info(rng),
            "EncryptedPackage": encrypted_package(rng, package_size),
        }
    )


def with_filepass(workbook_stream: bytes, rng: np.random.Generator) -> bytes:
    """A BIFF8 Workbook stream with an RC4 FILEPASS record after its first BOF; the
    BOUNDSHEET records' absolute sheet offsets move by the record's length."""
    # wEncryptionType 1 (RC4), version 1.1, then salt, encrypted verifier and its hash
    body = struct.pack("<HHH", 1, 1, 1) + rng.bytes(48)
    filepass = struct.pack("<HH", BIFF_FILEPASS, len(body)) + body
    stream = bytearray(workbook_stream)
    position = 0
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        if kind == BIFF_BOUNDSHEET:
            (offset,) = struct.unpack_from("<I", stream, position + 4)
            struct.pack_into("<I", stream, position + 4, offset + len(filepass))
        position += 4 + length
    (bof_length,) = struct.unpack_from("<H", stream, 2)
    return bytes(stream[: 4 + bof_length]) + filepass + bytes(stream[4 + bof_length :])


def encrypted_xls(workbook: Workbook, rng: np.random.Generator) -> bytes:
    """The bytes of a password-protected Excel 97-2003 .xls holding `workbook`."""
    return compound_file({"Workbook": with_filepass(xls_book(workbook).get_biff_data(), rng)})

"""A photo is rebuilt from its pixels: no kind of metadata a phone or an editor writes into the
file reaches the stored message or the volunteer who opens it.

Each file below carries a marker string in one kind of metadata; the upload goes through the
requester's message page, and the marker is searched for in the database row, in the photo as it
opens from its seal, and in the bytes the desk serves. The kept JPEG is also read marker by marker:
nothing but what a plain JPEG needs.
"""

import io
import struct
import zlib
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, PngImagePlugin, TiffImagePlugin

from haven.cases.lifecycle import case_triage
from haven.intake.services import Accepted
from haven.messaging.models import Message
from haven.messaging.photos import clean_photo
from tests.conftest import Persona, login, stored

MARK = b"Ivanov-Sergei-Tula-17"


def _pixels() -> Image.Image:
    image = Image.new("RGB", (48, 32), (30, 90, 160))
    image.paste((240, 240, 240), (8, 8, 40, 24))
    return image


def _saved(image: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def _fake_icc() -> bytes:
    # Pillow passes a profile through without parsing it; the description names the owner.
    body = b"desc" + MARK + b"\x00" * 16
    return struct.pack(">I", 128 + len(body)) + b"\x00" * 124 + body


def _exif_with_thumbnail() -> bytes:
    """EXIF as a camera writes it: a description in IFD0 and a thumbnail JPEG in IFD1, the
    thumbnail carrying the marker in its own comment."""
    thumbnail = _saved(_pixels(), "JPEG", comment=MARK + b"-thumb")
    text = b"Owner " + MARK + b"\x00"
    ifd0_at = 8
    ifd1_at = ifd0_at + 2 + 12 + 4
    text_at = ifd1_at + 2 + 2 * 12 + 4
    thumb_at = text_at + len(text)
    tiff = b"II*\x00" + struct.pack("<I", ifd0_at)
    tiff += struct.pack("<H", 1) + struct.pack("<HHII", 0x010E, 2, len(text), text_at)
    tiff += struct.pack("<I", ifd1_at)
    tiff += struct.pack("<H", 2)
    tiff += struct.pack("<HHII", 0x0201, 4, 1, thumb_at)
    tiff += struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail))
    tiff += struct.pack("<I", 0) + text + thumbnail
    return b"Exif\x00\x00" + tiff


def _jpeg_with_segment(marker: int, payload: bytes) -> bytes:
    plain = _saved(_pixels(), "JPEG")
    segment = struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload
    return plain[:2] + segment + plain[2:]


def _png_with_chunk(kind: bytes, payload: bytes) -> bytes:
    plain = _saved(_pixels(), "PNG")
    chunk = struct.pack(">I", len(payload)) + kind + payload
    chunk += struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    end = plain.rindex(b"IEND") - 4
    return plain[:end] + chunk + plain[end:]


def _png_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", MARK.decode())
    info.add_text("comment", MARK.decode())  # read back as the image's comment
    info.add_text("Comment", MARK.decode(), zip=True)  # zTXt
    info.add_itxt("Description", MARK.decode(), lang="ru", tkey="Описание")
    return _saved(_pixels(), "PNG", pnginfo=info)


def _tiff_with_description() -> bytes:
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[0x010E] = MARK.decode()
    tags[0x013B] = MARK.decode()  # Artist
    return _saved(_pixels(), "TIFF", tiffinfo=tags)


XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>' + MARK + b"</dc:creator></x:xmpmeta>"

FILES: dict[str, Callable[[], bytes]] = {
    "jpeg comment": lambda: _saved(_pixels(), "JPEG", comment=MARK),
    "jpeg icc profile": lambda: _saved(_pixels(), "JPEG", icc_profile=_fake_icc()),
    "jpeg xmp": lambda: _saved(_pixels(), "JPEG", xmp=XMP),
    "jpeg exif and thumbnail": lambda: _jpeg_with_segment(0xE1, _exif_with_thumbnail()),
    "jpeg photoshop segment": lambda: _jpeg_with_segment(0xED, b"Photoshop 3.0\x00" + MARK),
    "gif comment": lambda: _saved(_pixels(), "GIF", comment=MARK),
    "png text, ztxt and itxt": _png_text,
    "png exif": lambda: _png_with_chunk(b"eXIf", _exif_with_thumbnail()[6:]),
    "png icc profile": lambda: _saved(_pixels(), "PNG", icc_profile=_fake_icc()),
    "webp exif, xmp and icc": lambda: _saved(
        _pixels(), "WEBP", exif=_exif_with_thumbnail(), xmp=XMP, icc_profile=_fake_icc()
    ),
    "tiff description and artist": _tiff_with_description,
}

# What a plain baseline JPEG is made of: start, JFIF header, tables, frame, scan, end.
PLAIN_JPEG_MARKERS = {0xD8, 0xE0, 0xDB, 0xC4, 0xC0, 0xDA, 0xD9}


def _markers(jpeg: bytes) -> set[int]:
    found, at = {0xD8}, 2
    while at < len(jpeg):
        assert jpeg[at] == 0xFF, f"not a marker at {at}"
        kind = jpeg[at + 1]
        found.add(kind)
        if kind == 0xD9:
            break
        (length,) = struct.unpack(">H", jpeg[at + 2 : at + 4])
        if kind == 0xDA:  # entropy-coded data runs to the end marker
            return found | {0xD9} if jpeg.endswith(b"\xff\xd9") else found
        at += 2 + length
    return found


def _readable(data: bytes) -> bytes:
    """The file with its compressed PNG chunks (zTXt, iCCP) opened, for searching."""
    if not data.startswith(b"\x89PNG"):
        return data
    opened, at = data, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind in (b"zTXt", b"iCCP"):
            opened += zlib.decompress(body[body.index(b"\x00") + 2 :])
        at += 12 + length
    return opened


@pytest.mark.parametrize("kind", list(FILES))
def test_the_file_as_sent_carries_the_marker(kind: str) -> None:
    """The test files are what they claim: Pillow reads them and the marker is in them."""
    data = FILES[kind]()
    assert MARK in _readable(data)
    with Image.open(io.BytesIO(data)) as image:
        image.load()


@pytest.mark.parametrize("kind", list(FILES))
def test_no_metadata_survives_cleaning(kind: str) -> None:
    kept = clean_photo(FILES[kind]())
    assert MARK not in kept
    assert _markers(kept) <= PLAIN_JPEG_MARKERS
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (48, 32)
        assert not image.getexif()
        assert not {"comment", "icc_profile", "xmp", "exif"} & set(image.info)
        assert image.getpixel((24, 16)) == pytest.approx((240, 240, 240), abs=12)


@pytest.mark.parametrize("kind", list(FILES))
def test_no_metadata_reaches_the_database_or_the_desk(
    kind: str, coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = make_request()
    case_triage(actor=coordinator.member, case=accepted.case, decision="accept")
    requester = Client()
    assert requester.post("/en/status/", {"codename": accepted.codename}).status_code == 302
    upload = SimpleUploadedFile("photo", FILES[kind](), "application/octet-stream")
    answer = requester.post("/en/status/messages/", {"text": "my passport", "photo": upload})
    assert answer.status_code == 302, answer.content.decode()[:400]
    message = Message.objects.get(case=accepted.case)
    assert MARK not in stored(message.photo)
    desk = login(Client(), coordinator)
    desk.post(
        f"/en/desk/{accepted.case.pk}/reveal/", {"reason": "reading the passport", "scope": "full"}
    )
    served = desk.get(f"/en/desk/{accepted.case.pk}/messages/{message.pk}/photo/")
    assert served.status_code == 200
    assert MARK not in served.content
    assert _markers(served.content) <= PLAIN_JPEG_MARKERS
    own = requester.get(f"/en/status/messages/{message.pk}/photo/")
    assert own.content == served.content

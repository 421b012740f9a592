"""Photos of documents a requester sends: read, turned upright, shrunk and rebuilt from their pixels
alone as a plain JPEG, so nothing of the original file is kept: no EXIF or GPS, no embedded
thumbnail, no comment, text chunk, XMP or colour profile (any of which can name a person, a
phone or a place)."""

import io

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# What a requester may send, and what is kept: the kept photo must fit a sealed field's largest
# padding bucket once base64-encoded.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2000
MAX_KEPT_BYTES = 700_000
READABLE = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
# How every kept photo begins (a JPEG's start-of-image marker and the next marker's first byte).
JPEG_START = b"\xff\xd8\xff"


class PhotoRefused(ValueError):
    """The file is not a photo Haven can keep; the message says what to send instead."""


def too_large_message() -> str:
    return _("The photo is too large: send one of at most %(mb)d MB.") % {
        "mb": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


def clean_photo(data: bytes) -> bytes:
    """Return the photo as a fresh JPEG without metadata, at most MAX_SIDE pixels a side."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused(too_large_message())
    unreadable = PhotoRefused(
        _("This file is not a photo we can read. Send a JPEG or PNG picture.")
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in READABLE:
                raise unreadable
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise PhotoRefused(_("The photo has too many pixels. Send a smaller picture."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            turned = ImageOps.exif_transpose(image).convert("RGB")
            # A new image from the pixels alone: Pillow carries an opened file's comment, XMP,
            # ICC profile and text chunks along in `info` and writes some of them back on save.
            # Dropping the colour profile may shift colours a little; a document stays legible.
            upright = Image.frombytes("RGB", turned.size, turned.tobytes())
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise unreadable from None
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    for quality in (85, 70, 55, 40):
        out = io.BytesIO()
        upright.save(out, "JPEG", quality=quality, optimize=True)
        if out.tell() <= MAX_KEPT_BYTES:
            return out.getvalue()
        upright.thumbnail((upright.width * 3 // 4, upright.height * 3 // 4))
    raise PhotoRefused(_("The photo could not be made small enough. Send a smaller picture."))

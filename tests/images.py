"""Test images made on the fly."""

import io

from PIL import Image


def jpeg_bytes(size=(800, 600), color="#336699", exif_gps=False) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        gps = exif.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = (52.0, 31.0, 12.0)
        gps[3] = "E"
        gps[4] = (13.0, 24.0, 36.0)
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def png_bytes(size=(64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()

"""One tag's QR code as an image to download: PNG with the short code under it, or SVG."""

import io

import qrcode
import qrcode.image.svg
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from wave.qr.codes import tag_url
from wave.qr.labels import QUIET_MODULES, display_code, font_path


def _qr(code: str, module_px: int = 10) -> qrcode.QRCode:
    # The same symbol as on the printed labels: error correction M, the full quiet zone.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_MODULES, box_size=module_px)
    qr.add_data(tag_url(code))
    qr.make(fit=True)
    return qr


def tag_png(code: str, *, module_px: int = 12, caption: bool = True) -> bytes:
    """A PNG of the tag's QR code (`module_px` pixels a module), with the code printed under it
    in readable groups unless `caption` is False. Needs an app context (the public URL)."""
    symbol = _qr(code, module_px).make_image().get_image().convert("L")
    if not caption:
        return _png(symbol)
    side = symbol.width
    font = ImageFont.truetype(str(font_path(bold=True)), size=max(12, side // 9))
    text = display_code(code)
    left, top, right, bottom = font.getbbox(text)
    # The caption goes below the whole quiet zone, which scanners need clear.
    margin = QUIET_MODULES * module_px
    image = Image.new("L", (side, side + bottom - top + margin), 255)
    image.paste(symbol, (0, 0))
    ImageDraw.Draw(image).text(
        ((side - (right - left)) / 2 - left, side - top), text, font=font, fill=0
    )
    return _png(image)


def tag_svg(code: str) -> bytes:
    """An SVG of the tag's QR code alone (one path, scales to any size). Needs an app context."""
    image = _qr(code).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()

"""Reads QR codes back from a PDF, as a phone would from the printed page."""

import pypdfium2 as pdfium
from pyzbar.pyzbar import ZBarSymbol, decode


def codes_in_pdf(pdf: bytes, dpi: int = 200) -> list[str]:
    """Every QR code's text on every page, page by page, top to bottom."""
    found = []
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil()
            symbols = decode(image, symbols=[ZBarSymbol.QRCODE])
            symbols.sort(key=lambda s: (s.rect.top, s.rect.left))
            found += [s.data.decode() for s in symbols]
            page.close()
    finally:
        document.close()
    return found

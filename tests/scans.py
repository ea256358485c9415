"""Scanned reports for the OCR tests, made the way real ones are.

A report of either template is rendered to PDF by the simulated portal's renderer, with
rule-consistent, mostly non-zero numbers (``simportal.numbers``); each page is rasterised
with pypdfium2 at scanner resolution and then degraded as printing and scanning degrade
it: a tilt of a degree or two, grey paper and grey ink, blur, sensor noise and JPEG
compression. One cell can be smudged on purpose: a dark blot over its number.
Everything is drawn from a seeded generator: the same arguments give the same bytes.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pdfplumber
import pypdfium2
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from simportal.model import Body, ReportPlan
from simportal.numbers import generate_values
from simportal.render_pdf import report_pdf
from simportal.tables import format_value

Key = tuple[str, str, str]
BODY = Body(name="青岚县人民政府", code="000014349", kind="county")


@dataclass(frozen=True)
class Scan:
    pages: tuple[Image.Image, ...]  # the degraded page images, greyscale
    values: dict[Key, Decimal | None]  # what the report prints, key by key
    year: int
    body: str
    smudged: Key | None = None

    def pdf(self) -> bytes:
        """The pages as a PDF of JPEG images and no text layer, as a scanner writes it."""
        buffer = io.BytesIO()
        first, *rest = [page.convert("RGB") for page in self.pages]
        first.save(buffer, format="PDF", resolution=170.0, save_all=True, append_images=rest)
        return buffer.getvalue()

    def jpeg(self, page: int, quality: int = 70) -> bytes:
        buffer = io.BytesIO()
        self.pages[page].save(buffer, format="JPEG", quality=quality)
        return buffer.getvalue()


def scanned_report(template: str, *, seed: str, dpi: int = 170, smudge: Key | None = None,
                   year: int | None = None) -> Scan:
    rng = random.Random(f"scan:{seed}")
    year = year or (2020 if template == "v2019" else 2023)
    values = generate_values(rng, template, BODY.kind)
    plan = ReportPlan(body=BODY, year=year, template=template, published=date(year + 1, 1, 20), doc_id=1, values=values)
    pdf = report_pdf(plan)
    blots = _blots(pdf, values, smudge, dpi) if smudge else {}
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for index, page in enumerate(document):
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            pages.append(degrade(image, rng, blots.get(index, ())))
    finally:
        document.close()
    return Scan(pages=tuple(pages), values=dict(values), year=year, body=BODY.name, smudged=smudge)


def _blots(pdf: bytes, values: dict[Key, Decimal | None], key: Key, dpi: int) -> dict[int, tuple]:
    """Where the smudged cell's number is printed, in page pixels; its text must be unique in the report."""
    printed = format_value(values[key])
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for index, page in enumerate(document.pages):
            found += [(index, word) for word in page.extract_words() if word["text"] == printed]
    if len(found) != 1:
        raise ValueError(f"{key} prints {printed!r} {len(found)} times; choose a cell whose number is unique")
    index, word = found[0]
    scale = dpi / 72
    box = (word["x0"] * scale, word["top"] * scale, word["x1"] * scale, word["bottom"] * scale)
    return {index: (box,)}


def degrade(image: Image.Image, rng: random.Random, blots: tuple = ()) -> Image.Image:
    """A printed-then-scanned look: blots, grey paper and ink, a tilt, blur, noise, JPEG."""
    draw = ImageDraw.Draw(image)
    for x0, top, x1, bottom in blots:
        pad = (bottom - top) * 0.5
        draw.ellipse((x0 - pad, top - pad * 0.6, x1 + pad, bottom + pad * 0.6), fill=70)
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.8, 0.9))
    angle = rng.choice((-1, 1)) * rng.uniform(0.8, 2.0)
    image = image.rotate(angle, resample=Image.BICUBIC, fillcolor=235)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 0.8)))
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0.0, 4.0, pixels.shape)
    image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=rng.randint(60, 80))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def find_unique_cell(template: str, *, seed: str, candidates: tuple[Key, ...]) -> Key:
    """The first candidate whose number is printed once in the report (so a blot covers only it)."""
    rng = random.Random(f"scan:{seed}")
    values = generate_values(rng, template, BODY.kind)
    year = 2020 if template == "v2019" else 2023
    plan = ReportPlan(body=BODY, year=year, template=template, published=date(year + 1, 1, 20), doc_id=1, values=values)
    with pdfplumber.open(io.BytesIO(report_pdf(plan))) as document:
        words = [word["text"] for page in document.pages for word in page.extract_words()]
    for key in candidates:
        if words.count(format_value(values[key])) == 1:
            return key
    raise ValueError("no candidate cell prints a unique number")

"""Page images to positioned text with confidence, by OCR (rapidocr-onnxruntime).

rapidocr runs the PP-OCR detection and recognition models shipped inside its wheel on the
CPU: no network, no download. The engine is loaded once per process, when first needed.

Numbers get a second, stricter reading (``read_numbers``): a lone "0" in a table cell
often comes out of the general recogniser as "o" or "。" at confidence 0.4, because it
weighs every character it knows. In a cell that stands where a number stands only digits,
a decimal point, a minus, a comma and dashes can be printed, so the recogniser's
probabilities of the shapes that look like them are added to theirs ("o", "O", "〇", "。"
to "0"; "l", "I", "|" to "1"; "一" to the dash). The confidence of a number is that of its
least certain character; anything that is no such shape stays unread.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .errors import ExtractionError

# A number read below this confidence is "not read" (value None), never guessed. On the scans of
# tests/scans.py (4 reports, 796 cells) and two real reports rasterised, no number read at or above
# it was wrong; what falls below is mostly a doubtful 0 or 1 (and a 4 read as 1 at 0.82-0.89).
CONFIDENCE_FLOOR = 0.9
MAX_PAGES = 8  # pages rendered per document (~7 s of CPU each when OCR'd); later ones are left out, with a warning
RENDER_DPI = 170  # a scanned PDF page is rendered at this resolution
MAX_SIDE = 2000  # px: larger images (phone photos) are scaled down to this on their long side
# One thread per engine: parallel extraction runs a process per core, and onnxruntime's spinning
# thread pool slows down many times over when the cores are busy with anything else.
THREADS = 1
DETECT_SIDE = 1024  # px: the long side of the copy text lines are detected on
_MAX_PIXELS = 60_000_000  # an image decoded larger than this is refused (a 600 dpi A3 scan has 70M)

_MIN_RATIO = 320 / 48  # the recogniser reads worse from narrower inputs than it was trained on
_BATCH = 8
_NUMBER_SHAPES = {
    "0": "0oO〇○。DQ０",
    "1": "1lI|i!丨１",
    "2": "2２", "3": "3３", "4": "4４", "5": "5５", "6": "6６", "7": "7７", "8": "8８B", "9": "9９",
    ".": ".．·",
    ",": ",，",
    "-": "-－一—",
    "/": "/／",
}


@dataclass(frozen=True, slots=True)
class TextBox:
    """A line of text OCR found on a page: where (page pixels), and once read, what and how sure (0-1)."""

    x0: float
    top: float
    x1: float
    bottom: float
    points: tuple[tuple[float, float], ...] = ()  # the detected quadrilateral
    text: str = ""
    confidence: float = 0.0
    number: str = ""  # the same pixels read as a number ("?" where a character is no number shape)
    number_confidence: float = 0.0


@functools.cache
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(use_cls=False, print_verbose=False, intra_op_num_threads=THREADS, inter_op_num_threads=THREADS)


def detect(gray: np.ndarray) -> tuple[TextBox, ...]:
    """Where the lines of text are on a page image (2-D uint8), top to bottom, not read yet."""
    # detection runs on a smaller copy: its memory grows with the pixels (~1 GB at 170 dpi A4)
    # and lines of 7.5 pt text are still 11 px high at this size
    scale = min(1.0, DETECT_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    found, _ = _engine().text_det(_rgb(small))
    if found is None or len(found) == 0:
        return ()
    found = [points / scale for points in found]
    boxes = [TextBox(x0=float(points[:, 0].min()), top=float(points[:, 1].min()), x1=float(points[:, 0].max()),
                     bottom=float(points[:, 1].max()), points=tuple(map(tuple, points.tolist())))
             for points in found]
    return tuple(sorted(boxes, key=lambda box: (box.top, box.x0)))


def read_lines(gray: np.ndarray, boxes: list[TextBox]) -> list[TextBox]:
    """The boxes with their text and confidence, every reading kept however weak."""
    if not boxes:
        return []
    engine = _engine()
    crops = engine.get_crop_img_list(_rgb(gray), [np.array(box.points, dtype=np.float32) for box in boxes])
    readings = _recognise(crops)
    return [replace(box, text=text.strip(), confidence=confidence, number=number, number_confidence=number_confidence)
            for box, (text, confidence, number, number_confidence) in zip(boxes, readings)]


def read_numbers(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """(text, confidence) for each image of one number; text has a "?" where a character is no number shape."""
    return [(number, confidence) for _, _, number, confidence in _recognise(crops)]


def _recognise(crops: list[np.ndarray]) -> list[tuple[str, float, str, float]]:
    """(text, confidence, as a number, its confidence) for each image of one line of text."""
    recogniser = _engine().text_rec
    shapes = _shape_columns()
    # batches of similar widths, each padded to its widest (as rapidocr does)
    order = sorted(range(len(crops)), key=lambda index: crops[index].shape[1] / max(crops[index].shape[0], 1))
    out: list[tuple[str, float, str, float]] = [("", 0.0, "", 0.0)] * len(crops)
    for start in range(0, len(order), _BATCH):
        chosen = order[start : start + _BATCH]
        images = [_rgb(crops[index]) for index in chosen]
        widest = max(max(image.shape[1] / max(image.shape[0], 1) for image in images), _MIN_RATIO)
        tensor = np.stack([recogniser.resize_norm_img(image, widest) for image in images]).astype(np.float32)
        probabilities = recogniser.session(tensor)[0]
        texts = recogniser.postprocess_op(probabilities)
        for index, (text, confidence), frames in zip(chosen, texts, probabilities):
            out[index] = (text, float(confidence), *_decode_number(frames, shapes))
    return out


@functools.cache
def _shape_columns() -> tuple[tuple[str, tuple[int, ...]], ...]:
    known = _engine().text_rec.postprocess_op.dict
    return tuple((char, tuple(known[shape] for shape in shapes if shape in known))
                 for char, shapes in _NUMBER_SHAPES.items())


def _number_chars(probabilities: np.ndarray, shapes: tuple[tuple[str, tuple[int, ...]], ...]
                  ) -> list[tuple[str, float, float]]:
    """CTC decoding over blank, the number characters (each with its look-alikes) and "anything else":
    (character, confidence, the middle of the frames that spelled it)."""
    # blank and the space (the recogniser's last class) both separate characters
    blank = probabilities[:, 0] + probabilities[:, -1]
    merged = np.stack([blank] + [probabilities[:, list(columns)].sum(axis=1) for _, columns in shapes], axis=1)
    other = np.clip(1.0 - merged.sum(axis=1), 0.0, 1.0)
    merged = np.concatenate([merged, other[:, None]], axis=1)
    best = merged.argmax(axis=1)
    names = ["", *(char for char, _ in shapes), "?"]
    chars: list[list] = []  # [name, confidence, first frame, last frame]
    previous = 0
    for frame, index in enumerate(best):
        if index != 0:
            if index != previous:
                chars.append([names[index], float(merged[frame, index]), frame, frame])
            else:
                chars[-1][1] = max(chars[-1][1], float(merged[frame, index]))
                chars[-1][3] = frame
        previous = index
    return [(name, confidence, (first + last) / 2) for name, confidence, first, last in chars]


def _decode_number(probabilities: np.ndarray, shapes: tuple[tuple[str, tuple[int, ...]], ...]) -> tuple[str, float]:
    """The text as a number, and the confidence of its least certain character: one doubtful digit
    makes the number doubtful."""
    chars = _number_chars(probabilities, shapes)
    return "".join(char for char, _, _ in chars), min((confidence for _, confidence, _ in chars), default=0.0)


def _rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[:, :, None], 3, axis=2) if gray.ndim == 2 else gray


def pdf_page_images(content: bytes, *, max_pages: int = MAX_PAGES, dpi: int = RENDER_DPI
                    ) -> tuple[list[np.ndarray], int]:
    """The first ``max_pages`` pages of a PDF as grey images, and the number of pages."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(content)
    except Exception as error:  # noqa: BLE001  (pdfium raises PdfiumError, and others on damaged files)
        raise ExtractionError(f"PDF cannot be read ({type(error).__name__}: {error})") from error
    try:
        images = []
        for index in range(min(len(document), max_pages)):
            page = document[index]
            try:
                width, height = page.get_size()
                scale = min(dpi / 72, MAX_SIDE / max(width, height, 1))
                bitmap = page.render(scale=scale, grayscale=True)
                images.append(np.array(bitmap.to_pil().convert("L")))
            finally:
                page.close()
        return images, len(document)
    finally:
        document.close()


def image_file_pages(content: bytes, *, max_pages: int = MAX_PAGES) -> tuple[list[np.ndarray], int]:
    """The frames of an image file (PNG, JPEG, GIF, TIFF, BMP, WebP) as grey images, and the frame count."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(content))
        image.draft("L", (MAX_SIDE, MAX_SIDE))  # a JPEG decodes straight at a reduced size
        if image.width * image.height > _MAX_PIXELS:
            raise ExtractionError(f"image of {image.width}x{image.height} pixels is too large to read")
        frames = getattr(image, "n_frames", 1)
        pages = []
        for index in range(min(frames, max_pages)):
            image.seek(index)
            frame = ImageOps.exif_transpose(image.copy()) if index == 0 else image.copy()
            pages.append(_fit(frame.convert("L")))
        return pages, frames
    except (UnidentifiedImageError, OSError, ValueError, EOFError, Image.DecompressionBombError) as error:
        raise ExtractionError(f"image cannot be decoded ({type(error).__name__}: {error})") from error


def _fit(image) -> np.ndarray:
    longest = max(image.size)
    if longest > MAX_SIDE:
        ratio = MAX_SIDE / longest
        image = image.resize((max(1, math.floor(image.width * ratio)), max(1, math.floor(image.height * ratio))))
    return np.array(image)

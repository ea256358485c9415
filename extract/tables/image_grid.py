"""Ruled tables on a page image: straighten the page, find its ruling lines, turn them into cells.

Scans are tilted by a degree or two; a ruling line 1000 px long then drifts 20-35 px, so
the page is turned straight first (the angle that makes the rows of ink sharpest). Ruling
lines are the ink left after a morphological opening with a long thin kernel; character
strokes are shorter than the kernels, and what survives of them does not join a grid. The
lines become pdfplumber edges, and pdfplumber's own lattice code makes the cells, so a
scanned table is cut into cells exactly as a ruled table in a PDF is.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from pdfplumber.table import Table, cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

Bbox = tuple[float, float, float, float]

_MAX_SKEW_DEGREES = 4.0
_SNAP = 4  # px: two line pieces closer than this are one line
_JOIN = 8  # px: a line broken by blur or noise for up to this long is still one line
_MIN_CELLS = 4


@dataclass(frozen=True, slots=True)
class ImageTable:
    bbox: Bbox
    rows: tuple[tuple[Bbox | None, ...], ...]  # pdfplumber's rows: a spanned slot is None


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Ink as 255, paper as 0 (Otsu: a faded scan has grey ink on grey paper)."""
    _, mask = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return mask


def skew_angle(gray: np.ndarray) -> float:
    """The page's tilt in degrees (counter-clockwise positive), from the sharpest row profile."""
    small = cv2.resize(ink_mask(gray), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    if not small.any():
        return 0.0

    def sharpness(angle: float) -> float:
        height, width = small.shape
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        rows = cv2.warpAffine(small, turn, (width, height), flags=cv2.INTER_NEAREST).sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-_MAX_SKEW_DEGREES, _MAX_SKEW_DEGREES + 1e-9, 0.25), key=sharpness)
    return float(max(np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05), key=sharpness))


def deskew(gray: np.ndarray) -> np.ndarray:
    angle = skew_angle(gray)
    if abs(angle) < 0.05:
        return gray
    height, width = gray.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(gray, turn, (width, height), flags=cv2.INTER_CUBIC, borderValue=255)


def _segments(mask: np.ndarray, orientation: str) -> list[dict]:
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    edges = []
    for x, y, w, h, _ in stats[1:count]:
        if orientation == "h":
            middle = y + h / 2
            edges.append({"x0": float(x), "x1": float(x + w), "top": middle, "bottom": middle,
                          "width": float(w), "height": 0.0, "orientation": "h"})
        else:
            middle = x + w / 2
            edges.append({"x0": middle, "x1": middle, "top": float(y), "bottom": float(y + h),
                          "width": 0.0, "height": float(h), "orientation": "v"})
    return edges


def find_tables(gray: np.ndarray) -> tuple[ImageTable, ...]:
    """The ruled tables of a straightened page, top to bottom."""
    ink = ink_mask(gray)
    height, width = ink.shape
    # a character is at most ~1/25 of the page width; table rows are at least ~1/70 of its height
    long_across = cv2.getStructuringElement(cv2.MORPH_RECT, (max(width // 25, 20), 1))
    long_down = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(height // 90, 12)))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, long_across)
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, long_down)
    # a grid is lines that touch one another: strokes that survived the opening stand alone
    lines = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    keep = np.zeros(count, dtype=bool)
    for index in range(1, count):
        _, _, w, h, _ = stats[index]
        keep[index] = w >= width // 8 and h >= height // 60
    grid = keep[labels]
    edges = _segments(np.where(grid, horizontal, 0).astype(np.uint8), "h")
    edges += _segments(np.where(grid, vertical, 0).astype(np.uint8), "v")
    if not edges:
        return ()
    edges = merge_edges(edges, _SNAP, _SNAP, _JOIN, _JOIN)
    cells = intersections_to_cells(edges_to_intersections(edges, _SNAP, _SNAP))
    tables = []
    for table_cells in cells_to_tables(cells):
        if len(table_cells) < _MIN_CELLS:
            continue
        table = Table(None, table_cells)
        tables.append(ImageTable(bbox=table.bbox, rows=tuple(tuple(row.cells) for row in table.rows)))
    return tuple(sorted(tables, key=lambda table: table.bbox[1]))

"""The small ratio chart of the monthly e-mail, drawn server-side as a PNG with Pillow.

Mail clients run no JavaScript and block remote images, so the chart travels
inside the e-mail (Content-ID). Pillow rather than matplotlib: a few bars and
lines need no plotting library, and it keeps a worker small and fast (about a
millisecond a chart). No Django here: the caller passes the labels, already
formatted in the user's locale.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont
from zlib_ng import zlib_ng

# Drawn at twice the displayed size, so it stays sharp on high-density screens.
SCALE = 2
WIDTH, HEIGHT = 520, 180  # as displayed, in CSS pixels
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 12, 12, 26, 26

TEXT = (83, 94, 105)
GRID = (214, 220, 216)
BAR = (160, 201, 191)
BAR_LAST = (11, 107, 92)
TARGET = (184, 110, 0)
MISSING = (200, 205, 208)
BACKGROUND = (255, 255, 255)

# How the PNG's pixels are compressed; most of a chart's time is deflate's. A chart
# is long runs of one colour, and zlib-ng (a faster implementation of zlib, the same
# format) deflates them as runs in a third of the time of its level 6 and about the
# time of its level 1, for 8.5 KB a chart (4.5 KB at level 6, 12.5 at level 1; the
# system's zlib took almost four times as long for 5.9 KB). The level does not
# change a run-length deflate.
PNG_STRATEGY = zlib_ng.Z_RLE


# Text is antialiased: its edges blend its colour with what is under it (white, or
# a bar under the goal's label). Seven steps of each blend are plenty at this size.
_BLENDS = ((BACKGROUND, TEXT), (BACKGROUND, BAR_LAST), (BACKGROUND, TARGET), (BAR, TARGET))
_STEPS = 8


def _palette() -> list[tuple[int, int, int]]:
    colours = [BACKGROUND, TEXT, GRID, BAR, BAR_LAST, TARGET, MISSING]
    for under, over in _BLENDS:
        colours += [
            tuple(round(a + (b - a) * step / _STEPS) for a, b in zip(under, over, strict=True))
            for step in range(1, _STEPS)
        ]
    return colours


# The fixed palette of every chart; a colour's index is what the picture holds.
PALETTE = _palette()
_INDEX = {colour: index for index, colour in enumerate(PALETTE)}
_PALETTE_BYTES = [channel for colour in PALETTE for channel in colour]


@dataclass(frozen=True)
class ChartPoint:
    label: str  # under the bar, e.g. "Jan"
    value: Decimal | None  # a fraction (0.05 = 5%); Infinity for fully passive; None: no figure
    text: str  # the value in words, e.g. "5.3%", shown above the newest bar


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's own embedded font (FreeType): no system font needed on a server.
    return ImageFont.load_default(size=size * SCALE)


def _s(value: float) -> int:
    return round(value * SCALE)


def ratio_chart_png(
    points: Sequence[ChartPoint], *, target: Decimal | None = None, target_text: str = ""
) -> bytes:
    """Bars of the ratio month by month, the newest one dark, the goal as a dashed line.

    The same chart (same labels, values, texts and goal) is drawn once per process:
    a batch sent again after the SMTP server deferred it, users with the same
    history (new accounts, no figures yet) get the same picture.
    """
    return _png(tuple(points), target, target_text)


@functools.lru_cache(maxsize=256)  # about 6 KB a chart
def _png(points: tuple[ChartPoint, ...], target: Decimal | None, target_text: str) -> bytes:
    return _encode_png(draw_ratio_chart(points, target=target, target_text=target_text))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib_ng.crc32(kind + data))
    )


def _encode_png(image: Image.Image) -> bytes:
    """An 8-bit palette PNG of ``image``, written here rather than by Pillow to
    compress it with zlib-ng."""
    width, height = image.size
    # Each row starts with its filter type: 0, none. Pasted into a picture one column
    # wider whose first column is index 0, the rows come out with it in one call.
    framed = Image.new("P", (width + 1, height), 0)
    framed.paste(image, (1, 0))
    rows = framed.tobytes()
    compressor = zlib_ng.compressobj(strategy=PNG_STRATEGY)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            # Width, height, 8 bits a pixel, colour type 3 (palette), no interlace.
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)),
            _chunk(b"PLTE", bytes(_PALETTE_BYTES)),
            _chunk(b"IDAT", compressor.compress(rows) + compressor.flush()),
            _chunk(b"IEND", b""),
        ]
    )


# Under the axis (drawn from PAD_BOTTOM up), a strip that holds only the months' labels.
_LABELS_TOP = _s(HEIGHT - PAD_BOTTOM + 1)


def _centre(index: int, count: int) -> float:
    """Where the bar and label of point ``index`` of ``count`` are centred."""
    return PAD_LEFT + (WIDTH - PAD_LEFT - PAD_RIGHT) / max(count, 1) * (index + 0.5)


@functools.lru_cache(maxsize=64)
def _labels(labels: tuple[str, ...]) -> Image.Image:
    """The strip of the months' labels, the newest in dark, drawn once per process
    for each run of months: every chart of a batch has the same ones, and they are
    most of a chart's texts."""
    strip = Image.new("P", (_s(WIDTH), _s(HEIGHT) - _LABELS_TOP), _INDEX[BACKGROUND])
    strip.putpalette(_PALETTE_BYTES)
    draw = ImageDraw.Draw(strip)
    for index, label in enumerate(labels):
        _text(
            draw,
            (_s(_centre(index, len(labels))), _s(HEIGHT - PAD_BOTTOM + 5) - _LABELS_TOP),
            label,
            fill=BAR_LAST if index == len(labels) - 1 else TEXT,
            font=_font(11),
            anchor="ma",
        )
    return strip


_DASHES_MIDDLE = 4  # the row of the dashes' strip that is the line's height


@functools.cache
def _dashes() -> Image.Image:
    """The goal's dashed line across the plot, as a mask: drawn once per process and
    pasted at the goal's height. Its forty-odd ``ImageDraw.line`` calls were a
    quarter of the time of drawing a chart, and only their height changes (a whole
    pixel: the same pixels at any height)."""
    strip = Image.new("1", (_s(WIDTH), 2 * _DASHES_MIDDLE + 1), 0)
    draw = ImageDraw.Draw(strip)
    x, dash, right = PAD_LEFT, 6, WIDTH - PAD_RIGHT
    while x < right:
        draw.line([(_s(x), _DASHES_MIDDLE), (_s(min(x + dash, right)), _DASHES_MIDDLE)], 1, _s(1.5))
        x += dash * 2
    return strip


def draw_ratio_chart(
    points: Sequence[ChartPoint], *, target: Decimal | None = None, target_text: str = ""
) -> Image.Image:
    """The chart of ``ratio_chart_png``, drawn in the fixed ``PALETTE``.

    A palette image is a quarter of the bytes of an RGB one to fill and to compress,
    and drawn in the palette straight away it needs no conversion afterwards (which
    cost about as much as the drawing): the white background stays exactly white,
    to sit seamlessly on the e-mail.
    """
    image = Image.new("P", (_s(WIDTH), _s(HEIGHT)), _INDEX[BACKGROUND])
    image.putpalette(_PALETTE_BYTES)
    draw = ImageDraw.Draw(image)
    small, label_font = _font(11), _font(12)

    finite = [p.value for p in points if p.value is not None and p.value.is_finite()]
    top = max([Decimal("0.01"), *finite, *([target] if target is not None else [])])
    top *= Decimal("1.15")
    plot_left, plot_right = PAD_LEFT, WIDTH - PAD_RIGHT
    plot_top, plot_bottom = PAD_TOP, HEIGHT - PAD_BOTTOM

    def y_of(value: Decimal) -> float:
        share = max(min(float(value / top), 1.0), 0.0)
        return plot_bottom - share * (plot_bottom - plot_top)

    draw.line(
        [(_s(plot_left), _s(plot_bottom)), (_s(plot_right), _s(plot_bottom))], _INDEX[GRID], _s(1)
    )

    image.paste(_labels(tuple(point.label for point in points)), (0, _LABELS_TOP))
    bar_width = (plot_right - plot_left) / max(len(points), 1) * 0.62
    for index, point in enumerate(points):
        centre = _centre(index, len(points))
        left, right = centre - bar_width / 2, centre + bar_width / 2
        newest = index == len(points) - 1
        if point.value is None:
            draw.line(
                [(_s(left), _s(plot_bottom - 1)), (_s(right), _s(plot_bottom - 1))],
                _INDEX[MISSING],
                _s(2),
            )
        else:
            # Unbounded (fully passive) fills the chart; negative ratios do not exist.
            y = plot_top if point.value.is_infinite() else y_of(max(point.value, Decimal(0)))
            if plot_bottom - y < 1:
                y = plot_bottom - 1
            draw.rectangle(
                [(_s(left), _s(y)), (_s(right), _s(plot_bottom))],
                _INDEX[BAR_LAST if newest else BAR],
            )
            if newest:
                _text(
                    draw,
                    (_s(centre), _s(y - 3)),
                    point.text,
                    fill=BAR_LAST,
                    font=label_font,
                    anchor="md",
                )

    if target is not None and target.is_finite():
        y = y_of(target)
        image.paste(_INDEX[TARGET], (0, _s(y) - _DASHES_MIDDLE), _dashes())
        if target_text:
            _text(
                draw, (_s(plot_left), _s(y - 3)), target_text, fill=TARGET, font=small, anchor="ld"
            )

    return image


@functools.lru_cache(maxsize=1024)
def _glyphs(text: str, font, anchor: str) -> tuple[bytes, tuple[int, int], tuple[int, int]]:
    """The antialiased mask of a one-line text (one byte a pixel, 0 to 255), its size,
    and where it sits from its anchor point: what Pillow's ``ImageDraw.text``
    renders on every call, rendered once (month names, goal labels and most ratios
    repeat from one e-mail to the next)."""
    mask, offset = font.getmask2(text, "L", anchor=anchor)
    return bytes(mask), mask.size, offset


@functools.cache
def _blend_indexes(under: int, over: int) -> bytes:
    """For each mask level (0 to 255), the palette index of ``over`` laid on ``under``
    at that level: the palette entry nearest to the colour Pillow's ``draw.text``
    would blend on an RGB picture (its rounding, ``(a * (255 - m) + b * m) / 255``)."""

    def blend(a: int, b: int, level: int) -> int:
        value = a * (255 - level) + b * level + 128
        return ((value >> 8) + value) >> 8

    def nearest(colour: tuple[int, ...]) -> int:
        return min(
            range(len(PALETTE)),
            key=lambda index: sum(
                (c - p) ** 2 for c, p in zip(colour, PALETTE[index], strict=True)
            ),
        )

    return bytes(
        nearest(
            tuple(blend(a, b, level) for a, b in zip(PALETTE[under], PALETTE[over], strict=True))
        )
        for level in range(256)
    )


@functools.cache
def _only(index: int) -> list[int]:
    """A table for ``Image.point``: 255 where a pixel is ``index``, 0 elsewhere."""
    return [255 if value == index else 0 for value in range(256)]


def _text(draw: ImageDraw.ImageDraw, xy, text: str, *, fill, font, anchor: str) -> None:
    """``draw.text`` for one line at whole-pixel ``xy`` on the palette picture,
    antialiased: each edge pixel becomes the palette's nearest blend of ``fill`` with
    the colour under it (Pillow draws text on a palette image without antialiasing)."""
    mask, size, (dx, dy) = _glyphs(text, font, anchor)
    if not mask:
        return
    image = draw._image
    box = (xy[0] + dx, xy[1] + dy, xy[0] + dx + size[0], xy[1] + dy + size[1])
    under = image.crop(box)
    over = _INDEX[fill]
    colours = [index for _, index in under.getcolors(len(PALETTE))]
    patch = Image.frombytes("P", size, mask.translate(_blend_indexes(colours[0], over)))
    # Over a bar's edge (the goal's label), each colour under the text has its blends.
    for colour in colours[1:]:
        blended = Image.frombytes("P", size, mask.translate(_blend_indexes(colour, over)))
        patch.paste(blended, mask=under.point(_only(colour), "L"))
    image.paste(patch, box)

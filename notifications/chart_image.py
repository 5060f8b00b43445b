"""The small ratio chart of the monthly e-mail, drawn server-side as a PNG with Pillow.

Mail clients run no JavaScript and block remote images, so the chart travels
inside the e-mail (Content-ID). Pillow rather than matplotlib: a few bars and
lines need no plotting library, and it keeps a worker small and fast (a few
milliseconds a chart). No Django here: the caller passes the labels, already
formatted in the user's locale.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont

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

# zlib's effort writing the PNG, most of a chart's time at the default (6). At 3 the
# same pixels take half the time for a file about a third larger (6 KB instead of
# 4.7 KB, measured on the benchmark's charts); 1 and 2 are no faster here and larger.
PNG_COMPRESS_LEVEL = 3


# Text is antialiased: its edges blend its colour with what is under it (white, or
# a bar under the goal's label). Seven steps of each blend are plenty at this size.
_BLENDS = ((BACKGROUND, TEXT), (BACKGROUND, BAR_LAST), (BACKGROUND, TARGET), (BAR, TARGET))
_STEPS = 8


def _palette_image() -> Image.Image:
    colours = [BACKGROUND, TEXT, GRID, BAR, BAR_LAST, TARGET, MISSING]
    for under, over in _BLENDS:
        colours += [
            tuple(round(a + (b - a) * step / _STEPS) for a, b in zip(under, over, strict=True))
            for step in range(1, _STEPS)
        ]
    palette = Image.new("P", (1, 1))
    palette.putpalette([channel for colour in colours for channel in colour])
    return palette


_PALETTE = _palette_image()


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


@functools.lru_cache(maxsize=256)  # about 5 KB a chart
def _png(points: tuple[ChartPoint, ...], target: Decimal | None, target_text: str) -> bytes:
    image = draw_ratio_chart(points, target=target, target_text=target_text)
    # A palette image is a fraction of the size of an RGB one and looks the same here.
    # The palette is fixed (_PALETTE): mapping each pixel to its nearest entry costs a
    # tenth of building a palette from the picture (Image.quantize), and the white
    # background stays exactly white, to sit seamlessly on the e-mail.
    small_image = image.quantize(palette=_PALETTE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    small_image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def draw_ratio_chart(
    points: Sequence[ChartPoint], *, target: Decimal | None = None, target_text: str = ""
) -> Image.Image:
    """The chart of ``ratio_chart_png`` as an RGB picture, before it is made small."""
    image = Image.new("RGB", (_s(WIDTH), _s(HEIGHT)), BACKGROUND)
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

    draw.line([(_s(plot_left), _s(plot_bottom)), (_s(plot_right), _s(plot_bottom))], GRID, _s(1))

    count = max(len(points), 1)
    slot = (plot_right - plot_left) / count
    bar_width = slot * 0.62
    for index, point in enumerate(points):
        centre = plot_left + slot * (index + 0.5)
        left, right = centre - bar_width / 2, centre + bar_width / 2
        newest = index == len(points) - 1
        if point.value is None:
            draw.line(
                [(_s(left), _s(plot_bottom - 1)), (_s(right), _s(plot_bottom - 1))], MISSING, _s(2)
            )
        else:
            # Unbounded (fully passive) fills the chart; negative ratios do not exist.
            y = plot_top if point.value.is_infinite() else y_of(max(point.value, Decimal(0)))
            if plot_bottom - y < 1:
                y = plot_bottom - 1
            draw.rectangle(
                [(_s(left), _s(y)), (_s(right), _s(plot_bottom))], BAR_LAST if newest else BAR
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
        _text(
            draw,
            (_s(centre), _s(plot_bottom + 5)),
            point.label,
            fill=BAR_LAST if newest else TEXT,
            font=small,
            anchor="ma",
        )

    if target is not None and target.is_finite():
        y = y_of(target)
        x, dash = plot_left, 6
        while x < plot_right:
            draw.line([(_s(x), _s(y)), (_s(min(x + dash, plot_right)), _s(y))], TARGET, _s(1.5))
            x += dash * 2
        if target_text:
            _text(
                draw, (_s(plot_left), _s(y - 3)), target_text, fill=TARGET, font=small, anchor="ld"
            )

    return image


@functools.lru_cache(maxsize=1024)
def _glyphs(text: str, font, anchor: str):
    """The antialiased mask of a one-line text and where it sits from its anchor point:
    what Pillow's ``ImageDraw.text`` renders on every call, rendered once (month
    names, goal labels and most ratios repeat from one e-mail to the next)."""
    return font.getmask2(text, "L", anchor=anchor)


def _text(draw: ImageDraw.ImageDraw, xy, text: str, *, fill, font, anchor: str) -> None:
    """``draw.text`` for one line at whole-pixel ``xy``, from the cached ``_glyphs``."""
    mask, (dx, dy) = _glyphs(text, font, anchor)
    ink, _ = draw._getink(fill)
    draw.draw.draw_bitmap((xy[0] + dx, xy[1] + dy), mask, ink)

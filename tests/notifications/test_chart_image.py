"""The PNG chart of the monthly e-mail: small, valid, and honest about odd figures."""

from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image, ImageChops

from notifications.chart_image import (
    BACKGROUND,
    BAR,
    BAR_LAST,
    GRID,
    HEIGHT,
    SCALE,
    TARGET,
    TEXT,
    WIDTH,
    ChartPoint,
    draw_ratio_chart,
    ratio_chart_png,
)


def points(*values):
    return [
        ChartPoint(label=f"M{index}", value=value, text="x") for index, value in enumerate(values)
    ]


def image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_a_small_png_at_twice_the_displayed_size():
    png = ratio_chart_png(
        points(*[Decimal("0.05")] * 12), target=Decimal("0.1"), target_text="Goal"
    )
    assert png.startswith(b"\x89PNG")
    assert len(png) < 20_000
    picture = image(png)
    assert picture.size == (WIDTH * SCALE, HEIGHT * SCALE)
    # A white background, to sit seamlessly on the e-mail.
    assert picture.getpixel((0, 0)) == BACKGROUND


def test_undefined_unbounded_and_zero_figures_draw():
    png = ratio_chart_png(points(None, Decimal(0), Decimal("Infinity"), Decimal("0.02")))
    picture = image(png)
    assert picture.size == (WIDTH * SCALE, HEIGHT * SCALE)


def test_no_points_at_all():
    assert ratio_chart_png([]).startswith(b"\x89PNG")


def test_the_newest_bar_is_dark():
    picture = image(ratio_chart_png(points(Decimal("0.05"), Decimal("0.05"))))
    # The centre of the second (newest) of two slots, low in the plot area.
    x = int((12 + (WIDTH - 24) * 0.75) * SCALE)
    y = int((HEIGHT - 30) * SCALE)
    red, green, blue = picture.getpixel((x, y))
    assert abs(red - BAR_LAST[0]) + abs(green - BAR_LAST[1]) + abs(blue - BAR_LAST[2]) < 30


def test_the_small_png_shows_what_was_drawn():
    # The goal's label sits over the first bar: its edges blend two colours.
    chart = (
        points(*[Decimal("0.09")] * 11, Decimal("0.12")),
        {"target": Decimal("0.1"), "target_text": "Goal 10.0%"},
    )
    drawn = draw_ratio_chart(chart[0], **chart[1])
    sent = Image.open(io.BytesIO(ratio_chart_png(chart[0], **chart[1])))
    sent.verify()  # every chunk's checksum, and the image data complete
    sent = image(ratio_chart_png(chart[0], **chart[1]))
    assert sent.tobytes() == drawn.convert("RGB").tobytes()
    # The chart's own colours survive unchanged, the most common one white.
    colours = dict((colour, count) for count, colour in sent.getcolors(1 << 16))
    for colour in (BACKGROUND, BAR, BAR_LAST, TARGET, GRID, TEXT):
        assert colour in colours
    assert max(colours, key=colours.get) == BACKGROUND


def test_texts_are_antialiased_as_pillow_draws_them():
    """The chart is a palette picture, on which Pillow would draw texts without
    antialiasing: its own ``_text`` puts at each pixel the palette's colour nearest
    to what Pillow's ``ImageDraw.text`` draws on an RGB picture, over white, over a
    bar, and over a bar's edge."""
    from PIL import ImageDraw

    from notifications.chart_image import _INDEX, _font, _text

    for text, size, anchor in [("Jan", 11, "ma"), ("6.7%", 12, "md"), ("Goal 10.0%", 11, "ld")]:
        for under in (BACKGROUND, BAR, None):
            theirs = Image.new("RGB", (240, 80), BACKGROUND)
            ours = Image.new("P", (240, 80), _INDEX[BACKGROUND])
            ours.putpalette(draw_ratio_chart([]).getpalette())
            if under is not None:  # None: a bar's edge under the middle of the text
                box = (0, 0, 240, 80) if under == BAR else (0, 0, 0, 0)
            else:
                under, box = BAR, (0, 0, 120, 80)
            ImageDraw.Draw(theirs).rectangle(box, under)
            ImageDraw.Draw(ours).rectangle(box, _INDEX[under])
            _text(
                ImageDraw.Draw(ours), (101, 41), text, fill=TARGET, font=_font(size), anchor=anchor
            )
            ImageDraw.Draw(theirs).text(
                (101, 41), text, fill=TARGET, font=_font(size), anchor=anchor
            )
            ours = ours.convert("RGB")
            difference = ImageChops.difference(ours, theirs)
            # Within a step of the palette's blends everywhere, exact on the solid strokes.
            assert max(high for _, high in difference.getextrema()) <= 24, (text, under)
            assert TARGET in {c for _, c in ours.getcolors(1 << 16)}, (text, under)
            # Antialiased: blends of the text's colour, not only the colour itself.
            assert len(ours.getcolors(1 << 16)) > 3, (text, under)

"""The PNG chart of the monthly e-mail: small, valid, and honest about odd figures."""

from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image

from notifications.chart_image import (
    BACKGROUND,
    BAR_LAST,
    HEIGHT,
    SCALE,
    WIDTH,
    ChartPoint,
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

"""Diff images (perceptdiff.diffimage): colours at known pixels, layout, files."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

import perceptdiff
from perceptdiff import diffimage as di
from perceptdiff.diffimage import legend, palette
from perceptdiff.errors import PerceptdiffError
from perceptdiff.image import Image
from perceptdiff.result import ComparisonResult, MapStore, Region

from conftest import rgba, with_noise, write_png

H, W = 300, 400  # >= 256 on the longer side: drawn 1:1, no enlargement


def make_result(exp: np.ndarray, act: np.ndarray | None = None, *, jnd: np.ndarray | None = None,
                forgiven: np.ndarray | None = None, regions: tuple[Region, ...] = (),
                threshold: float = 1.0, ignore: tuple[tuple[int, int, int, int], ...] = (),
                verdict: str = "fail", compared: bool = True) -> ComparisonResult:
    """A ComparisonResult built by hand around a given visibility map."""
    a = Image.from_pixels(exp)
    b = Image.from_pixels(exp if act is None else act)
    shape = (a.height, a.width)
    if jnd is None and compared:
        jnd = np.zeros(shape, np.float32)
    return ComparisonResult(
        verdict=verdict, reason="synthetic result for a test", metric="test", metric_version="0",
        expected_size=a.size, actual_size=b.size, compared_size=a.size if compared else None,
        pixels_per_degree=40.0, peak_jnd=None if jnd is None else float(jnd.max()),
        p999_jnd=None, visible_pixels=0, visible_area_deg2=0.0, visible_ratio=0.0,
        regions=regions, region_count=len(regions), forgiven_pixels=0,
        options={"jnd_threshold": threshold, "ignore": [list(r) for r in ignore]},
        timings={}, expected_image=a, actual_image=b,
        _jnd=None if jnd is None else MapStore(shape, jnd.astype(np.float32)),
        _forgiven=None if forgiven is None else MapStore(shape, forgiven, dtype=bool),
    )


def region(x: int, y: int, w: int, h: int, failing: bool) -> Region:
    return Region(x=x, y=y, width=w, height=h, visible_pixels=w * h, area_deg2=w * h / 1600.0,
                  peak_jnd=5.0, failing=failing)


def px(img: np.ndarray, x: int, y: int) -> tuple[int, ...]:
    return tuple(int(v) for v in img[y, x, :3])


def close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 2) -> bool:
    return all(abs(int(p) - int(q)) <= tol for p, q in zip(a, b))


@pytest.fixture
def scene() -> np.ndarray:
    """Mid-grey page with a dark-blue block (so background grey varies)."""
    img = rgba(H, W, (128, 128, 128))
    img[50:150, 50:200, :3] = (20, 40, 120)
    return img


# ------------------------------------------------------------- colours ---

def test_untouched_area_is_faded_grey(scene: np.ndarray) -> None:
    out = di.render_diff(make_result(scene))
    bg = px(out, 300, 250)      # grey 128 page
    dark = px(out, 100, 100)    # dark-blue block
    assert bg[0] == bg[1] == bg[2] and dark[0] == dark[1] == dark[2]
    # faded: 30 % of the contrast kept, towards white
    assert 255 - 0.3 * 255 - 1 <= dark[0] < bg[0] < 255
    assert bg[0] == round(255 - 0.3 * (255 - 128))


def test_strength_colours_at_known_pixels(scene: np.ndarray) -> None:
    jnd = np.zeros((H, W), np.float32)
    jnd[200, 10] = 0.3    # below the faint level: not drawn
    jnd[200, 20] = 0.75   # sub-threshold: faint gold wash
    jnd[200, 30] = 1.0    # at threshold: gold
    jnd[200, 40] = 4.0    # strong: red-orange
    jnd[200, 50] = 40.0   # very strong: magenta end of the ramp
    out = di.render_diff(make_result(scene, jnd=jnd))
    grey = px(out, 300, 250)
    assert px(out, 10, 200) == grey
    faint = px(out, 20, 200)
    assert faint != grey and faint[0] > faint[2] and faint[2] < grey[2]
    assert close(px(out, 30, 200), di.RAMP[0][1])
    strong = px(out, 40, 200)
    assert close(strong, di.RAMP[2][1])
    assert strong[0] > 200 and strong[1] < 100 and strong[2] < 60  # red-ish
    assert close(px(out, 50, 200), di.RAMP[-1][1])


def test_ramp_is_ordered_by_lightness() -> None:
    ratios = np.geomspace(1.0, 32.0, 50).astype(np.float32)
    cols = di.ramp_colors(ratios)
    luma = cols @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    assert np.all(np.diff(luma) <= 1e-3)
    assert luma[0] - luma[-1] > 80


def test_threshold_scales_the_ramp(scene: np.ndarray) -> None:
    jnd = np.zeros((H, W), np.float32)
    jnd[200, 20] = 1.5    # under a threshold of 2: faint only
    jnd[200, 30] = 2.0    # at the threshold: gold
    out = di.render_diff(make_result(scene, jnd=jnd, threshold=2.0))
    assert not close(px(out, 20, 200), di.RAMP[0][1], tol=20)
    assert close(px(out, 30, 200), di.RAMP[0][1])


def test_forgiven_pixels_have_the_muted_colour(scene: np.ndarray) -> None:
    forgiven = np.zeros((H, W), bool)
    forgiven[220, 60:70] = True
    jnd = np.zeros((H, W), np.float32)
    jnd[220, 65] = 5.0  # a visible difference wins over forgiveness
    out = di.render_diff(make_result(scene, jnd=jnd, forgiven=forgiven))
    teal = px(out, 61, 220)
    assert teal[2] > teal[0] and teal[1] > teal[0]          # blue-green
    grey = px(out, 300, 250)[0]
    expect = tuple(round(grey + (c - grey) * di.FORGIVEN_ALPHA) for c in di.FORGIVEN_COLOR)
    assert close(teal, expect)
    assert close(px(out, 65, 220), tuple(np.rint(di.ramp_colors(np.array([5.0]))[0])))


def test_region_outlines_outside_the_box(scene: np.ndarray) -> None:
    regions = (region(100, 200, 20, 10, True), region(300, 60, 10, 10, False))
    out = di.render_diff(make_result(scene, regions=regions))
    red, orange = di.FAILING_BOX_COLOR, di.REGION_BOX_COLOR
    # failing: 2 px ring just outside (x-1 and x-2), box interior untouched
    assert px(out, 99, 205) == red and px(out, 98, 205) == red
    assert px(out, 97, 205) != red and px(out, 100, 205) != red
    assert px(out, 110, 199) == red and px(out, 110, 210) == red
    # passing region: 1 px orange ring
    assert px(out, 299, 65) == orange and px(out, 298, 65) != orange
    assert px(out, 310, 65) == orange and px(out, 305, 65) != orange


def test_region_at_the_edge_is_framed_inside_the_frame(scene: np.ndarray) -> None:
    out = di.render_diff(make_result(scene, regions=(region(0, 0, 8, 8, True),)))
    assert px(out, 0, 4) == di.FAILING_BOX_COLOR and px(out, 4, 0) == di.FAILING_BOX_COLOR
    assert px(out, 9, 4) == di.FAILING_BOX_COLOR


def test_ignored_rectangles_are_hatched(scene: np.ndarray) -> None:
    out = di.render_diff(make_result(scene, ignore=((250, 180, 60, 60),)))
    block = out[180:240, 250:310, :3].reshape(-1, 3)
    hatched = np.all(block == np.array(palette.HATCH, np.uint8), axis=1)
    assert 0.1 < hatched.mean() < 0.3
    outside = out[250:290, 330:390, :3].reshape(-1, 3)
    assert not np.all(outside == np.array(palette.HATCH, np.uint8), axis=1).any()


def test_transparency_shows_a_checkerboard() -> None:
    img = rgba(H, W, (255, 255, 255), alpha=0)
    out = di.render_diff(make_result(img))
    levels = np.unique(out[:H, :W, 0])
    assert len(levels) == 2  # two faded checker greys


@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_16_bit_and_float_images(dtype: Any, scene: np.ndarray) -> None:
    scale = 65535 / 255 if dtype == np.uint16 else 1 / 255
    deep = (scene.astype(np.float64) * scale)
    deep = np.rint(deep).astype(dtype) if dtype == np.uint16 else deep.astype(dtype)
    ref = di.render_diff(make_result(scene))
    out = di.render_diff(make_result(deep))
    assert np.array_equal(ref, out)


# -------------------------------------------------------------- layout ---

def test_overlay_and_sidebyside_sizes(scene: np.ndarray) -> None:
    res = make_result(scene, regions=(region(60, 60, 20, 20, True),))
    over = di.render_diff(res)
    assert over.dtype == np.uint8 and over.ndim == 3 and over.shape[2] == 3
    assert over.shape[1] == W and over.shape[0] > H + 20           # legend below
    sbs = di.render_diff(res, style="sidebyside")
    assert sbs.shape[1] == 3 * W + 2 * 3                           # 3 px separators
    assert sbs.shape[0] > over.shape[0]                            # plus a label row
    # the third panel is the overlay itself
    label_h = int(np.argmax(np.all(sbs[:, 0] == (128, 128, 128), axis=1)))
    assert np.array_equal(sbs[label_h:label_h + H, 2 * W + 6:], over[:H])
    # the first panel shows the expected image in colour
    assert px(sbs, 100, label_h + 100) == (20, 40, 120)


def test_sidebyside_outlines_only_failing_regions_on_the_originals(scene: np.ndarray) -> None:
    res = make_result(scene, regions=(region(60, 60, 20, 20, True), region(300, 200, 10, 10, False)))
    sbs = di.render_diff(res, style="sidebyside")
    top = int(np.argmax(np.all(sbs[:, 0] == (128, 128, 128), axis=1)))  # below the label row
    assert top > 0
    for panel in range(3):
        x0 = panel * (W + 3)
        assert px(sbs, x0 + 59, top + 70) == di.FAILING_BOX_COLOR
        has_orange = px(sbs, x0 + 299, top + 205) == di.REGION_BOX_COLOR
        assert has_orange == (panel == 2)


def test_small_images_are_enlarged() -> None:
    img = rgba(24, 32, (200, 200, 200))
    jnd = np.zeros((24, 32), np.float32)
    jnd[5, 7] = 10.0
    out = di.render_diff(make_result(img, jnd=jnd))
    k = di.zoom_factor(32, 24)
    assert k == 8
    block = out[5 * k:6 * k, 7 * k:8 * k, :3].reshape(-1, 3)
    assert (block == block[0]).all() and tuple(block[0]) != px(out, 0, 0)
    assert out.shape[1] == max(32 * k, 360)  # the legend keeps a legible width


def test_size_mismatch_shows_both_images() -> None:
    a = rgba(40, 60, (255, 0, 0))
    b = rgba(50, 80, (0, 0, 255))
    res = ComparisonResult(
        verdict="fail", reason="size differs: 60x40 vs 80x50", metric="test", metric_version="0",
        expected_size=(60, 40), actual_size=(80, 50), compared_size=None, pixels_per_degree=40.0,
        peak_jnd=None, p999_jnd=None, visible_pixels=0, visible_area_deg2=0.0, visible_ratio=0.0,
        regions=(), region_count=0, forgiven_pixels=0, options={"jnd_threshold": 1.0}, timings={},
        expected_image=Image.from_pixels(a), actual_image=Image.from_pixels(b))
    assert res.jnd_map is None
    out = di.render_diff(res)
    for style in ("overlay", "sidebyside"):  # both styles draw the same picture here
        assert np.array_equal(di.render_diff(res, style), out)
    k = min(di.zoom_factor(60, 40), di.zoom_factor(80, 50))
    assert k == 3
    flat = out[..., :3].reshape(-1, 3)
    assert (np.all(flat == (255, 0, 0), axis=1)).sum() == 40 * 60 * k * k
    assert (np.all(flat == (0, 0, 255), axis=1)).sum() == 50 * 80 * k * k


def test_legend_shows_the_ramp(scene: np.ndarray) -> None:
    out = di.render_diff(make_result(scene))
    legend = out[H:].reshape(-1, 3)
    for _, col in (di.RAMP[0], di.RAMP[-1]):
        assert np.all(np.abs(legend.astype(int) - col) <= 2, axis=1).any()


def test_text_falls_back_to_ascii_for_missing_glyphs() -> None:
    font = legend.builtin_font(11)
    text = legend.printable(font, "0.8 deg\u00b2 \u2265 40 px")
    assert text.isascii() and "deg" in text


def test_unknown_style_and_mismatched_map(scene: np.ndarray) -> None:
    res = make_result(scene)
    with pytest.raises(PerceptdiffError, match="style"):
        di.render_diff(res, style="collage")
    bad = ComparisonResult(**{**res.__dict__, "_jnd": MapStore((10, 10), None)})
    with pytest.raises(PerceptdiffError, match="does not match"):
        di.render_diff(bad)


# ------------------------------------------------- through compare() ---

def test_compare_result_marks_the_change(png: Any) -> None:
    base = rgba(256, 256, (250, 250, 250))
    base[40:80, 40:200, :3] = (30, 30, 30)
    changed = base.copy()
    changed[150:170, 150:170, :3] = (220, 30, 30)   # a red square appears
    res = perceptdiff.compare(png("a.png", base), png("b.png", with_noise(changed, 3)))
    assert res.verdict == "fail"
    out = di.render_diff(res)
    centre = px(out, 160, 160)
    assert res.jnd_map[160, 160] >= 4
    assert centre[0] >= 140 and centre[1] < 100 and max(centre) - min(centre) > 80  # red-magenta
    far = px(out, 230, 30)
    assert far[0] == far[1] == far[2]                                      # untouched: grey
    failing = [r for r in res.regions if r.failing]
    assert failing
    r = failing[0]
    assert px(out, max(r.x - 1, 0), r.y + r.height // 2) == di.FAILING_BOX_COLOR


def test_identical_files_still_draw(png: Any) -> None:
    p = png("same.png", rgba(20, 30, (10, 200, 10)))
    res = perceptdiff.compare(p, p)
    assert res.verdict == "identical"
    out = di.render_diff(res)
    assert out.ndim == 3 and out.shape[1] >= 30


# --------------------------------------------------------------- files ---

def test_write_diff_is_atomic_and_creates_folders(tmp_path: Path, scene: np.ndarray) -> None:
    res = make_result(scene, jnd=np.full((H, W), 2.0, np.float32))
    dest = tmp_path / "deep" / "er" / "diff.png"
    di.write_diff(res, dest)
    assert sorted(os.listdir(dest.parent)) == ["diff.png"]   # no temporary file left
    with PILImage.open(dest) as im:
        assert im.format == "PNG"
        assert np.array_equal(np.asarray(im.convert("RGB")), di.render_diff(res))
    di.write_diff(res, dest, style="sidebyside")               # overwrites in place
    assert sorted(os.listdir(dest.parent)) == ["diff.png"]
    with PILImage.open(dest) as im:
        assert im.size[0] == 3 * W + 6


def test_write_diff_unwritable_paths(tmp_path: Path, scene: np.ndarray) -> None:
    res = make_result(scene)
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(PerceptdiffError, match="file.txt"):
        di.write_diff(res, blocker / "diff.png")
    with pytest.raises(PerceptdiffError, match="folder"):
        di.write_diff(res, tmp_path)
    with pytest.raises(PerceptdiffError, match=r"diff\.jpg: .*\.png"):
        di.write_diff(res, tmp_path / "diff.jpg")
    di.write_diff(res, tmp_path / "UPPER.PNG")
    (tmp_path / "UPPER.PNG").unlink()
    assert sorted(os.listdir(tmp_path)) == ["file.txt"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions and a non-root user (root writes anywhere)")
def test_write_diff_read_only_folder(tmp_path: Path, scene: np.ndarray) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(PerceptdiffError, match="cannot write"):
            di.write_diff(make_result(scene), ro / "diff.png")
    finally:
        ro.chmod(0o700)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_written_diff_has_the_usual_file_mode(tmp_path: Path, scene: np.ndarray) -> None:
    # mkstemp creates 0600 files; a diff image must be readable like any other file.
    mask = os.umask(0o022)
    try:
        dest = tmp_path / "diff.png"
        di.write_diff(make_result(scene), dest)
        assert dest.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(mask)


# ------------------------------------------- bounded by the input (issue 11) ---

def _compare_files(tmp_path: Path, a: np.ndarray, b: np.ndarray) -> ComparisonResult:
    return perceptdiff.compare(write_png(tmp_path / "a.png", a), write_png(tmp_path / "b.png", b))


@pytest.mark.parametrize("shape", [(1, 60000), (60000, 1), (3, 20000)])
def test_extreme_aspect_ratios_give_a_picture_bounded_by_the_input(tmp_path: Path, shape) -> None:
    # A 60000x1 pair with sidebyside drew a 181080x14941 picture (152 s, 23 GB).
    a = rgba(*shape, (255, 255, 255))
    b = a.copy()
    b.reshape(-1, 4)[100:200, :3] = 0
    res = _compare_files(tmp_path, a, b)
    assert res.verdict == "fail"
    pixels = shape[0] * shape[1]
    for style in ("overlay", "sidebyside"):
        out = di.render_diff(res, style)
        h, w = out.shape[:2]
        assert h * w <= 3 * 3 * pixels + 2_000_000, (style, out.shape)
        assert max(h, w) <= 4 * min(h, w) + 800, (style, out.shape)


def test_size_mismatch_of_a_long_gif_is_bounded(tmp_path: Path) -> None:
    # 1x1 vs 65535x1 wrote a 65735x4423 PNG that Pillow itself refused to open.
    one, long = tmp_path / "one.gif", tmp_path / "long.gif"
    PILImage.new("P", (1, 1)).save(one)
    PILImage.new("P", (65535, 1)).save(long)
    res = perceptdiff.compare(one, long)
    assert res.reason.startswith("size differs") and res.expected_image is None
    frames = di.render_diff(res)
    images = di.render_diff(res, images=(perceptdiff.load_image(one), perceptdiff.load_image(long)))
    for out in (frames, images):
        assert out.shape[0] * out.shape[1] <= 4 * 65535 + 2_000_000, out.shape


def test_legend_scale_is_capped() -> None:
    from perceptdiff.diffimage import render

    assert render._legend_scale(180_000) == render.MAX_LEGEND_SCALE == 4


def test_wrap_panel_rows_and_columns() -> None:
    wide = np.zeros((2, 10_000, 3), np.uint8)
    out = di.wrap_panel(wide, 1)
    assert out.shape[1] < 2_000 and out.shape[0] * out.shape[1] <= 2 * wide.shape[0] * wide.shape[1] + 10_000
    tall = di.wrap_panel(wide.transpose(1, 0, 2), 1)
    assert tall.shape == (out.shape[1], out.shape[0], 3)
    normal = np.zeros((300, 400, 3), np.uint8)
    assert di.wrap_panel(normal, 1) is normal


def test_verdict_line_wraps_instead_of_being_cut(scene: np.ndarray) -> None:
    short = make_result(scene)
    long = ComparisonResult(**{**short.__dict__, "reason": "a reason " * 40 + "THE END"})
    lines = legend.wrap(legend.builtin_font(11), long.summary(), 400 - 12)
    assert len(lines) >= 3 and lines[-1].endswith("THE END") and not any("\u2026" in ln for ln in lines)
    assert di.render_diff(long).shape[0] > di.render_diff(short).shape[0] + 30


def test_square_degrees_are_written_with_a_superscript_two() -> None:
    font = legend.builtin_font(22)
    assert legend.printable(font, "deg\u00b2", keep=legend.SUPERSCRIPT_TWO) == "deg\u00b2"

    def top_row(text: str) -> int:
        im = PILImage.new("L", (80, 40), 0)
        legend.draw_text(ImageDraw.Draw(im), (2, 10), text, font, 255)
        arr = np.asarray(im)
        cols = slice(legend.text_width(font, "deg"), 80)
        return int(np.nonzero(arr[:, cols].any(axis=1))[0][0])

    assert top_row("deg\u00b2") < top_row("deg2")  # raised, not "^2"


def test_failing_boxes_stand_out_from_every_ramp_colour() -> None:
    ramp = di.ramp_colors(np.exp2(np.linspace(0, 5, 200)).astype(np.float32))
    for colour in (di.FAILING_BOX_COLOR, di.REGION_BOX_COLOR):
        distance = np.sqrt(((ramp - np.asarray(colour, np.float32)) ** 2).sum(axis=1)).min()
        assert distance > 150, colour  # the old red (220, 0, 0) was 75 from crimson


def test_failing_box_has_a_white_ring_outside(scene: np.ndarray) -> None:
    out = di.render_diff(make_result(scene, regions=(region(100, 200, 20, 10, True),)))
    assert px(out, 99, 205) == di.FAILING_BOX_COLOR and px(out, 98, 205) == di.FAILING_BOX_COLOR
    assert px(out, 97, 205) == di.BOX_HALO


def test_many_regions_give_at_most_twelve_boxes(scene: np.ndarray) -> None:
    regions = tuple(region(10 + 9 * (i % 40), 10 + 30 * (i // 40), 6, 6, True) for i in range(43))
    assert len(di.boxes_to_draw(regions)) == di.MAX_BOXES_DRAWN == 12
    nested = (region(10, 10, 100, 100, True), region(20, 20, 10, 10, True), region(200, 200, 5, 5, False))
    assert [b for b, _ in di.boxes_to_draw(nested)] == [(10, 10, 100, 100), (200, 200, 5, 5)]


def test_jpeg_q90_photo_gets_a_handful_of_boxes(png: Any) -> None:
    from skimage import data

    photo = data.astronaut()
    buf = io.BytesIO()
    PILImage.fromarray(photo).save(buf, "JPEG", quality=90)
    res = perceptdiff.compare(photo, np.asarray(PILImage.open(buf)))
    assert res.verdict == "fail" and sum(r.failing for r in res.regions) > 12
    assert len(di.boxes_to_draw(res.regions)) <= 12


def test_actual_image_as_the_base_shows_what_is_new() -> None:
    exp = rgba(H, W, (0, 0, 0))
    act = exp.copy()
    act[100:200, 100:300, :3] = 255
    jnd = np.zeros((H, W), np.float32)
    res = make_result(exp, act, jnd=jnd)
    under_expected = di.render_diff(res)
    under_actual = di.render_diff(res, base="actual")
    assert px(under_expected, 150, 150) == px(under_expected, 10, 10)
    assert px(under_actual, 150, 150) != px(under_actual, 10, 10)
    with pytest.raises(PerceptdiffError, match="base"):
        di.render_diff(res, base="both")


def test_custom_diff_colour_and_transparent_mask(scene: np.ndarray) -> None:
    jnd = np.zeros((H, W), np.float32)
    jnd[10:20, 10:20] = 3.0
    jnd[30:40, 30:40] = 0.7  # faint: not visible
    res = make_result(scene, jnd=jnd)
    out = di.render_diff(res, color=(255, 0, 255))
    assert px(out, 15, 15) == (255, 0, 255) and px(out, 35, 35) != (255, 0, 255)
    mask = di.render_diff(res, style="mask")
    assert mask.shape == (H, W, 4)
    assert mask[15, 15, 3] == 255 and mask[35, 35, 3] == 0 and mask[200, 200, 3] == 0
    assert close(tuple(mask[15, 15, :3]), tuple(np.rint(di.ramp_colors(np.array([3.0]))[0])))
    flat = di.render_diff(res, style="mask", color=(0, 255, 0))
    assert tuple(flat[15, 15]) == (0, 255, 0, 255)


def test_box_tags_name_the_region_number_and_kind() -> None:
    from dataclasses import replace as with_
    from perceptdiff.diffimage.overlay import label_text
    from perceptdiff.result import RegionKind

    r = region(10, 10, 5, 5, True)
    assert label_text(3, r) == "3"
    assert label_text(1, with_(r, kind=RegionKind.STRUCTURE)) == "1 structure"
    assert label_text(2, with_(r, kind=RegionKind.LIGHTNESS, direction="darker")) == "2 darker"
    assert label_text(2, with_(r, kind=RegionKind.STRUCTURE, direction="darker")) == "2 structure"


def test_failing_box_carries_a_tag_above_it(scene: np.ndarray) -> None:
    from dataclasses import replace as with_
    from perceptdiff.result import RegionKind

    boxed = with_(region(100, 200, 40, 20, True), kind=RegionKind.COLOUR)
    out = di.render_diff(make_result(scene, regions=(boxed,)))
    tag = out[200 - 3 - 16:200 - 3, 97:97 + 40]        # above the outline, from its left edge
    blue = np.all(tag == np.array(di.FAILING_BOX_COLOR, np.uint8), axis=-1)
    white = np.all(tag > 200, axis=-1)
    assert blue.mean() > 0.5 and white.any()            # a deep-blue tag with white text
    bare = di.render_diff(make_result(scene, regions=(region(100, 200, 40, 20, True),)))
    assert not np.array_equal(out, bare)                 # the kind's word makes the tag wider


def test_a_tag_of_a_box_at_the_top_goes_below_it(scene: np.ndarray) -> None:
    out = di.render_diff(make_result(scene, regions=(region(100, 0, 40, 20, True),)))
    below = out[20 + 3:20 + 3 + 16, 97:97 + 8]
    assert np.all(below == np.array(di.FAILING_BOX_COLOR, np.uint8), axis=-1).mean() > 0.5

"""The engine (perceptdiff.engine): fast paths, frames, and one result per decision."""

import io

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageCms

import perceptdiff
from perceptdiff import diffimage
from perceptdiff.metrics import get_metric

from conftest import GREY, WHITE, flat, noise

TIMINGS = {"decode", "compare", "total"}


def with_alpha(rgb: np.ndarray, alpha: int) -> np.ndarray:
    return np.dstack([rgb, np.full(rgb.shape[:2], alpha, np.uint8)])


def icon(img: np.ndarray) -> np.ndarray:
    out = img.copy()
    out[50:53, 50:53] = [30, 60, 200]
    return out


def png(arr: np.ndarray, **save: object) -> bytes:
    buf = io.BytesIO()
    PILImage.fromarray(arr).save(buf, format="PNG", **save)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# The easy cases


def test_identity_gives_all_zero_map_and_fast_path():
    img = noise(GREY, 20)
    r = perceptdiff.compare(img, img.copy())
    assert r.verdict == "identical" and r.peak_jnd == 0
    assert r.jnd_map.shape == img.shape[:2] and not r.jnd_map.any()


def test_identical_files_are_not_decoded():
    data = png(noise(flat(90, (30, 40)), 20))
    r = perceptdiff.compare(data, data)
    assert r.verdict == "identical" and "byte-for-byte" in r.reason
    assert r.expected_image is None and r.actual_image is None
    assert r.compared_size == r.expected_size == r.actual_size == (40, 30)
    assert r.jnd_map.shape == (30, 40) and not r.jnd_map.any()
    assert r.sources == ("<bytes>", "<bytes>")


def test_colour_under_full_transparency_is_ignored():
    a = with_alpha(flat(0), 0)
    b = with_alpha(flat(200), 0)
    a[10:20, 10:20] = [10, 20, 30, 255]
    b[10:20, 10:20] = [10, 20, 30, 255]
    r = perceptdiff.compare(a, b)
    assert r.verdict == "pass" and r.peak_jnd == 0


def test_ignore_region_hides_a_change():
    b = icon(WHITE)
    assert perceptdiff.compare(WHITE, b).verdict == "fail"
    assert perceptdiff.compare(WHITE, b, ignore=[(45, 45, 15, 15)]).verdict == "pass"


def test_size_mismatch_fails_unless_resize_or_pad():
    small = flat(90, (64, 80))
    big = flat(90, (64, 96))
    r = perceptdiff.compare(small, big)
    assert r.verdict == "fail" and "80x64" in r.reason and "96x64" in r.reason
    assert r.jnd_map is None
    assert perceptdiff.compare(small, big, resize=True).passed
    assert perceptdiff.compare(small, big, pad=True).verdict == "fail"  # padding area differs


def test_a_pair_equal_after_resize_carries_the_compared_images():
    # The images in a result are those compared, so a diff image can be drawn
    # (it failed: "visibility map 18x36 does not match the images 36x36 and 18x39").
    r = perceptdiff.compare(flat((255, 0, 0), (36, 36)), flat((255, 0, 0), (39, 18)), resize=True)
    assert r.verdict == "pass" and r.compared_size == (18, 36)
    assert r.expected_image.size == r.actual_image.size == r.compared_size
    assert r.expected_size == (36, 36) and r.actual_size == (18, 39)
    picture = diffimage.render_diff(r)
    assert picture.shape[1] >= 18


# ---------------------------------------------------------------------------
# One result, whatever the path


def _outcomes() -> dict[str, perceptdiff.ComparisonResult]:
    data = png(flat(90, (20, 30)))
    b = icon(WHITE)
    return {
        "identical files": perceptdiff.compare(data, data),
        "identical pixels": perceptdiff.compare(WHITE, WHITE.copy()),
        "nothing outside ignore": perceptdiff.compare(WHITE, b, ignore=[(45, 45, 15, 15)]),
        "sizes differ": perceptdiff.compare(flat(9, (8, 8)), flat(9, (8, 9))),
        "compared": perceptdiff.compare(WHITE, b),
    }


@pytest.mark.parametrize("name", list(_outcomes()))
def test_every_outcome_reports_the_same_fields(name):
    r = _outcomes()[name]
    d = r.to_dict()
    assert set(r.timings) == TIMINGS
    assert r.timings["total"] >= r.timings["compare"] >= 0
    assert d["metric"] == "perceptdiff" and d["metric_version"] == get_metric("perceptdiff").version
    assert d["options"]["pixels_per_degree"] == r.pixels_per_degree == 40.0
    assert d["options"]["perceptdiff_version"] == perceptdiff.__version__
    assert d["options"]["metric_options"] == dict(get_metric("perceptdiff").validate({}))
    compared = r.compared_size is not None
    assert (r.peak_jnd is not None) is compared and (r.jnd_map is not None) is compared
    if compared and r.verdict != "fail":
        assert r.peak_jnd == 0 and r.visible_pixels == 0 and r.regions == ()


def test_the_metric_decides_whether_profiles_are_applied():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    a = png(flat(100, (16, 16)), icc_profile=profile)
    b = png(flat(104, (16, 16)), icc_profile=profile)
    assert get_metric("yee").color_managed is False
    ignored = "embedded ICC profile ignored"
    assert any(ignored in n for n in perceptdiff.compare(a, b, metric="yee").notes)
    assert not any(ignored in n for n in perceptdiff.compare(a, b).notes)


# ---------------------------------------------------------------------------
# Memory bounded by the input (issue 11, item 2)


def _no_decoding(monkeypatch):
    from perceptdiff.loading import decoding

    def refuse(*args, **kwargs):
        raise AssertionError("decoded although the headers settle it")

    monkeypatch.setattr(decoding, "_decode_pil", refuse)


def test_size_differs_from_the_headers_without_decoding(monkeypatch, tmp_path):
    big = tmp_path / "big.png"
    PILImage.new("RGB", (3000, 2000), (200, 10, 10)).save(big)  # 6 MP, a few kB on disk
    small = png(flat(40, (20, 30)))
    _no_decoding(monkeypatch)
    result = perceptdiff.compare(big, small)
    assert result.verdict == "fail" and result.reason.startswith("size differs: 3000x2000 vs 30x20")
    assert result.expected_size == (3000, 2000) and result.expected_image is None
    assert result.compared_size is None and result.sources == (str(big), "<bytes>")


def test_size_from_headers_follows_exif_orientation(monkeypatch):
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: 30x20 stored is 20x30 shown
    buf = io.BytesIO()
    PILImage.fromarray(flat(40, (20, 30))).save(buf, "JPEG", exif=exif.tobytes())
    result = perceptdiff.compare(buf.getvalue(), png(flat(40, (30, 21))))
    assert result.expected_size == (20, 30)


def test_a_damaged_file_is_an_error_even_when_sizes_differ():
    data = png(noise(GREY, 20))
    with pytest.raises(perceptdiff.TruncatedImageError):
        perceptdiff.compare(data[: len(data) // 2], png(flat(40, (20, 30))))


def test_pad_refuses_a_canvas_much_larger_than_either_image_before_decoding(monkeypatch):
    wide, tall = png(flat(0, (1, 64))), png(flat(0, (100_000, 1)))
    _no_decoding(monkeypatch)
    with pytest.raises(perceptdiff.OptionError, match="64x100000, 64 times the larger image"):
        perceptdiff.compare(wide, tall, pad=True)


def test_pad_refuses_the_same_for_decoded_images():
    a = perceptdiff.load_image(flat(0, (1, 64)))
    b = perceptdiff.load_image(flat(0, (1000, 1)))
    with pytest.raises(perceptdiff.OptionError, match="times the larger image"):
        perceptdiff.compare_images(a, b, perceptdiff.Options(pad=True))
    ok = perceptdiff.compare_images(a, perceptdiff.load_image(flat(0, (2, 64))), perceptdiff.Options(pad=True))
    assert ok.compared_size == (64, 2)


def test_describe_false_gives_the_same_verdict_and_figures_without_region_kinds():
    a = noise(GREY, 20)
    b = icon(a)
    b[10, 10:14] = b[11, 10:14]   # a 1-px jitter the box rule forgives
    full = perceptdiff.compare(a, b)
    bare = perceptdiff.compare(a, b, describe=False)
    assert full.regions and all(r.kind is not None for r in full.regions)
    assert bare.verdict == full.verdict and bare.reason == full.reason
    assert (bare.visible_pixels, bare.forgiven_pixels, bare.peak_jnd) == (
        full.visible_pixels, full.forgiven_pixels, full.peak_jnd)
    assert [r.box for r in bare.regions] == [r.box for r in full.regions]
    assert all(r.kind is None and r.kinds == () for r in bare.regions)
    assert bare.forgiven_regions == ()
    assert np.array_equal(bare.jnd_map, full.jnd_map)


def test_max_area_replaces_the_region_rule_for_every_metric():
    import perceptdiff

    a = np.full((64, 64, 3), 255, np.uint8)
    b = a.copy()
    b[20:30, 20:30] = 0
    for metric in ("perceptdiff", "yee"):
        r = perceptdiff.compare(a, b, metric=metric)
        assert r.verdict == "fail"
        roomy = perceptdiff.compare(a, b, metric=metric, max_area=r.visible_area_deg2 * 1.01)
        tight = perceptdiff.compare(a, b, metric=metric, max_area=r.visible_area_deg2 * 0.99)
        assert (roomy.verdict, tight.verdict) == ("pass", "fail"), metric
        assert roomy.options["max_area"] == pytest.approx(r.visible_area_deg2 * 1.01)

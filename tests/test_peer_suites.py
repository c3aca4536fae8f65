"""The default metric on the peers' public test images (../shared/peer-suites).

pdiff's seven pairs must get perceptualdiff's verdicts (square/square_scaled
compared with ``resize``); pixelmatch's 5a/5b differ only by anti-aliasing
and must pass; every other pixelmatch pair must fail.
"""

import pytest

import perceptdiff

PDIFF_PAIRS = [
    # reference, test, verdict expected by perceptualdiff's own test script
    ("Bug1102605_ref.tif", "Bug1102605.tif", "fail"),
    ("Bug1471457_ref.tif", "Bug1471457.tif", "pass"),
    ("cam_mb_ref.tif", "cam_mb.tif", "pass"),
    ("fish2.png", "fish1.png", "fail"),
    ("Aqsis_vase.png", "Aqsis_vase_ref.png", "fail"),
    ("alpha1.png", "alpha2.png", "fail"),
]

PIXELMATCH_PAIRS = [("1a", "1b"), ("2a", "2b"), ("3a", "3b"), ("4a", "4b"), ("6a", "6b"),
                    ("7a", "7b"), ("8a", "5b")]


@pytest.mark.parametrize("ref,test,expected", PDIFF_PAIRS, ids=[p[1] for p in PDIFF_PAIRS])
def test_pdiff_suite_verdicts(peer_suites, ref, test, expected):
    r = perceptdiff.compare(peer_suites / "pdiff" / ref, peer_suites / "pdiff" / test)
    assert r.verdict == expected, r.summary()


def test_pdiff_square_scaled_passes_with_resize(peer_suites):
    a, b = peer_suites / "pdiff" / "square.png", peer_suites / "pdiff" / "square_scaled.png"
    assert perceptdiff.compare(a, b).verdict == "fail"  # sizes differ: 36x36 vs 18x39
    assert perceptdiff.compare(a, b, resize=True).passed


@pytest.mark.parametrize("mode", ["box", "pixelmatch"])
def test_pixelmatch_antialiasing_only_pair_passes(peer_suites, mode):
    r = perceptdiff.compare(peer_suites / "pixelmatch" / "5a.png", peer_suites / "pixelmatch" / "5b.png",
                            antialiasing=mode)
    assert r.passed, r.summary()
    assert r.forgiven_pixels > 0


def test_pixelmatch_identity_pair(peer_suites):
    p = peer_suites / "pixelmatch" / "6a.png"
    assert perceptdiff.compare(p, p).verdict == "identical"


@pytest.mark.parametrize("a,b", PIXELMATCH_PAIRS, ids=[f"{a}-{b}" for a, b in PIXELMATCH_PAIRS])
def test_pixelmatch_other_pairs_fail(peer_suites, a, b):
    r = perceptdiff.compare(peer_suites / "pixelmatch" / f"{a}.png", peer_suites / "pixelmatch" / f"{b}.png")
    assert r.verdict == "fail", r.summary()


@pytest.mark.parametrize("ppd", [40.0, 67.0])
def test_pdiff_suite_at_retina_ppd(peer_suites, ppd):
    # The brief's prototype matched pdiff at both viewing distances.
    got = {t: perceptdiff.compare(peer_suites / "pdiff" / r, peer_suites / "pdiff" / t, ppd=ppd).verdict
           for r, t, _ in PDIFF_PAIRS}
    assert got == {t: v for _, t, v in PDIFF_PAIRS}

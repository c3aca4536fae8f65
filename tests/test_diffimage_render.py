

def test_images_for_picture_decodes_both_only_when_sizes_differ_in_the_headers(tmp_path):
    import numpy as np
    from PIL import Image as PILImage

    import perceptdiff
    from perceptdiff.diffimage import images_for_picture

    a, b, c = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    PILImage.fromarray(np.zeros((10, 12, 3), np.uint8)).save(a)
    PILImage.fromarray(np.zeros((14, 12, 3), np.uint8)).save(b)
    PILImage.fromarray(np.full((10, 12, 3), 200, np.uint8)).save(c)
    sized = perceptdiff.compare(str(a), str(b))
    got = images_for_picture(sized, str(a), str(b), {"max_file_mb": 5})
    assert got is not None and [im.size for im in got] == [(12, 10), (12, 14)]
    assert images_for_picture(perceptdiff.compare(str(a), str(c)), str(a), str(c)) is None

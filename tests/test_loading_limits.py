"""Limits of the loader (perceptdiff.loading.limits, sources): regular files only, a size cap, pixels.

Issue 11: ``perceptdiff a.png /dev/zero`` read 5.4 GB before running out of
memory and a FIFO hung forever; both are refused before anything is read.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from loading_support import good_png
from perceptdiff.errors import ImageLoadError, ImageTooLargeError
from perceptdiff.loading import EncodedData, load_image, read_stream
from perceptdiff.loading.limits import DEFAULT_MAX_FILE_BYTES, LoadLimits, check_pixels, pixel_limit

posix_only = pytest.mark.skipif(os.name != "posix", reason="needs POSIX special files")


@posix_only
def test_a_device_is_refused_unread():
    with pytest.raises(ImageLoadError, match="/dev/zero: is a character device, not a regular file"):
        load_image("/dev/zero")


@posix_only
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            load_image(fifo)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # unblock the reader so the test process can end, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("loading a FIFO without a writer blocked")
    assert isinstance(outcome[0], ImageLoadError) and "is a FIFO" in str(outcome[0])


def test_a_file_over_the_cap_is_refused_before_reading(tmp_path):
    f = tmp_path / "big.png"
    f.write_bytes(good_png())
    size = f.stat().st_size
    assert load_image(f, max_file_bytes=size).size == (16, 16)
    with pytest.raises(ImageTooLargeError, match="larger than the limit"):
        load_image(f, max_file_bytes=size - 1)
    with pytest.raises(ImageTooLargeError, match="larger than the limit"):
        load_image(good_png(), max_file_bytes=100)


def test_the_default_cap():
    assert LoadLimits().max_file_bytes == DEFAULT_MAX_FILE_BYTES == 1_000_000_000


def test_streams_are_read_up_to_the_cap_only():
    class Endless:
        def __init__(self) -> None:
            self.asked: list[int] = []

        def read(self, n: int) -> bytes:
            self.asked.append(n)
            return b"\0" * n

    stream = Endless()
    with pytest.raises(ImageTooLargeError, match="more than"):
        read_stream(stream, "<stdin>", 1000)
    assert stream.asked == [1001]


def test_encoded_data_keeps_its_name():
    img = load_image(EncodedData(good_png(), "<stdin>"))
    assert img.source == "<stdin>"
    with pytest.raises(ImageLoadError, match="^<stdin>: "):
        load_image(EncodedData(b"not an image", "<stdin>"))


def test_pixel_limit_follows_pillow(monkeypatch):
    from PIL import Image as PILImage

    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 1000)
    assert pixel_limit() == 2000
    check_pixels("x", 40, 50)
    with pytest.raises(ImageTooLargeError, match="41x50 = 2050 pixels exceeds the limit of 2000"):
        check_pixels("x", 41, 50)
    with pytest.raises(ImageTooLargeError):
        load_image(np.zeros((50, 41), np.uint8))

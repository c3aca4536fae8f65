"""The benchmark's case and tool names, declared once.

Plain strings only: bench.py imports this module, and it must stay free of
numpy and Pillow (on Linux a child's peak RSS starts from its parent's peak
at fork time, so the measuring process is kept small).
"""

from __future__ import annotations

# --- case groups (``--only`` choices of bench.py and pairs.py) ---------------
GROUP_1080P = "1080p"
GROUP_4K = "4k"
GROUP_IDENTICAL = "identical"
GROUP_FULLFRAME = "fullframe"
GROUP_FOLDER = "folder"
GROUP_INPROCESS = "inprocess"
GROUP_8K = "8k"
GROUPS = (GROUP_1080P, GROUP_4K, GROUP_IDENTICAL, GROUP_FULLFRAME, GROUP_FOLDER, GROUP_INPROCESS,
          GROUP_8K)

# --- cases -------------------------------------------------------------------
NOISE_1080P = "1080p noise+local"
NOISE_4K = "4K noise+local"
IDENTICAL_1080P = "1080p bit-identical"
OTHER_BYTES_1080P = "1080p same pixels, other bytes"
FULLFRAME_1080P = "1080p full-frame change"
FULLFRAME_4K = "4K full-frame change"
FOLDER = "folder of 800x600 pairs"
INPROCESS_LOCAL = "800x600 local change"
INPROCESS_NOISE = "800x600 noise only"
NOISE_8K = "8K noise+local"

# --- what a case is ----------------------------------------------------------
KIND_PAIR = "pair"            # two files, every tool as a fresh process
KIND_FOLDER = "folder"        # two folders of pairs, whole process, pairs per second
KIND_INPROCESS = "inprocess"  # perceptdiff.compare inside one process, ms per pair
KIND_MEMORY = "memory"        # two files, perceptdiff and the floor only (peak RSS)

# --- tools -------------------------------------------------------------------
FLOOR = "Pillow decode (floor)"
PERCEPTDIFF = "perceptdiff"
YEE = "perceptdiff --metric yee"
SSIM = "skimage SSIM"
FLIP = "flip-evaluator"
PDIFF = "perceptualdiff"
ODIFF = "odiff"
#: odiff as its npm package installs it for users: the node script that starts the native binary.
ODIFF_NPM = "odiff (npm command)"
PIXELMATCH = "pixelmatch (pure Python)"

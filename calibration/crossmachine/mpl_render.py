"""Draw matplotlib jobs inside one interpreter (run by render.py in each matplotlib virtualenv).

Usage: ``python mpl_render.py JOBS.json`` where the file holds
``{"backend": "agg"|"cairo", "jobs": [{"content", "change", "out", "format"}]}``.
Prints one JSON line with the versions it used.  Needs only matplotlib and numpy.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    import matplotlib

    matplotlib.use(spec["backend"])
    import contents_mpl

    for job in spec["jobs"]:
        contents_mpl.draw(job["content"], job.get("change"), job["out"], job.get("format", "png"))
    info = {"matplotlib": matplotlib.__version__, "backend": spec["backend"]}
    try:
        from matplotlib import ft2font
        info["freetype"] = ft2font.__freetype_version__
    except Exception:  # pragma: no cover - version report only
        pass
    if spec["backend"] == "cairo":
        try:
            import cairocffi as cairo
            info["cairo"] = cairo.cairo_version_string()
        except ImportError:
            import cairo  # type: ignore[no-redef]
            info["cairo"] = cairo.cairo_version_string()
    import numpy
    info["numpy"] = numpy.__version__
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

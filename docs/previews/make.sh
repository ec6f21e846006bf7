#!/usr/bin/env bash
# Regenerate the first-page previews of the sample handout, one per layout.
# Needs pdftoppm (Debian package poppler-utils).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
for layout in bilingual a4-bilingual stacked single large-print; do
  lang=""
  case $layout in single|large-print) lang="--lang es" ;; esac
  pdfgen render hemilaminectomy --layout "$layout" $lang -o "$tmp/$layout.pdf" >/dev/null
  pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$tmp/$layout.pdf" "$layout"
done
# English with a language in another script, from the sample library in other scripts
# (needs its fonts: pdfgen fonts install vi zh-Hans ar).
for lang in vi zh-Hans ar; do
  pdfgen render hemilaminectomy --library ../../examples/other-scripts --layout bilingual \
    --lang "en,$lang" -o "$tmp/en-$lang.pdf" >/dev/null
  pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$tmp/en-$lang.pdf" "bilingual-$lang"
done
rm -rf "$tmp"
# The front-desk catalog page (out/index.html), as the browser test builds and shows it.
(cd ../.. && PDFGEN_UPDATE_PREVIEWS=1 python -m pytest -q tests/test_catalog_page.py -k screenshot)

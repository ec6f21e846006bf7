"""Entry point for `python -m pdfgen`."""

from .cli import main

main()

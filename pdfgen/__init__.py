"""pdfgen: bilingual, health-literate patient handouts as PDF from YAML content."""

__version__ = "0.1.0"

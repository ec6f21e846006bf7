"""Quality gates: readability, plain-language lint, translation freshness, review dates and
accessible layouts (docs/quality.md). `gates` runs them on a handout; the other modules are
the checks. Kept empty so that loading a handout (which reads its translation
confirmations) does not import every check."""

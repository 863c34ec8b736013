"""The problems a document's template can cause, known to the build and the commands without importing the
renderer (python-docx, docxtpl and Jinja are imported while the workbooks are read: build.assemble)."""

from __future__ import annotations


class TemplateProblem(Exception):
    """A Word template does not fit the context (unknown variable, broken tag): names the template and the spot."""

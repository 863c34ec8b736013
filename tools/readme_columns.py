"""Developer tool: README.md's table of the « Actions » columns, written from pipeline/contract.py.

`make modeles-vierges` runs it after regenerating input_templates/: the lines between the two marks of README.md
are replaced by the contract's columns (header, required, help as the services read it in their workbook). An
unchanged table leaves README.md untouched. `python tools/readme_columns.py [README.md]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline import contract as c

README = Path(__file__).resolve().parent.parent / "README.md"
START = "<!-- make modeles-vierges writes the lines below from pipeline/contract.py: edit the contract, not them -->"
END = "<!-- end of what make modeles-vierges writes -->"


def columns_table() -> str:
    """The « Actions » columns in the contract's order, as a Markdown table."""
    lines = ["| Column | Required | What the services read (help of the workbook) |", "| --- | --- | --- |"]
    for column in c.ACTIONS_SHEET.columns:
        text = column.help + (f" Values: {', '.join(column.vocabulary.values)}." if column.vocabulary else "")
        text = text.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{column.header}` | {'yes' if column.required else ''} | {text} |")
    return "\n".join(lines)


def with_table(text: str) -> str:
    """README's text with the lines between the marks replaced by `columns_table()`."""
    before, start, rest = text.partition(START)
    between, end, after = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README.md ne contient pas les deux marques du tableau des colonnes ({START} … {END}).")
    return before + START + "\n" + columns_table() + "\n" + END + after


def main(arguments: list[str]) -> int:
    readme = Path(arguments[0]) if arguments else README
    text = readme.read_text(encoding="utf-8")
    try:
        updated = with_table(text)
    except ValueError as problem:
        print(problem, file=sys.stderr)
        return 2
    if updated == text:
        print(f"Inchangé : {readme}")
        return 0
    readme.write_text(updated, encoding="utf-8")
    print(f"Écrit : {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

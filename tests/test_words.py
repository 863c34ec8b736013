"""Words in their homes: a value of the contract's vocabularies is typed in the contract only, and no block of code
is written twice in pipeline/.

A module that needs « Terminée » or « Blocage » names the contract's constant (`contract.STATUS_DONE`,
`contract.HEALTH_BLOCKED`): retyped, the value would silently stop matching the day the contract changes it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from pipeline import contract

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"
HOMES = {"contract.py", "findings.py", "french.py"}
"""The modules where French words and the vocabularies' values live (besides the Word templates)."""

ALLOWED = {
    ("outputs/ecomptes.py", "CPAS"): "TypeAdmin of the Region's e-Comptes schema (CPAS or AC), not the entity type",
}
"""(module, literal) → why that literal is not the contract's value."""

MIN_REPEATED_LINES = 8


def vocabulary_values() -> set[str]:
    return {value for item in vars(contract).values() if isinstance(item, contract.Vocabulary)
            for value in item.values}


def modules(root: Path = PIPELINE) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if "__pycache__" not in path.parts)


def string_literals(tree: ast.AST):
    """(line, text) of each string literal that is code, not a docstring (a string standing alone as a statement)."""
    documentation = {id(node.value) for node in ast.walk(tree)
                     if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in documentation:
            yield node.lineno, node.value


def retyped_values(values: set[str], root: Path = PIPELINE) -> dict[str, list[tuple[int, str]]]:
    """Module → (line, literal) of every literal equal to a vocabulary value, outside the homes and the allowances."""
    found = defaultdict(list)
    for path in modules(root):
        name = path.relative_to(root).as_posix()
        if name in HOMES:
            continue
        for line, text in string_literals(ast.parse(path.read_text(encoding="utf-8"))):
            if text in values and (name, text) not in ALLOWED:
                found[name].append((line, text))
    return {module: sorted(places) for module, places in found.items()}


def test_no_module_retypes_a_value_of_the_contracts_vocabularies():
    values = vocabulary_values()
    assert {"Terminée", "En cours", "Abandonnée", "Blocage", "Externe", "CPAS"} <= values  # the scan sees them
    found = retyped_values(values)
    assert not found, "name the contract's constant (contract.STATUS_DONE…) instead of retyping its value:\n" + \
        "\n".join(f"  {module}: " + ", ".join(f"line {line} {text!r}" for line, text in places)
                  for module, places in found.items())


def test_the_scan_catches_a_retyped_status(tmp_path):
    """The scan itself: a module comparing a status with « Terminée » is reported with its line."""
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "toy.py").write_text('"""Doc « Terminée »."""\n\n\ndef done(a):\n'
                                                 '    return a.status == "Terminée"\n', encoding="utf-8")
    (tmp_path / "contract.py").write_text('STATUS_DONE = "Terminée"\n', encoding="utf-8")
    assert retyped_values(vocabulary_values(), tmp_path) == {"outputs/toy.py": [(5, "Terminée")]}


def code_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text without indentation) of the lines that hold code: blank lines, comments and lone
    brackets left out."""
    kept = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if text and not text.startswith("#") and text.strip("()[]{},:") != "":
            kept.append((number, text))
    return kept


def repeated_blocks(root: Path = PIPELINE, size: int = MIN_REPEATED_LINES) -> list[str]:
    """Every run of `size` identical code lines found in two places: « where:line repeats where-first »."""
    seen: dict[tuple[str, ...], tuple[str, int]] = {}
    repeated = []
    for path in modules(root):
        name = path.relative_to(root).as_posix()
        lines = code_lines(path)
        last_reported = -1
        for start in range(len(lines) - size + 1):
            block = tuple(text for _, text in lines[start:start + size])
            first = seen.get(block)
            if first is None:
                seen[block] = (name, start)
            elif (first[0] != name or start - first[1] >= size) and start > last_reported:
                repeated.append(f"{name}:{lines[start][0]} repeats {first[0]}")
                last_reported = start + size - 1  # one report per repeated run
    return repeated


def test_no_block_of_eight_lines_is_written_twice_in_pipeline():
    assert repeated_blocks() == []


def test_the_repeat_scan_finds_a_copied_block(tmp_path):
    block = "".join(f"value_{n} = compute({n})\n" for n in range(9))
    (tmp_path / "a.py").write_text("import os\n\n" + block, encoding="utf-8")
    (tmp_path / "b.py").write_text("x = 1\n" + block.replace("    ", "        ") + "\n# end\n", encoding="utf-8")
    found = repeated_blocks(tmp_path)
    assert found == ["b.py:2 repeats a.py"]


FRENCH_LETTERS = frozenset("éèàùâêîôûçÉÈÀÙÂÊÎÔÛÇ’«»")
"""A string literal holding one of these is a French sentence (or a part of one)."""
REGEX_FUNCTIONS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer"}
SENTENCES_ALLOWED: dict[str, str] = {}
"""Module → why its French literals are not in the catalogue yet (none today)."""


def declared_apart(tree: ast.AST) -> set[int]:
    """The ids of the string literals that may hold French outside the catalogue: regular expressions matching
    French input (passed to re.compile, re.match…, or assigned to a name holding PATTERN) and a document's name in
    its declaration (the `labels` of an Output call, and the default of Output's `labels` field)."""
    kept = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            if (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name)
                    and function.value.id == "re" and function.attr in REGEX_FUNCTIONS and node.args):
                kept.append(node.args[0])
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
            if name == "Output":
                kept += [keyword.value for keyword in node.keywords if keyword.arg == "labels"]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(target, ast.Name) and "PATTERN" in target.id.upper() for target in targets):
                kept.append(node.value)
        elif isinstance(node, ast.ClassDef) and node.name == "Output":
            kept += [item.value for item in node.body if isinstance(item, ast.AnnAssign) and item.value is not None
                     and isinstance(item.target, ast.Name) and item.target.id == "labels"]
    return {id(inner) for value in kept for inner in ast.walk(value)}


def french_literals(root: Path = PIPELINE,
                    allowed: dict[str, str] = SENTENCES_ALLOWED) -> dict[str, list[tuple[int, str]]]:
    """Module → (line, literal) of every string literal of code holding a French letter, outside the homes, the
    regular expressions and the documents' declared names."""
    found = defaultdict(list)
    for path in modules(root):
        name = path.relative_to(root).as_posix()
        if name in HOMES or name in allowed:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        apart = declared_apart(tree)
        documentation = {id(node.value) for node in ast.walk(tree)
                         if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in documentation
                    and id(node) not in apart and FRENCH_LETTERS & set(node.value)):
                found[name].append((node.lineno, node.value))
    return {module: sorted(places) for module, places in found.items()}


def test_no_french_sentence_is_typed_in_code():
    """French sentences live in the catalogue (findings.py: CONSOLE, PHRASES, STOPS, INSTRUCTIONS, ARGPARSE…) or
    in the templates; code passes values."""
    found = french_literals()
    assert not found, "move these French texts to the catalogue (pipeline/findings.py):\n" + \
        "\n".join(f"  {module}:{line} {text!r}" for module, places in found.items() for line, text in places)


def test_the_french_scan_catches_a_planted_sentence(tmp_path):
    """The scan itself: a sentence typed in code is reported with its line; a docstring, a regular expression, a
    name declared with its output and an allowed module are not."""
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "toy.py").write_text(
        '"""Le module « jouet »."""\nimport re\n\n'
        'MONTH = re.compile(r"^([a-zéû]+)$")\n'
        'DATE_PATTERN = r"^(\\d+) août$"\n'
        'OUTPUT = Output(name="toy", labels=("Rapport d’exécution", "Rapport d’exécution PROVISOIRE"))\n\n\n'
        'def refuse(path):\n'
        '    """Refuse « path »."""\n'
        '    raise ValueError(f"Le dossier « {path} » est illisible.")\n', encoding="utf-8")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "pages.py").write_text('NO_SERVICE = "Service non renseigné"\n', encoding="utf-8")
    (tmp_path / "findings.py").write_text('PHRASES = {"no-service": "Service non renseigné"}\n', encoding="utf-8")
    assert french_literals(tmp_path, {"site/pages.py": "an allowed module"}) == {"outputs/toy.py": [(11, " » est illisible."), (11, "Le dossier « ")]}

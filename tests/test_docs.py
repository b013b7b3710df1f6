"""Every code example in README.md and docs/ runs, and prints what the page says it prints.

The conventions a Markdown page follows (README.md and every docs/**/*.md):

* A fenced block whose language is `python` (or `py`) runs. The blocks of one page run in order,
  in one namespace, like the cells of a notebook, in a fresh temporary working directory, with
  the test-suite's usual settings (float32 default dtype, NumPy warnings raised as errors).
* A fenced `text` block that follows a python block, with nothing but blank lines between them,
  is that block's expected standard output. The comparison strips trailing whitespace from
  every line and ignores blank lines at the end.
* A python block whose fence carries a `test_*.py` title, as in  ```python title="test_gelu.py",
  is a complete pytest file: it is written to that name in the temporary directory and run by
  pytest in a fresh process, and must pass. It does not share the page's namespace.
* Blocks in any other language (bash, console, toml, ...) are shown and never run.
* A page whose code needs optional packages says so in a comment, `<!-- requires: torch onnx -->`:
  its code runs when they are all installed and is skipped otherwise; a page that needs torch is
  a `-m torch` test as well.

Also checked here: each cross-reference to the code, written [text][autograd_mini.module.name],
names something that exists; the names in the PyTorch table exist; and, when MkDocs with its
plugins is installed (`pip install 'autograd_mini[docs]'`), `mkdocs build --strict` passes.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
RUNNABLE = {"python", "py"}

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass
class Block:
    language: str
    title: str | None
    code: str
    line: int  # the line of the page where the code starts (1-based)
    expected_output: str | None = None


def fenced_blocks(text: str) -> list[Block]:
    """The page's fenced code blocks, in order, each python block paired with its text block."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    follows_python = False  # only blank lines since the end of a python block
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            follows_python = follows_python and not lines[i].strip()
            i += 1
            continue
        indent, fence, info = match["indent"], match["fence"], match["info"].strip()
        body, i, start = [], i + 1, i + 2
        while i < len(lines) and not _closes(lines[i], fence):
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        i += 1  # past the closing fence
        language = info.split()[0].lower() if info else ""
        title = re.search(r'title="([^"]*)"', info)
        code = "\n".join(body) + "\n"
        if language == "text" and follows_python and blocks[-1].expected_output is None:
            blocks[-1].expected_output = code
            follows_python = False
            continue
        blocks.append(Block(language, title and title.group(1), code, start))
        follows_python = language in RUNNABLE
    return blocks


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


def normalise(output: str) -> str:
    return "\n".join(line.rstrip() for line in output.rstrip().splitlines())


def page_id(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


# ---- the collector's own tests: it finds what the conventions above say ----------------------


def test_collector_pairs_python_blocks_with_their_output():
    page = (
        "Text.\n\n```python\nprint(1)\n```\n\n```text\n1\n```\n\n"
        '```bash\npip install x\n```\n\n```python title="test_a.py"\ndef test_a(): pass\n```\n\n'
        "- a list item\n\n    ```python\n    x = 2\n    ```\n\n```text\nprinted by x = 2\n```\n"
    )
    blocks = fenced_blocks(page)
    assert [(b.language, b.title, b.line) for b in blocks] == [
        ("python", None, 4), ("bash", None, 12), ("python", "test_a.py", 16), ("python", None, 22),
    ]
    assert blocks[0].expected_output == "1\n" and blocks[3].expected_output == "printed by x = 2\n"
    assert blocks[3].code == "x = 2\n"


def test_collector_leaves_text_after_prose_alone():
    blocks = fenced_blocks("```python\nx = 1\n```\nSome prose.\n```text\nshown, not compared\n```\n")
    assert blocks[0].expected_output is None
    assert [b.language for b in blocks] == ["python", "text"]


# ---- running the pages --------------------------------------------------------------------------


_REQUIRES = re.compile(r"<!-- requires: ([\w. ]+) -->")


def requirements(page: Path) -> list[str]:
    """The optional packages a page's code needs, from its `<!-- requires: ... -->` comment."""
    match = _REQUIRES.search(page.read_text(encoding="utf-8"))
    return match.group(1).split() if match else []


def page_params() -> list:
    return [pytest.param(page, id=page_id(page), marks=[pytest.mark.torch] * ("torch" in requirements(page)))
            for page in PAGES]


@pytest.mark.parametrize("page", page_params())
def test_page_code_runs_and_prints_what_the_page_shows(page, tmp_path, monkeypatch):
    for module in requirements(page):
        pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for block in fenced_blocks(page.read_text(encoding="utf-8")):
        if block.language not in RUNNABLE:
            continue
        where = f"{page_id(page)}, the block at line {block.line}"
        if block.title and re.fullmatch(r"test_\w*\.py", block.title):
            run_pytest_file(block, tmp_path, where)
            continue
        # Blank lines in front make tracebacks point at the page's own line numbers.
        code = compile("\n" * (block.line - 1) + block.code, page_id(page), "exec")
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            exec(code, namespace)
        if block.expected_output is not None:
            assert normalise(stdout.getvalue()) == normalise(block.expected_output), (
                f"{where} printed something other than what the text block after it shows.\n"
                f"--- shown ---\n{block.expected_output}\n--- printed ---\n{stdout.getvalue()}"
            )


def run_pytest_file(block: Block, directory: Path, where: str) -> None:
    (directory / block.title).write_text(block.code, encoding="utf-8")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(directory),
         block.title],
        cwd=directory, capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 0, f"{where}: pytest failed on {block.title}\n{result.stdout}{result.stderr}"


# ---- references from the docs to the code -------------------------------------------------------

_REFERENCE = re.compile(r"\]\[(autograd_mini(?:\.\w+)*)\]")


def resolve(dotted: str) -> object:
    """The object a dotted path names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(dotted)


def test_cross_references_name_code_that_exists():
    references = {
        (page_id(page), ref) for page in PAGES for ref in _REFERENCE.findall(page.read_text(encoding="utf-8"))
    }
    assert references, "the docs should point at the code"
    missing = []
    for page, ref in sorted(references):
        try:
            resolve(ref)
        except (ImportError, AttributeError):
            missing.append(f"{page}: {ref}")
    assert not missing, "references to code that does not exist:\n" + "\n".join(missing)


def table_roots() -> dict[str, object]:
    """What the first word of a code span in the PyTorch table's autograd_mini column stands for."""
    import numpy as np

    from autograd_mini import nn, optim, tensor

    param = nn.Parameter(np.zeros(1))
    return {
        "am": resolve("autograd_mini"),
        "np": np,
        "nn": nn,
        "F": nn.functional,
        "optim": optim,
        "t": tensor([[1.0]]),  # a matrix: the properties t.mT and t.H are read too
        "model": nn.Linear(1, 1),
        "opt": optim.SGD([param]),
        "ctx": resolve("autograd_mini.function.Function"),
    }


def test_pytorch_table_names_exist():
    text = (ROOT / "docs" / "pytorch-users.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("|")]
    spans = [span for cells in rows if len(cells) >= 2 for span in re.findall(r"`([^`]+)`", cells[1])]
    imports = [span for span in spans if re.match(r"(import|from) ", span)]
    # Keyword names (`axis=`) are not names to look up; import statements run instead.
    names = [span for span in spans if span not in imports and not re.fullmatch(r"\w+=", span)]
    assert len(names) > 30
    roots = table_roots()
    missing = []
    for statement in imports:
        try:
            exec(statement, {})
        except ImportError as error:
            missing.append(f"{statement}: {error}")
    for span in names:
        root, *attributes = re.match(r"[A-Za-z_][\w.]*", span).group(0).split(".")
        obj = roots.get(root)
        try:
            if obj is None:
                raise AttributeError(f"unknown root {root!r}")
            for name in attributes:
                obj = getattr(obj, name)
        except (ImportError, AttributeError) as error:
            missing.append(f"{span}: {error}")
    assert not missing, "names in the PyTorch table that autograd_mini lacks:\n" + "\n".join(missing)


# ---- the site builds ----------------------------------------------------------------------------


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def test_mkdocs_build_strict_passes(tmp_path):
    tools = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")
    if not all(installed(module) for module in tools):
        pytest.skip("MkDocs, Material and mkdocstrings are not installed: pip install 'autograd_mini[docs]'")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict",  # not --quiet: it hides the warnings
         "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}{result.stderr}"
    assert (tmp_path / "site" / "index.html").exists()

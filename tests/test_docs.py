"""The documentation cannot drift from the code: its generated parts are what the code generates today, and every
setting the code reads from the environment is in the README's table (and nothing the code never reads)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cogapp import Cog

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ["README.md", "docs/architecture.md"]
# Read by others than bordercase's own code: boto3 reads the S3 keys; every env_str also takes NAME_FILE.
READ_ELSEWHERE = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "SECRET_KEY_FILE", "EMAIL_HOST_PASSWORD_FILE"}


@pytest.mark.parametrize("page", GENERATED)
def test_the_generated_parts_of_the_page_are_what_the_code_makes_now(page: str) -> None:
    status = Cog().main(["cog", "--check", "--diff", str(ROOT / page)])
    assert status == 0, f"{page} is out of date: run `.venv/bin/cog -r {page}` and commit the result"


def test_the_lifecycle_section_shows_every_transition() -> None:
    from bordercase.cases.lifecycle import TRANSITIONS

    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in page for name in TRANSITIONS)
    assert "```mermaid\nstateDiagram-v2" in page


def _read_by_code() -> set[str]:
    read: set[str] = set()
    for path in (ROOT / "src" / "bordercase").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r'env_(?:str|int|bool|list)\(\s*"([A-Z0-9_]+)"', text))
        read |= set(re.findall(r'os\.environ(?:\.get\(|\[)\s*"([A-Z0-9_]+)"', text))
        read |= set(re.findall(r'\(\s*"(BORDERCASE_[A-Z0-9_]+)",', text))  # names read in a loop over a table
    return read


def test_every_setting_the_code_reads_is_in_the_readme_and_no_other() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration"):readme.index("## Running in production")]
    # The variables a row is about are in its first cell; the others hold defaults and meanings.
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}
    read = _read_by_code()
    assert "DATABASE_URL" in read and "BORDERCASE_S3_BUCKET" in read  # the scan finds both kinds of reading
    assert sorted(read - documented) == [], "read by the code but not in the README's configuration table"
    assert sorted(documented - read - READ_ELSEWHERE) == [], "in the README's table but read by nothing"

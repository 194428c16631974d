"""Every golden case of every transform: exact output, output parses, a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixit_codemods.testing import case_dirs, check_case, transform_for_case

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CASES = case_dirs(GOLDEN)


@pytest.mark.parametrize("case", CASES, ids=[c.relative_to(GOLDEN).as_posix() for c in CASES])
def test_golden_case(case: Path) -> None:
    check_case(case, transform_for_case(case))


def test_every_transform_has_golden_cases() -> None:
    from fixit_codemods.registry import builtin_transforms

    covered = {case.relative_to(GOLDEN).parts[0] for case in CASES}
    assert set(builtin_transforms()) <= covered

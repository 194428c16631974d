"""The seeded fuzzer over the golden inputs (tests/fuzzing.py): a short run in CI, a longer one with
FIXIT_FUZZ_ITERATIONS=2000 (and FIXIT_FUZZ_SEED=N for another sequence of variants)."""

from __future__ import annotations

import functools
import os
from collections import Counter

import pytest
from fuzzing import GOLDEN, MUTATIONS, Variant, comments, removed_on_purpose, run_variant, variants

ITERATIONS = int(os.environ.get("FIXIT_FUZZ_ITERATIONS", "16"))
SEED = int(os.environ.get("FIXIT_FUZZ_SEED", "20261206"))
VARIANTS = variants(ITERATIONS, SEED)
# What earlier runs found, kept as regressions: a comment inside `anext(` moved out of brackets made
# async-with's output unparsable (so the fix was discarded); a comment inside `Depends(` was dropped.
FOUND = [
    Variant(GOLDEN / "async-with" / "twin-name-taken", "comment-in-brackets", 4186823812),
    Variant(GOLDEN / "async-with" / "renamed-import-twin", "comment-in-brackets", 102469680),
    Variant(GOLDEN / "database-dep" / "scope-all", "comment-in-brackets", 3384934383),
]
outcome = functools.lru_cache(maxsize=None)(run_variant)  # each variant runs once per session


@pytest.mark.parametrize("variant", FOUND + VARIANTS, ids=[str(v) for v in FOUND + VARIANTS])
def test_a_mutated_golden_input_is_handled_safely(variant) -> None:  # type: ignore[no-untyped-def]
    problems = outcome(variant)
    assert not problems, f"{variant}:\n" + "\n".join(problems or [])


def test_the_run_tries_every_mutation_and_most_apply() -> None:
    assert {variant.mutation for variant in VARIANTS} == set(MUTATIONS)
    applied = [variant for variant in FOUND + VARIANTS if outcome(variant) is not None]
    assert len(applied) >= len(FOUND + VARIANTS) // 2 and all(outcome(variant) is not None for variant in FOUND)


def test_the_comment_check_sees_a_lost_comment_and_excuses_removed_code() -> None:
    before = (
        "def f(\n    a,  # first\n    b,\n):\n    # setup\n    create_all()  # at import\n    return g(  # why\n        a\n    )\n"
    )
    rewritten = "def f(\n    a,  # first\n    b,\n):\n    return g(a)\n"  # the inner comment is dropped
    lost = comments(before) - comments(rewritten) - removed_on_purpose(before, rewritten)
    assert lost == Counter({"# why": 1})  # create_all() went on purpose, with its two comments
    kept = "def f(\n    a,  # first\n    b,\n):\n    # why\n    return g(a)\n"
    assert not comments(before) - comments(kept) - removed_on_purpose(before, kept)

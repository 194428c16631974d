"""`typed-exceptions` options and phrase tests: the class table, the command-line form of `classes`,
`module=`, and how a message template is matched against a handler's test."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixit_codemods.api import ConfigError
from fixit_codemods.engine import Engine
from fixit_codemods.transforms.typed_exceptions import MessageTest, TypedExceptions, Verdict, class_name_for
from fixit_codemods.writer import write_changes

SERVICE = 'def find(key):\n    raise ValueError(f"Key {key} not found")\n'
ROUTER = (
    "from pkg.service import find\n\n\n"
    "def read(key):\n"
    "    try:\n"
    "        return find(key)\n"
    "    except ValueError as e:\n"
    '        if "not found" in str(e):\n'
    "            return 404\n"
    "        return 400\n"
)


def test_class_names_come_from_the_table_the_option_or_the_phrase() -> None:
    assert class_name_for("Not Found", {}) == "ResourceNotFoundError"
    assert class_name_for("quota exceeded", {}) == "QuotaExceededError"
    assert class_name_for("quota exceeded", {"quota exceeded": "OverQuota"}) == "OverQuota"
    assert class_name_for("parse error", {}) == "ParseError"
    assert class_name_for("404", {}) is None


def test_classes_option_accepts_a_table_and_the_command_line_form() -> None:
    from_toml = TypedExceptions({"classes": {"Quota Exceeded": "QuotaError"}})
    from_cli = TypedExceptions({"classes": "quota exceeded=QuotaError; rate limited = SlowDownError"})
    assert from_toml.settings["classes"] == {"quota exceeded": "QuotaError"}
    assert from_cli.settings["classes"] == {"quota exceeded": "QuotaError", "rate limited": "SlowDownError"}
    with pytest.raises(ConfigError):
        TypedExceptions({"classes": "quota exceeded"})
    with pytest.raises(ConfigError):
        TypedExceptions({"classes": "quota exceeded=Not A Name"})


@pytest.mark.parametrize(
    ("test", "template", "verdict"),
    [
        (MessageTest("not found"), ("Item ", None, " not found"), Verdict.YES),
        (MessageTest("not found"), ("Item ", None, " is gone"), Verdict.NO),
        (MessageTest("not found", ignore_case=True), ("Not Found: ", None), Verdict.YES),
        (MessageTest("Not found", ignore_case=True), ("Not found",), Verdict.NO),  # lowered: never matches
        (MessageTest("not found", "startswith"), (None, " not found"), Verdict.MAYBE),
        (MessageTest("not found", "startswith"), ("not ", None), Verdict.MAYBE),
        (MessageTest("not found", "startswith"), ("Item ", None), Verdict.NO),
        (MessageTest("not found", "endswith"), ("Item ", None, " not found"), Verdict.YES),
        (MessageTest("not found", "equals"), (None,), Verdict.MAYBE),
        (MessageTest("not found", "equals"), ("Item ", None), Verdict.NO),
    ],
)
def test_a_template_is_matched_the_way_the_handler_matched(
    test: MessageTest, template: tuple[str | None, ...], verdict: Verdict
) -> None:
    assert test.verdict(template) is verdict


def write_project(root: Path) -> None:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "service.py").write_text(SERVICE)
    (root / "pkg" / "router.py").write_text(ROUTER)


def test_module_option_names_where_the_classes_go(tmp_path: Path) -> None:
    write_project(tmp_path)
    result = Engine([TypedExceptions({"module": "pkg.errors"})], jobs=1).run([tmp_path])
    write_changes(result.changes().values())
    assert "class ResourceNotFoundError(ValueError)" in (tmp_path / "pkg" / "errors.py").read_text()
    assert "from pkg.errors import ResourceNotFoundError" in (tmp_path / "pkg" / "router.py").read_text()
    assert not (tmp_path / "pkg" / "exceptions.py").exists()


def test_external_phrases_keep_their_string_tests(tmp_path: Path) -> None:
    write_project(tmp_path)
    result = Engine([TypedExceptions({"external_phrases": "substring not found"})], jobs=1).run([tmp_path])
    write_changes(result.changes().values())
    router = (tmp_path / "pkg" / "router.py").read_text()
    # the project's raise is typed and caught first; the string test stays for everyone else's
    assert "except ResourceNotFoundError:" in router and '"not found" in str(e)' in router
    handler = next(site for site in result.sites if site.path == "pkg/router.py")
    assert handler.action.value == "changed" and "Python and libraries" in handler.message

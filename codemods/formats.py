"""Dry-run and report formats: `diff`, `markdown`, `json`, `sarif`.

- `diff`: the unified diff `git apply` accepts (new files included), from `fixit_codemods.diffs`.
- `markdown`: per transform a summary table, the rationale, what needs review, and each file's
  diff in a collapsible `<details>` block: for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
- `json`: one record per site plus the diff per file; the schema is versioned
  (`schema_version`) and shipped as `codemods/schemas/report-v1.json` (see docs/json-schema.md).
- `sarif`: SARIF 2.1.0, a result per site; each changed site carries its transform's edits of its
  file as a `fix` (artifactChanges with replacements computed from the file's original and final text,
  each given to the transform that wrote those lines), so that applying one result's fix applies
  what that result shows, not another rule's edits.
"""

from __future__ import annotations

import codecs
import difflib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fixit_codemods import __version__
from fixit_codemods.api import Action, Site
from fixit_codemods.diffs import file_diff, unified_diff
from fixit_codemods.engine import FileChange, RunResult, TransformResult
from fixit_codemods.messages import (
    changed_files,
    md_code,
    md_fence,
    md_table,
    relevant,
    review_items,
    subject,
)

FORMATS = ("diff", "markdown", "json", "sarif", "github")
JSON_SCHEMA_VERSION = 1
JSON_SCHEMA_ID = "urn:fixit-codemods:schema:report:v1"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "SRCROOT"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")  # SARIF's line terminators: CR LF, CR, LF


def render(result: RunResult, fmt: str, applied: bool = False) -> bytes:
    """The run in format `fmt` (one of FORMATS), as bytes ready for stdout or a file."""
    if fmt == "diff":
        return unified_diff(result.changes().values())
    if fmt == "markdown":
        return markdown_report(result, applied).encode("utf-8")
    if fmt == "json":
        return _dump(json_report(result, applied))
    if fmt == "sarif":
        return _dump(sarif_log(result))
    if fmt == "github":
        return github_annotations(result).encode("utf-8")
    raise ValueError(f"unknown format `{fmt}`; choose one of {', '.join(FORMATS)}")


def _github_escape(text: str, property_value: bool = False) -> str:
    """GitHub workflow-command escaping: `%`, CR and LF always; `:` and `,` in property values."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def github_annotations(result: RunResult) -> str:
    """One `::warning` workflow command per changed or review site (as ruff's `--output-format
    github`), and one `::error` per failed file: GitHub shows them on the pull request's diff."""
    lines = []
    for site in sorted(result.sites, key=lambda s: (s.path, s.line, s.column)):
        if site.action is Action.SKIPPED:
            continue
        verb = "would change" if site.action is Action.CHANGED else "left for review"
        properties = ",".join(
            [
                f"file={_github_escape(site.path, True)}",
                f"line={max(site.line, 1)}",
                f"col={site.column + 1}",
                f"title={_github_escape(f'fixit({site.transform}) {verb}', True)}",
            ]
        )
        lines.append(f"::warning {properties}::{_github_escape(site.message)}")
    for failure in result.all_failures:
        where = f"file={_github_escape(failure.relpath, True)}," if failure.relpath else ""
        lines.append(f"::error {where}title=fixit::{_github_escape(failure.message)}")
    return "".join(f"{line}\n" for line in lines)


def _dump(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def diff_text(change: FileChange) -> str:
    """A file's diff as text, decoded with the file's own encoding."""
    return file_diff(change).decode(_plain(change.encoding), errors="replace")


def _plain(encoding: str) -> str:
    # the BOM belongs to the file, not to each piece we decode or measure
    return "utf-8" if codecs.lookup(encoding).name == "utf-8-sig" else encoding


# -- markdown ----------------------------------------------------------------------------


def _file_rows(result: TransformResult) -> list[tuple[str, int, int]]:
    """(file, sites changed, sites for review) for every file changed or holding a site."""
    columns = {Action.CHANGED: 0, Action.REVIEW: 1}
    counts: dict[str, list[int]] = {change.relpath: [0, 0] for change in changed_files(result)}
    for site in result.sites:
        if site.action in columns:
            counts.setdefault(site.path, [0, 0])[columns[site.action]] += 1
    return [(path, changed, review) for path, (changed, review) in sorted(counts.items())]


def _details(change: FileChange) -> str:
    body = diff_text(change).replace("\r\n", "\n")
    label = "new file" if change.is_new else "diff"
    return (
        f"<details><summary><code>{_html(change.relpath)}</code> ({label})</summary>\n\n"
        f"{md_fence(body, 'diff')}\n\n</details>"
    )


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _transform_markdown(result: TransformResult) -> str:
    rows = _file_rows(result)
    total = ("**total**", sum(r[1] for r in rows), sum(r[2] for r in rows))
    parts = [
        f"### {subject(result)}",
        f"{result.transform.summary} (safety: {result.transform.safety.value})",
        md_table(("File", "Sites changed", "Sites for review"), [(md_code(p), c, r) for p, c, r in rows] + [total]),
        f"**Why.** {result.transform.rationale.strip() or result.transform.summary}",
    ]
    review = review_items(result, md_code)
    if review:
        parts.append("**What needs review**\n\n" + "\n".join(f"- {item}" for item in review))
    parts += [_details(change) for change in changed_files(result)]
    return "\n\n".join(parts)


def markdown_report(result: RunResult, applied: bool = False) -> str:
    changes = result.changes()
    review = sum(r.count(Action.REVIEW) for r in result.transforms)
    changed_sites = sum(r.count(Action.CHANGED) for r in result.transforms)
    verb = "changed" if applied else "would change"
    parts = [
        f"## fixit: {len(changes)} files {verb}, {changed_sites} sites, {review} left for review"
        if changes or review else "## fixit: nothing to change"
    ]
    shown = relevant(result.transforms)
    if shown:
        rows = [(md_code(r.name), r.transform.safety.value, len(changed_files(r)), r.count(Action.CHANGED),
                 r.count(Action.REVIEW)) for r in shown]
        parts.append(md_table(("Transform", "Safety", "Files", "Sites changed", "Sites for review"), rows))
    parts += [_transform_markdown(r) for r in shown]
    if result.all_failures:
        items = [f"- {md_code(f.relpath or '(run)')}: {f'[{f.transform}] ' if f.transform else ''}{f.message}"
                 for f in result.all_failures]
        parts.append("### Failures\n\n" + "\n".join(items))
    parts.append(f"<sub>fixit {__version__}: {result.scanned} files scanned.</sub>")
    return "\n\n".join(parts) + "\n"


# -- json ----------------------------------------------------------------------------------


def _site_record(site: Site, result: TransformResult) -> dict[str, Any]:
    return {
        "transform": result.name,
        "file": site.path,
        "line": site.line,
        "column": site.column,
        "action": site.action.value,
        "safety": result.transform.safety.value,
        "message": site.message,
    }


def _touched_by(result: RunResult) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for transform in result.transforms:
        for change in changed_files(transform):
            names.setdefault(change.relpath, []).append(transform.name)
    return names


def json_report(result: RunResult, applied: bool = False) -> dict[str, Any]:
    changes = result.changes()
    touched = _touched_by(result)
    sites = [
        _site_record(site, transform)
        for transform in result.transforms
        for site in sorted(transform.sites, key=lambda s: (s.path, s.line, s.column))
    ]
    return {
        "$schema": JSON_SCHEMA_ID,
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": "fixit", "version": __version__},
        "applied": applied,
        "summary": {
            "files_scanned": result.scanned,
            "files_changed": len(changes),
            "sites_changed": sum(1 for s in sites if s["action"] == "changed"),
            "sites_review": sum(1 for s in sites if s["action"] == "review"),
            "sites_skipped": sum(1 for s in sites if s["action"] == "skipped"),
            "failures": len(result.all_failures),
        },
        "transforms": [
            {
                "name": t.name,
                "safety": t.transform.safety.value,
                "summary": t.transform.summary,
                "subject": subject(t),
                "rationale": t.transform.rationale,
                "behaviour_change": t.transform.behaviour_change if changed_files(t) else "",
                "files": [change.relpath for change in changed_files(t)],
                "notes": list(t.notes),
            }
            for t in result.transforms
        ],
        "sites": sites,
        "files": [
            {
                "path": change.relpath,
                "status": "added" if change.is_new else "modified",
                "transforms": touched.get(change.relpath, []),
                "diff": diff_text(change),
            }
            for change in changes.values()
        ],
        "failures": [
            {"path": f.relpath, "transform": f.transform or "", "message": f.message} for f in result.all_failures
        ],
    }


# -- sarif ---------------------------------------------------------------------------------


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _LineMap:
    """Positions in one text as SARIF wants them: 1-based lines and UTF-16 columns, plus byte offsets."""

    def __init__(self, text: str, encoding: str, byte_start: int) -> None:
        self.lines = _LINE.findall(text)
        self.encoding = _plain(encoding)
        self.offsets = [byte_start]
        for line in self.lines:
            self.offsets.append(self.offsets[-1] + len(line.encode(self.encoding)))

    def position(self, index: int) -> tuple[int, int]:
        """(line, column) of the start of line `index` (0-based); past the end, the end of the text."""
        if index < len(self.lines) or not self.lines:
            return index + 1, 1
        last = self.lines[-1]
        if last.endswith(("\n", "\r")):
            return len(self.lines) + 1, 1
        return len(self.lines), _utf16_length(last) + 1

    def region(self, start: int, end: int) -> dict[str, int]:
        """The region covering lines [start, end) (0-based, end exclusive)."""
        start_line, start_column = self.position(start)
        end_line, end_column = self.position(end)
        return {
            "startLine": start_line,
            "startColumn": start_column,
            "endLine": end_line,
            "endColumn": end_column,
            "byteOffset": self.offsets[start],
            "byteLength": self.offsets[end] - self.offsets[start],
        }


def _decode(data: bytes, encoding: str) -> str:
    return data.decode(encoding, errors="replace")


Hunk = tuple[int, int, int, int]  # (i1, i2, j1, j2): original lines [i1, i2) became final lines [j1, j2)


def _lines(data: bytes | None, encoding: str) -> list[str]:
    return _LINE.findall(_decode(data or b"", encoding))


def _hunks(before: list[str], after: list[str]) -> list[Hunk]:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _replacements_by_hunk(change: FileChange) -> list[tuple[Hunk, dict[str, Any]]]:
    """Each changed block of lines, with the SARIF replacement that makes it."""
    before_text = _decode(change.before or b"", change.encoding)
    bom = len(codecs.BOM_UTF8) if codecs.lookup(change.encoding).name == "utf-8-sig" and change.before else 0
    before = _LineMap(before_text, change.encoding, bom)
    after_lines = _lines(change.after, change.encoding)
    return [
        ((i1, i2, j1, j2), {"deletedRegion": before.region(i1, i2), "insertedContent": {"text": "".join(after_lines[j1:j2])}})
        for i1, i2, j1, j2 in _hunks(before.lines, after_lines)
    ]


def replacements(change: FileChange) -> list[dict[str, Any]]:
    """SARIF replacements turning the file's original text into its final text, line by line.

    Regions refer to the original text, so applying them from last to first gives the final text.
    """
    return [replacement for _, replacement in _replacements_by_hunk(change)]


class _Provenance:
    """Which transforms made each line of a file's text, followed through the transforms' steps.

    `lines[k]` holds the transforms that wrote line k; `gaps[k]` those that deleted lines just before
    line k (a deletion leaves no line to hold its name)."""

    def __init__(self, count: int) -> None:
        self.lines: list[set[str]] = [set() for _ in range(count)]
        self.gaps: list[set[str]] = [set() for _ in range(count + 1)]

    def step(self, name: str, before: list[str], after: list[str]) -> None:
        """`name` turned `before` (the text this provenance describes) into `after`."""
        lines: list[set[str]] = []
        gaps: list[set[str]] = [set()]
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                gaps[-1] |= self.gaps[i1]
                for k in range(i1, i2):
                    lines.append(set(self.lines[k]))
                    gaps.append(set(self.gaps[k + 1]))
                continue
            touched = {name}.union(*self.lines[i1:i2], *self.gaps[i1 : i2 + 1])
            gaps[-1] |= touched
            for _ in range(j1, j2):
                lines.append(set(touched))
                gaps.append(set(touched))
        self.lines, self.gaps = lines, gaps

    def owners(self, hunk: Hunk) -> set[str]:
        """The transforms that made the final lines [j1, j2) of a hunk, or deleted lines there."""
        _, _, j1, j2 = hunk
        return set().union(*self.lines[j1:j2], *self.gaps[j1 : j2 + 1])


def edits_by_transform(result: RunResult) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(file, transform) → the SARIF replacements of that transform's own edits in that file.

    The replacements are those of the combined change (original → final text), so regions refer to
    the original file; each goes to the transforms whose step wrote or deleted its lines. Where two
    transforms edited the same lines, the replacement belongs to both (neither can be applied alone)."""
    steps: dict[str, list[tuple[str, FileChange]]] = {}
    for transform in result.transforms:
        for change in changed_files(transform):
            steps.setdefault(change.relpath, []).append((transform.name, change))
    edits: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for path, change in result.changes().items():
        names = [name for name, _ in steps.get(path, [])]
        provenance = _Provenance(len(_lines(change.before, change.encoding)))
        for name, step in steps.get(path, []):
            provenance.step(name, _lines(step.before, step.encoding), _lines(step.after, step.encoding))
        for hunk, replacement in _replacements_by_hunk(change):
            for name in provenance.owners(hunk) or names:  # no owner found: every transform of the file
                edits.setdefault((path, name), []).append(replacement)
    return edits


def _artifact_location(relpath: str) -> dict[str, str]:
    return {"uri": quote(relpath), "uriBaseId": SRCROOT}


def _location(path: str, line: int, column: int) -> dict[str, Any]:
    region = {"startLine": max(line, 1), "startColumn": max(column, 0) + 1}
    return {"physicalLocation": {"artifactLocation": _artifact_location(path), "region": region}}


def _rule(result: TransformResult) -> dict[str, Any]:
    transform = result.transform
    return {
        "id": transform.name,
        "name": transform.name,
        "shortDescription": {"text": transform.summary or transform.name},
        "fullDescription": {"text": transform.rationale.strip() or transform.summary or transform.name},
        "help": {"text": (type(transform).__doc__ or transform.summary or transform.name).strip()},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"safety": transform.safety.value},
    }


def _fix(description: str, name: str, paths: Iterable[str], edits: dict[tuple[str, str], list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "description": {"text": description},
        "artifactChanges": [
            {"artifactLocation": _artifact_location(path), "replacements": edits[path, name]}
            for path in paths
            if edits.get((path, name))
        ],
    }


def _sarif_result(site: Site, rule_index: int, result: TransformResult, fix: dict[str, Any] | None) -> dict[str, Any]:
    skipped = site.action is Action.SKIPPED
    record: dict[str, Any] = {
        "ruleId": result.name,
        "ruleIndex": rule_index,
        "kind": "pass" if skipped else "fail",
        "level": "none" if skipped else "warning",
        "message": {"text": site.message or result.transform.summary or result.name},
        "locations": [_location(site.path, site.line, site.column)],
        "properties": {"action": site.action.value, "safety": result.transform.safety.value},
    }
    if fix is not None:
        record["fixes"] = [fix]
    return record


def _transform_results(
    result: TransformResult, rule_index: int, changes: dict[str, FileChange],
    edits: dict[tuple[str, str], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """A result per site; each changed site's fix holds this transform's own edits of its file, plus
    the files this transform creates — never another transform's edits of the same file.

    A transform's edits of one file are given together (not split per site): they depend on each
    other (an import added at the top serves every call below), so a partial fix could break the file.
    """
    created = [c.relpath for c in changed_files(result) if changes.get(c.relpath) and changes[c.relpath].is_new]
    results = []
    for site in sorted(result.sites, key=lambda s: (s.path, s.line, s.column)):
        fix = None
        if site.action is Action.CHANGED and edits.get((site.path, result.name)):
            paths = [site.path] + [path for path in created if path != site.path]
            fix = _fix(f"{subject(result)} ({site.path})", result.name, paths, edits)
        results.append(_sarif_result(site, rule_index, result, fix))
    if created and not any(s.action is Action.CHANGED for s in result.sites):
        for path in created:  # a transform that only creates files: one result per created file
            site = Site(1, 0, Action.CHANGED, f"creates {path}", path, result.name)
            results.append(_sarif_result(site, rule_index, result, _fix(f"create {path}", result.name, [path], edits)))
    return results


def _invocation(result: RunResult) -> dict[str, Any]:
    notifications = []
    for failure in result.all_failures:
        notification: dict[str, Any] = {
            "level": "error",
            "message": {"text": f"{f'[{failure.transform}] ' if failure.transform else ''}{failure.message}"},
        }
        if failure.relpath:
            notification["locations"] = [{"physicalLocation": {"artifactLocation": _artifact_location(failure.relpath)}}]
        notifications.append(notification)
    return {"executionSuccessful": not result.all_failures, "toolExecutionNotifications": notifications}


def sarif_log(result: RunResult) -> dict[str, Any]:
    changes = result.changes()
    edits = edits_by_transform(result)  # once per file
    results = []
    for index, transform in enumerate(result.transforms):
        results += _transform_results(transform, index, changes, edits)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "fixit",
                        "version": __version__,
                        "rules": [_rule(transform) for transform in result.transforms],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(result.display_root)}},
                "columnKind": "utf16CodeUnits",
                "invocations": [_invocation(result)],
                "results": results,
            }
        ],
    }


def _directory_uri(path: Path) -> str:
    uri = Path(path).resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"

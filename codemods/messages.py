"""Commit messages and pull-request descriptions, written from a run's per-transform results.

Both say the same four things a reviewer needs, in this order: why the change is made (the
defect and its risk), what changed (files and sites), what needs review (sites left alone and
why, behaviour changes, run notes) and how to verify. A commit message is plain text wrapped at
72 columns and ends with the `Fixit-Transform:` / `Fixit-Version:` trailers; the pull-request
body is the same content in Markdown, with a summary table and a diff summary.
"""

from __future__ import annotations

import difflib
import shlex
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from fixit_codemods import __version__
from fixit_codemods.api import Action, Site
from fixit_codemods.engine import FileChange, TransformResult

WIDTH = 72
NOTHING_FOR_REVIEW = "Nothing: no site was left for review."


def changed_site_count(result: TransformResult) -> int:
    return result.count(Action.CHANGED)


def subject(result: TransformResult) -> str:
    """`fixit(<name>): <commit_subject formatted with the number of changed sites>`."""
    template = result.transform.commit_subject
    try:
        text = template.format(sites=changed_site_count(result))
    except (KeyError, IndexError, ValueError):  # a template with stray braces: keep it verbatim
        text = template
    return f"fixit({result.name}): {text}"


def verify_command(names: Sequence[str], paths: Sequence[str]) -> str:
    """The command that proves a second run has nothing left to change."""
    shown = " ".join(shlex.quote(path) for path in paths) or "."
    return f"fixit apply {','.join(names) or 'all'} --check {shown}"


@dataclass
class Section:
    title: str
    prose: list[str] = field(default_factory=list)  # paragraphs
    bullets: list[str] = field(default_factory=list)


def _sites_by_file(sites: Iterable[Site], action: Action) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = {}
    for site in sites:
        if site.action is action:
            lines.setdefault(site.path, []).append(site.line)
    return lines


def changed_files(result: TransformResult) -> list[FileChange]:
    return [change for _, change in sorted(result.changes.items()) if change.before != change.after]


def _what_changed(result: TransformResult, code: Callable[[str], str]) -> list[str]:
    changed_lines = _sites_by_file(result.sites, Action.CHANGED)
    bullets = []
    for change in changed_files(result):
        lines = sorted(changed_lines.get(change.relpath, []))
        if change.is_new:
            detail = "new file"
        elif lines:
            plural = "s" if len(lines) > 1 else ""
            detail = f"{len(lines)} site{plural}, line{plural} {', '.join(map(str, lines))}"
        else:
            detail = "changed"
        bullets.append(f"{code(change.relpath)}: {detail}")
    return bullets


def review_items(result: TransformResult, code: Callable[[str], str]) -> list[str]:
    bullets = [
        f"{code(f'{site.path}:{site.line}')}: {site.message}"
        for site in sorted(result.sites, key=lambda s: (s.path, s.line, s.column))
        if site.action is Action.REVIEW
    ]
    if result.changes and result.transform.behaviour_change:
        bullets.append(f"Behaviour change: {result.transform.behaviour_change}")
    bullets += [f"Note: {note}" for note in result.notes]
    return bullets


def _how_to_verify(result: TransformResult, paths: Sequence[str], code: Callable[[str], str]) -> list[str]:
    bullets = ["Run the project's test suite and type checker on this change."]
    if result.count(Action.REVIEW):
        bullets.append("Decide on each site listed under what needs review; fixit left them as they were.")
    bullets.append(
        f"{code(verify_command([result.name], paths))} reports nothing pending "
        "(a second run changes nothing)."
    )
    return bullets


def transform_sections(
    result: TransformResult, paths: Sequence[str], code: Callable[[str], str] = str
) -> list[Section]:
    """Why / what changed / what needs review / how to verify, for one transform's result."""
    rationale = result.transform.rationale.strip() or result.transform.summary
    review = review_items(result, code)
    return [
        Section("Why", prose=[rationale]),
        Section("What changed", bullets=_what_changed(result, code) or ["No file changed."]),
        Section("What needs review", bullets=review or [NOTHING_FOR_REVIEW]),
        Section("How to verify", bullets=_how_to_verify(result, paths, code)),
    ]


# -- commit messages (plain text) ---------------------------------------------------------


def _wrap(text: str, indent: str = "", first: str = "") -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()), WIDTH, initial_indent=first or indent, subsequent_indent=indent,
        break_long_words=False, break_on_hyphens=False,
    ) or [first.rstrip()]


def _text_section(section: Section) -> list[str]:
    lines = [f"{section.title}:"]
    for paragraph in section.prose:
        lines += _wrap(paragraph)
    for bullet in section.bullets:
        lines += _wrap(bullet, indent="  ", first="- ")
    return lines


def trailers(name: str) -> list[str]:
    return [f"Fixit-Transform: {name}", f"Fixit-Version: {__version__}"]


def commit_message(result: TransformResult, paths: Sequence[str] = (".",)) -> str:
    """The message of the one commit that holds `result`'s changes."""
    blocks = [[subject(result)]]
    blocks += [_text_section(section) for section in transform_sections(result, paths)]
    blocks.append(trailers(result.name))
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


# -- Markdown (pull-request body, PR comment, job summary) ---------------------------------


def md_code(text: str) -> str:
    """Inline code that survives backticks inside `text`."""
    ticks = "`" * (max((len(run) for run in _backtick_runs(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _backtick_runs(text: str) -> list[str]:
    runs, current = [], ""
    for char in text:
        if char == "`":
            current += char
        elif current:
            runs.append(current)
            current = ""
    if current:
        runs.append(current)
    return runs


def md_fence(body: str, language: str = "") -> str:
    """A fenced block longer than any backtick run inside `body`."""
    ticks = "`" * max(3, max((len(run) for run in _backtick_runs(body)), default=0) + 1)
    return f"{ticks}{language}\n{body.rstrip(chr(10))}\n{ticks}"


def md_escape_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def md_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(md_escape_cell(str(cell)) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def md_sections(result: TransformResult, paths: Sequence[str]) -> str:
    parts = []
    for section in transform_sections(result, paths, code=md_code):
        parts.append(f"**{section.title}**")
        parts += section.prose
        if section.bullets:
            parts.append("\n".join(f"- {bullet}" for bullet in section.bullets))
    return "\n\n".join(parts)


def transforms_table(results: Sequence[TransformResult]) -> str:
    rows = [
        (md_code(r.name), r.transform.safety.value, len(changed_files(r)), r.count(Action.CHANGED),
         r.count(Action.REVIEW))
        for r in results
    ]
    return md_table(("Transform", "Safety", "Files", "Sites changed", "Sites for review"), rows)


def diffstat(changes: Iterable[FileChange]) -> str:
    """`path | +added -removed` per file, as a reviewer's first look at the size of a change."""
    rows = []
    for change in changes:
        before = (change.before or b"").splitlines()
        after = change.after.splitlines()
        added = removed = 0
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
            removed += (i2 - i1) if tag in ("replace", "delete") else 0
            added += (j2 - j1) if tag in ("replace", "insert") else 0
        rows.append((change.relpath, f"+{added} -{removed}" + (" (new)" if change.is_new else "")))
    width = max((len(path) for path, _ in rows), default=0)
    return "\n".join(f"{path.ljust(width)} | {stat}" for path, stat in rows)


def relevant(results: Iterable[TransformResult]) -> list[TransformResult]:
    """Results worth a section: something changed or something needs a person."""
    return [r for r in results if changed_files(r) or r.count(Action.REVIEW) or r.notes]


def pr_body(
    results: Sequence[TransformResult],
    combined_changes: Iterable[FileChange],
    paths: Sequence[str] = (".",),
    branch: str | None = None,
    base: str | None = None,
    commits: Mapping[str, str] | None = None,
) -> str:
    """The pull-request description: the commit messages' content in Markdown, plus a diff summary."""
    shown = relevant(results)
    changed = [r for r in shown if changed_files(r)]
    title = subject(changed[0]) if len(changed) == 1 else f"fixit: {len(changed)} remediations"
    parts = [f"## {title}"]
    if branch:
        origin = f", cut from {md_code(base[:12])}" if base else ""
        parts.append(
            f"Branch {md_code(branch)}{origin}: one commit per transform, in the order below, "
            "so each can be reviewed on its own."
        )
    parts.append(transforms_table(shown) if shown else "Nothing to change.")
    for result in shown:
        sha = (commits or {}).get(result.name)
        commit = f" ({md_code(sha[:12])})" if sha else ""
        parts.append(f"### {subject(result)}{commit}")
        parts.append(md_sections(result, paths))
    stat = diffstat(combined_changes)
    if stat:
        parts += ["### Diff summary", md_fence(stat)]
    parts.append(f"<sub>Generated by fixit {__version__}.</sub>")
    return "\n\n".join(parts) + "\n"

"""Which survey years a run must build, and why: the decision that lets a nightly run with
nothing changed do nothing (docs/operations.md, "What counts as a change").

A year is built from three kinds of input: its raw files, the rules and code that read and
compute them (contracts/, dbt_project/, the orchestration package and the versions of the
libraries that parse and compute), and the years before it (facts carry previous-year
values, and dim_school's versions, `school_key`, run over every earlier year). The state
folder records, per year, the content digest of every file its last build read and the
digests of the rules it was built with (`<state>/built_years.json`). A year is stale when:

- it was never built (`new_year`), or its last build did not finish (`previous_run_failed`:
  the record is written as pending when the run lists the files, and marked built only once
  the year is published with its reports);
- a file was added (`new_file`), changed in content (`changed_file`: a file touched or
  copied back unchanged is not a change) or removed (`removed_file`);
- contracts/, the dbt project or the code changed (`contracts_changed`,
  `dbt_project_changed`, `code_changed`): every year;
- the state folder has not staged it (`not_staged`) or the published warehouse lacks it
  (`not_published`);
- files without a survey year changed (`undated_files_changed`: their receipts are published
  with any year; the latest is rebuilt), or a whole year's folder is gone (`year_removed`:
  the years after it are rebuilt, or the latest when none is after it, so the next publish
  drops it);
- an earlier year is stale (`follows_rebuilt_year`): its previous-year figures and school
  versions read that year. So what is stale is always every year from the earliest stale
  one on, one contiguous range; a change in the latest year rebuilds that year only.

`stale_years` is the pure decision; `plan_years` gathers its inputs from the folders.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from orchestration.settings import CONTRACTS_DIR, DBT_PROJECT_DIR, PROJECT_ROOT

RECORD_FILE = "built_years.json"
BUILT, PENDING = "built", "pending"

# Why a year is rebuilt; the message is what `junheng run` prints beside the year.
REASONS = {
    "new_year": "never built",
    "previous_run_failed": "its last build did not finish",
    "new_file": "new file",
    "changed_file": "file changed",
    "removed_file": "file removed",
    "contracts_changed": "contracts/ changed",
    "dbt_project_changed": "the dbt project changed",
    "code_changed": "Junheng's code or a library it computes with changed",
    "not_staged": "not staged in the state folder",
    "not_published": "not in the published warehouse",
    "undated_files_changed": "files without a survey year changed",
    "year_removed": "a survey year's files are gone",
    "follows_rebuilt_year": "an earlier year is rebuilt (previous-year figures, school versions)",
    "forced": "--force",
}
# The libraries whose version can change what is read or computed.
COMPUTING_LIBRARIES = (
    "python-calamine",
    "xlrd",
    "openpyxl",
    "pandas",
    "pyarrow",
    "pandera",
    "duckdb",
    "dbt-core",
    "dbt-duckdb",
)
# dbt's own output below dbt_project/, which is not the project.
_DBT_GENERATED = {"target", "logs", "dbt_packages", ".user.yml"}
# Settings kept in contracts/ that say how a run works, never what it computes: a change to
# them (or to the comments of their file) rebuilds nothing. File below contracts/ -> its
# top-level keys that are not inputs. `workers` (files read at once) changes no row: the
# reader's output is the same whatever the number of processes (docs/operations.md).
NOT_INPUTS = {"read_limits.yaml": ("workers",)}


@dataclass(frozen=True)
class Reason:
    """One reason a year is stale: a code of REASONS and what it concerns (file names, ...)."""

    code: str
    detail: str = ""

    def __str__(self) -> str:
        return REASONS[self.code] + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class YearRecord:
    """What the last build of a year read: each file's digest and the rules' digests."""

    files: Mapping[str, str]  # source_file -> digest
    inputs: Mapping[str, str]  # 'contracts' | 'dbt_project' | 'code' -> digest
    status: str = BUILT  # BUILT once published; PENDING from listing until then
    # The earliest year rebuilt after this one was built, by a run that did not build this
    # one (`junheng run --years 2023` with 2024 built): this year's previous-year figures
    # and school versions read that year as it was, so it is stale until built again.
    follows: int | None = None


def stale_years(
    files: Mapping[int, Mapping[str, str]],
    inputs: Mapping[str, str],
    records: Mapping[int, YearRecord],
    staged: Collection[int],
    published: Collection[int],
    undated: Mapping[str, str] | None = None,
    recorded_undated: Mapping[str, str] | None = None,
) -> dict[int, list[Reason]]:
    """The years of `files` to build, each with its reasons, in year order.

    files: the current raw files by survey year, source_file -> content digest.
    inputs: the current digests of contracts/, dbt_project/ and the code (input_digests).
    records: what the last build of each year read (read_records).
    staged, published: the years staged in the state folder and in the current snapshot.
    undated, recorded_undated: files without a survey year, now and at the last build.
    Returns {} when nothing changed. Pure: no file is read.
    """
    reasons: dict[int, list[Reason]] = {year: [] for year in files}
    for year, current in files.items():
        record = records.get(year)
        if record is None:
            reasons[year].append(Reason("new_year"))
            continue
        if record.status != BUILT:
            reasons[year].append(Reason("previous_run_failed"))
        if record.follows is not None:
            reasons[year].append(Reason("follows_rebuilt_year", str(record.follows)))
        reasons[year] += _file_changes(current, record.files)
        for name in sorted(set(inputs) | set(record.inputs)):
            if inputs.get(name) != record.inputs.get(name):
                reasons[year].append(Reason(f"{name}_changed"))
        if year not in staged:
            reasons[year].append(Reason("not_staged"))
        if year not in published:
            reasons[year].append(Reason("not_published"))
    latest = max(files, default=None)
    if latest is not None and dict(undated or {}) != dict(recorded_undated or {}):
        changes = _file_changes(undated or {}, recorded_undated or {})
        detail = "; ".join(str(change) for change in changes)
        reasons[latest].append(Reason("undated_files_changed", detail))
    for gone in sorted(set(records) - set(files)):
        later = [year for year in files if year > gone] or ([latest] if latest else [])
        for year in later[:1]:
            reasons[year].append(Reason("year_removed", str(gone)))
    stale = sorted(year for year, found in reasons.items() if found)
    for year in sorted(files):
        if stale and year > stale[0] and not reasons[year]:
            reasons[year].append(Reason("follows_rebuilt_year", str(stale[0])))
    return {year: found for year, found in sorted(reasons.items()) if found}


def _file_changes(current: Mapping[str, str], built: Mapping[str, str]) -> list[Reason]:
    changes = []
    for code, names in (
        ("new_file", sorted(set(current) - set(built))),
        ("changed_file", sorted(n for n in set(current) & set(built) if current[n] != built[n])),
        ("removed_file", sorted(set(built) - set(current))),
    ):
        if names:
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            changes.append(Reason(code, shown))
    return changes


# ---- the inputs, from the folders ---------------------------------------------------------
@dataclass(frozen=True)
class Records:
    """The state folder's record: each year's, and the undated files' at the last build."""

    years: dict[int, YearRecord] = field(default_factory=dict)
    undated: dict[str, str] = field(default_factory=dict)
    # Set when a run lists raw/ (mark_pending), made the record by mark_built: the undated
    # files it listed, and the years raw/ held then (a year not among them was dropped).
    pending_undated: dict[str, str] | None = None
    pending_present: list[int] | None = None
    # source_file -> (size, mtime_ns, digest): a file whose size and modification time are
    # unchanged is not read again to hash it (as git and make do).
    stats: dict[str, tuple] = field(default_factory=dict)


def read_records(state_dir: Path) -> Records:
    """The record of `state_dir` (empty when there is none or it can not be read)."""
    try:
        data = json.loads((Path(state_dir) / RECORD_FILE).read_text(encoding="utf-8"))
        years = {
            int(year): YearRecord(
                entry["files"], entry["inputs"], entry["status"], entry.get("follows")
            )
            for year, entry in data["years"].items()
        }
        stats = {name: tuple(value) for name, value in data.get("stats", {}).items()}
        return Records(
            years,
            data.get("undated", {}),
            data.get("pending_undated"),
            data.get("pending_present"),
            stats,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Records()


def write_records(state_dir: Path, records: Records) -> Path:
    """Write the record atomically (a reader sees the old one or the new one)."""
    target = Path(state_dir) / RECORD_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "written_at": datetime.now(UTC).isoformat(),
        "years": {
            str(year): {
                "status": r.status,
                "inputs": dict(r.inputs),
                "files": dict(r.files),
                **({"follows": r.follows} if r.follows is not None else {}),
            }
            for year, r in sorted(records.years.items())
        },
        "undated": dict(records.undated),
        "pending_undated": records.pending_undated,
        "pending_present": records.pending_present,
        "stats": {name: list(value) for name, value in sorted(records.stats.items())},
    }
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, target)
    return target


def _tree_digest(
    root: Path, skip: Collection[str] = (), not_inputs: Mapping[str, Collection[str]] | None = None
) -> str:
    """A digest of the relative paths and contents of every file below `root`.

    A YAML file named in `not_inputs` (relative path -> top-level keys) is digested by its
    values less those keys, so neither those settings nor its comments count."""
    digest = hashlib.sha256()
    for path in sorted(Path(root).rglob("*")):
        relative = path.relative_to(root)
        if (
            not path.is_file()
            or relative.parts[0] in skip
            or "__pycache__" in relative.parts
            or path.suffix == ".pyc"
        ):
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        ignored = (not_inputs or {}).get(relative.as_posix())
        content = path.read_bytes() if ignored is None else _settings_less(path, ignored)
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()[:16]


def _settings_less(path: Path, ignored: Collection[str]) -> bytes:
    """A YAML mapping's values less the keys `ignored`, as canonical JSON bytes."""
    import yaml

    values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    kept = {key: value for key, value in values.items() if key not in ignored}
    return json.dumps(kept, sort_keys=True, default=str).encode()


def contracts_digest(root: Path = CONTRACTS_DIR) -> str:
    """The digest of the contracts folder `root` as a build input: every file, less the
    settings of NOT_INPUTS."""
    return _tree_digest(root, not_inputs=NOT_INPUTS)


def input_digests() -> dict[str, str]:
    """The digests of what, besides the raw files, decides a year's published values:
    contracts/, the dbt project (dbt's own output left out), and the code (the
    orchestration package less the demo generator, and the computing libraries' versions)."""
    code = hashlib.sha256(_tree_digest(PROJECT_ROOT / "orchestration", {"demo"}).encode())
    for name in COMPUTING_LIBRARIES:
        try:
            code.update(f"{name}=={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            code.update(f"{name} absent\n".encode())
    return {
        "contracts": contracts_digest(),
        "dbt_project": _tree_digest(DBT_PROJECT_DIR, _DBT_GENERATED),
        "code": code.hexdigest()[:16],
    }


def file_digest(raw_file, stats: Mapping[str, tuple[int, int, str]]) -> tuple[str, tuple | None]:
    """The digest of one RawFile and its (size, mtime_ns, digest) entry for the stat cache.

    A file the reader opens is digested by content (sha256). One it never opens (skipped
    or rejected at discovery: a link, a lock file, a PDF) by its receipt, which is all of
    it that reaches the warehouse, and without following it.
    """
    if raw_file.status is not None:
        return f"{raw_file.status}:{raw_file.reason_code}", None
    try:
        stat = Path(raw_file.path).stat()
    except OSError:
        return "unreadable", None
    cached = stats.get(raw_file.source_file)
    if cached is not None and tuple(cached[:2]) == (stat.st_size, stat.st_mtime_ns):
        return cached[2], tuple(cached)
    try:
        with open(raw_file.path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()[:32]
    except OSError:
        return "unreadable", None
    return digest, (stat.st_size, stat.st_mtime_ns, digest)


def file_digests(
    raw_files: Iterable, stats: Mapping[str, tuple[int, int, str]]
) -> tuple[dict[int | None, dict[str, str]], dict[str, tuple[int, int, str]]]:
    """Digests of `raw_files` by survey year (None: undated), and the refreshed stat cache."""
    by_year: dict[int | None, dict[str, str]] = {}
    fresh_stats: dict[str, tuple[int, int, str]] = {}
    for raw_file in raw_files:
        digest, stat = file_digest(raw_file, stats)
        by_year.setdefault(raw_file.survey_year, {})[raw_file.source_file] = digest
        if stat is not None:
            fresh_stats[raw_file.source_file] = stat
    return by_year, fresh_stats


def staged_years(staging_dir: Path) -> set[int]:
    """The years whose school rows are staged (the dbt sources of every dimension)."""
    root = Path(staging_dir) / "school_survey"
    return {
        int(folder.name.split("=", 1)[1])
        for folder in root.glob("survey_year=*")
        if folder.name.split("=", 1)[1].isdigit() and any(folder.glob("*.parquet"))
    }


@dataclass(frozen=True)
class Plan:
    """What a run must build: the stale years with their reasons, and how many were current."""

    stale: dict[int, list[Reason]]
    current: list[int]
    # A digest of what the stale years would be built from (their files and the rules):
    # the raw/ sensor's run key, so that each change runs once.
    key: str = ""
    # The stat cache as this listing found it (source_file -> (size, mtime_ns, digest)):
    # `remember_stats` keeps it when nothing is built, so a touched file is hashed once.
    stats: dict[str, tuple] = field(default_factory=dict)
    # The stale years whose inputs differ from their record (not a --force of the same
    # inputs): the later built years follow them (mark_pending), and the run says so.
    changed: list[int] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        """The stale survey years, in order: the years the run builds."""
        return sorted(self.stale)

    def lines(self) -> list[str]:
        """One line per stale year: `2024: file changed: 2024/石家庄市/正定县.xlsx`."""
        return [
            f"{year}: " + "; ".join(str(reason) for reason in reasons)
            for year, reasons in sorted(self.stale.items())
        ]


def plan_years(paths, raw_files: list, years: Collection[int] | None = None,
               force: bool = False) -> Plan:  # fmt: skip
    """The plan for `years` (default every dated year of `raw_files`) in the deployment
    `paths` (orchestration.settings.Paths): stale_years over the current digests, the state
    folder's record, its staged years and the current snapshot's years.

    With `force` every selected year is stale. Reads each changed file once to digest it.
    """
    from orchestration.publish.warehouse import published_years

    records = read_records(paths.state_dir)
    digests, stats = file_digests(raw_files, records.stats)
    undated = digests.pop(None, {})
    selected = sorted(digests if years is None else set(digests) & set(years))
    inputs = input_digests()
    if force:
        stale = {year: [Reason("forced")] for year in selected}
        changed = changed_years(records, digests, inputs, selected)
        return Plan(stale, [], _plan_key(stale, digests, inputs), stats, changed)
    stale = stale_years(
        digests,
        inputs,
        records.years,
        staged_years(paths.staging_dir),
        published_years(paths.warehouse_dir),
        undated,
        records.undated,
    )
    chosen = {year: reasons for year, reasons in stale.items() if year in selected}
    current = [year for year in selected if year not in chosen]
    changed = changed_years(records, digests, inputs, chosen)
    return Plan(chosen, current, _plan_key(chosen, digests, inputs), stats, changed)


def changed_years(
    records: Records, digests: Mapping, inputs: Mapping[str, str], years: Iterable[int]
) -> list[int]:
    """Of `years`, those whose files or rules differ from their record, or whose last build
    did not finish or followed a rebuilt year: a build of them may change what the later
    years read (a --force of the same inputs does not)."""
    return sorted(
        year
        for year in years
        if records.years.get(year) != YearRecord(digests.get(year, {}), inputs, BUILT)
    )


def _plan_key(stale: Mapping[int, list], digests: Mapping, inputs: Mapping[str, str]) -> str:
    built_from = {str(year): digests.get(year, {}) for year in sorted(stale)}
    text = json.dumps([built_from, inputs], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ---- the record, written by the run -------------------------------------------------------
def remember_stats(state_dir: Path, stats: Mapping[str, tuple]) -> bool:
    """Keep the stat cache a listing found (`Plan.stats`) when the run builds nothing: a
    file touched without a change of content (a sync tool delivering it again) is then
    hashed by this run only, not by every later one. Returns whether the record changed.

    Only under the writer lock (`junheng run`): the sensor and the schedule, which plan
    without it, leave the record to the run they start."""
    records = read_records(state_dir)
    merged = {**records.stats, **{name: tuple(value) for name, value in stats.items()}}
    if merged == records.stats:
        return False
    write_records(state_dir, replace(records, stats=merged))
    return True


def mark_pending(state_dir: Path, raw_files: list, years: Collection[int]) -> Records:
    """Record, for `years` about to be built, the digests of the files listed now and of
    the rules: pending until mark_built. A run that dies leaves them pending, and so stale.

    A recorded year after the earliest of `years` whose inputs changed (files, rules, or a
    build that did not finish: not a `--force` rebuild of the same inputs) that this run does
    not build read that year as it was: it is marked as following a rebuilt year
    (`YearRecord.follows`), and so stale until a run builds it."""
    records = read_records(state_dir)
    digests, stats = file_digests(raw_files, records.stats)
    inputs = input_digests()
    updated = dict(records.years)
    earliest = min(changed_years(records, digests, inputs, years), default=None)
    for year, record in records.years.items():
        if earliest is not None and year > earliest and year not in years:
            follows = earliest if record.follows is None else min(record.follows, earliest)
            updated[year] = replace(record, follows=follows)
    for year in years:
        updated[year] = YearRecord(digests.get(year, {}), inputs, PENDING)
    written = Records(
        updated,
        records.undated,
        digests.get(None, {}),
        sorted(year for year in digests if year is not None),
        {**records.stats, **stats},
    )
    write_records(state_dir, written)
    return written


def mark_built(state_dir: Path, years: Collection[int]) -> Records:
    """Mark `years` built (published, their reports written): the pending record of each
    becomes its record, the undated files listed with them are recorded as published, and
    years raw/ no longer held at the listing (the publish dropped them) are forgotten."""
    records = read_records(state_dir)
    present = records.pending_present
    updated = {
        year: (
            YearRecord(record.files, record.inputs, BUILT)
            if year in years and record.status == PENDING
            else record
        )
        for year, record in records.years.items()
        if present is None or year in present
    }
    undated = records.undated if records.pending_undated is None else records.pending_undated
    written = Records(updated, undated, None, None, records.stats)
    write_records(state_dir, written)
    return written

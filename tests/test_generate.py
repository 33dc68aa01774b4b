"""The sample-data generator (tsqa.generate), checked on the raw files alone (no dbt).

The landing folder it writes must be contract-valid (raw_contract.md), deterministic,
messy in the ways real drops are (re-sent rows, exact duplicates, second drops, Parquet
days, offsets), and carry the planted facts that analysts and the warehouse tests look
for. Everything here is recomputed with plain pandas from the files, following the
definitions in metrics.md.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import CONTRACT_COLUMNS
from tsqa import generate as gen
from tsqa.settings import PROJECT_DIR

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FILE = re.compile(r"^(?P<entity>[a-z_]+)_(?P<day>\d{4}-\d{2}-\d{2})(_(?P<n>\d+))?\.(csv|parquet)$")
ENFORCE = {"remove", "restrict", "age_restrict"}
Z = 1.959963984540054


def _seed(name: str) -> list[dict[str, str]]:
    with open(PROJECT_DIR / "seeds" / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


SEED_QUEUES = {r["queue_code"] for r in _seed("queues")}
SEED_POLICIES = {r["policy_code"]: int(r["severity_tier"]) for r in _seed("policies")}
SEED_VENDORS = {r["vendor_code"] for r in _seed("vendors")}
SEED_ROOT_CAUSES = {r["root_cause_code"] for r in _seed("root_causes")}
SEED_SLA = {r["request_type"]: float(r["sla_hours"]) for r in _seed("lert_sla")}
SEED_ITEMS = {r["item_code"] for r in _seed("lert_scorecard_items")}
SEED_EXPERIMENTS = {r["experiment_id"]: r for r in _seed("experiments")}


# ---------------------------------------------------------------------------------
# Reading the landing folder back.
# ---------------------------------------------------------------------------------


def _files(root: Path, entity: str) -> list[Path]:
    return sorted((root / entity).iterdir(), key=lambda p: p.name)


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        frame = pq.read_table(path).to_pandas()
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    return frame.astype(object).where(frame.notna(), None)


def _load(root: Path, entity: str) -> pd.DataFrame:
    """Every row of every drop, in load order (file name, then line)."""
    return _load_cached(root, entity).copy()


@functools.lru_cache(maxsize=64)
def _load_cached(root: Path, entity: str) -> pd.DataFrame:
    frames = []
    for path in _files(root, entity):
        frame = _read(path)
        frame["_file"] = path.name
        frame["_line"] = range(len(frame))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _data_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not c.startswith("_")]


def _current(frame: pd.DataFrame, entity: str) -> pd.DataFrame:
    """raw_contract.md: drop exact duplicates (first stays), then the newest version of each
    key wins: later file, then later updated_at where the entity has one, then later line."""
    frame = frame.drop_duplicates(subset=_data_columns(frame), keep="first").copy()
    order = ["_file", "_line"]
    if "updated_at" in frame.columns and entity != "moderators":
        frame["_updated"] = pd.to_datetime(frame["updated_at"], utc=True, format="ISO8601")
        order = ["_file", "_updated", "_line"]
    key = list(gen.ENTITY_KEYS[entity])
    return frame.sort_values(order, kind="stable").groupby(key, as_index=False, sort=False).tail(1)


def _ts(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True, format="ISO8601")


def _classify(mod_action: str, mod_policy: str | None, ref_action: str, ref_policy: str | None) -> str | None:
    """metrics.md error type, None when correct."""
    mod_enf, ref_enf = mod_action in ENFORCE, ref_action in ENFORCE
    if mod_action == ref_action and not (mod_enf and ref_enf and mod_policy != ref_policy):
        return None
    if mod_enf and ref_action == "approve":
        return "over_enforcement"
    if mod_action == "approve" and ref_enf:
        return "under_enforcement"
    if mod_enf and ref_enf and mod_policy != ref_policy:
        return "wrong_policy"
    return "wrong_action"


def _audit_facts(root: Path) -> pd.DataFrame:
    """Current audits joined to their decisions, with the dispute-adjusted reference answer,
    the error type and the moderator's vendor/site as of the decision (SCD2)."""
    decisions = _current(_load(root, "moderation_decisions"), "moderation_decisions")
    audits = _current(_load(root, "qa_audits"), "qa_audits")
    disputes = _current(_load(root, "audit_disputes"), "audit_disputes")
    disputes["_raised"] = _ts(disputes["raised_at"])
    overturned = (disputes[disputes["outcome"] == "overturned"].sort_values("_raised")
                  .groupby("audit_id").tail(1)[["audit_id", "final_action", "final_policy_code"]])
    facts = audits.drop(columns=["_file", "_line"]).merge(
        decisions.drop(columns=["_file", "_line"]), on="decision_id", how="left", validate="many_to_one")
    facts = facts.merge(overturned, on="audit_id", how="left")
    over = facts["final_action"].notna()
    facts["ref_action"] = np.where(over, facts["final_action"], facts["qa_action"])
    facts["ref_policy"] = np.where(over, facts["final_policy_code"], facts["qa_policy_code"])
    facts["error_type"] = [_classify(*row) for row in
                           zip(facts["action"], facts["policy_code"], facts["ref_action"], facts["ref_policy"])]
    facts["correct"] = facts["error_type"].isna()
    facts["decided"] = _ts(facts["decided_at"])
    facts["audited"] = _ts(facts["audited_at"])
    roster = _load(root, "moderators")
    roster["_valid_from"] = _ts(roster["updated_at"])
    roster = roster.sort_values("_valid_from")
    facts = facts.sort_values("decided")
    facts = pd.merge_asof(facts, roster[["moderator_id", "_valid_from", "vendor_code", "site"]],
                          left_on="decided", right_on="_valid_from", by="moderator_id", direction="backward")
    return facts


def _two_proportion(errors1: int, n1: int, errors2: int, n2: int) -> float:
    p1, p2 = errors1 / n1, errors2 / n2
    pooled = (errors1 + errors2) / (n1 + n2)
    z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 2 * (1 - 0.5 * (1 + math.erf(abs(z) / math.sqrt(2))))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The demo landing folder: scale 1, seed 7."""
    root = tmp_path_factory.mktemp("generated") / "raw"
    counts = gen.generate(root, scale=1.0, seed=7, progress=False, truth=gen.truth_path_beside(root))
    return root, counts


@pytest.fixture(scope="module")
def facts(sample: tuple[Path, dict[str, int]]) -> pd.DataFrame:
    return _audit_facts(sample[0])


# ---------------------------------------------------------------------------------
# Layout, determinism, re-runs.
# ---------------------------------------------------------------------------------


def test_every_entity_is_written_with_the_contract_header(sample: tuple[Path, dict[str, int]]) -> None:
    root, counts = sample
    # The header is checked against the tests' own copy of the contract (conftest), not
    # against the declaration the generator reads it from.
    assert set(gen.ENTITIES) == set(CONTRACT_COLUMNS) and len(gen.ENTITIES) == 12
    assert {p.name for p in root.iterdir()} == set(gen.ENTITIES)
    for entity, contract_columns in CONTRACT_COLUMNS.items():
        columns = tuple(contract_columns)
        files = _files(root, entity)
        assert files, entity
        rows = 0
        for path in files:
            match = FILE.match(path.name)
            assert match and match["entity"] == entity, path.name
            date.fromisoformat(match["day"])
            if path.suffix == ".csv":
                with path.open(newline="", encoding="utf-8") as handle:
                    lines = list(csv.reader(handle))
                assert tuple(lines[0]) == columns, path.name
                assert all(len(line) == len(columns) for line in lines), path.name
                rows += len(lines) - 1
            else:
                table = pq.read_table(path)
                assert tuple(table.column_names) == columns, path.name
                assert all(str(t) == "string" for t in table.schema.types), path.name
                rows += table.num_rows
        assert rows == counts[entity] > 0, entity


def test_decisions_mix_csv_and_sunday_parquet_with_the_same_text(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    files = _files(root, "moderation_decisions")
    parquet = [p for p in files if p.suffix == ".parquet"]
    assert parquet and any(p.suffix == ".csv" for p in files)
    for path in files:
        day = date.fromisoformat(FILE.match(path.name)["day"])
        assert (path.suffix == ".parquet") == (day.weekday() == 6), path.name
    pq_rows = pd.concat([_read(p) for p in parquet])
    csv_rows = pd.concat([_read(p) for p in files if p.suffix == ".csv"])
    assert list(pq_rows.columns) == list(csv_rows.columns)
    # Same formats in both: ids, ISO timestamps with Z, integers as text, nulls as nulls.
    for frame in (pq_rows, csv_rows):
        assert frame["decided_at"].str.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$").all()
        assert frame["handle_time_s"].str.fullmatch(r"\d+").all()
        assert frame.loc[frame["action"] == "approve", "policy_code"].isna().all()


def test_same_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    a = gen.generate(tmp_path / "a", scale=0.2, seed=11, progress=False)
    b = gen.generate(tmp_path / "b", scale=0.2, seed=11, progress=False)
    assert a == b
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    c = gen.generate(tmp_path / "c", scale=0.2, seed=12, progress=False)
    assert c != a


def test_rerun_replaces_its_own_output_only(tmp_path: Path) -> None:
    out = tmp_path / "raw"
    first = gen.generate(out, scale=0.2, seed=3, progress=False)
    stale = out / "qa_audits" / "qa_audits_2020-01-01.csv"
    stale.write_text("audit_id\n")
    foreign = out / "not_an_entity"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    snapshot = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.csv")}
    again = gen.generate(out, scale=0.2, seed=3, progress=False)
    assert again == first
    assert not stale.exists()
    assert (foreign / "keep.txt").exists()
    for rel, content in snapshot.items():
        if rel != stale.relative_to(out):
            assert (out / rel).read_bytes() == content


def test_progress_goes_to_stderr_and_can_be_silenced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gen.generate(tmp_path / "p", scale=0.1, seed=1, progress=True, start=date(2026, 5, 4), end=date(2026, 5, 24))
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.startswith("generate: ")]
    assert out == "" and 5 <= len(lines) <= 12
    assert re.match(r"^generate: 2026-05-\d\d +\d+% [\d,]+ decisions", lines[0])
    assert "100%" in lines[-1]
    gen.generate(tmp_path / "q", scale=0.1, seed=1, progress=False, start=date(2026, 5, 4), end=date(2026, 5, 24))
    assert capsys.readouterr() == ("", "")


def test_volume_is_proportional_to_scale(tmp_path: Path, sample: tuple[Path, dict[str, int]]) -> None:
    _, counts = sample
    assert abs(counts["moderation_decisions"] / gen.DECISIONS_PER_SCALE - 1) < 0.15
    small = gen.generate(tmp_path / "s", scale=0.25, seed=7, progress=False)
    ratio = small["moderation_decisions"] / counts["moderation_decisions"]
    assert 0.2 < ratio < 0.3
    assert small["qa_audits"] < counts["qa_audits"]
    roster = _load(tmp_path / "s", "moderators")
    assert roster["moderator_id"].nunique() >= 40


# ---------------------------------------------------------------------------------
# Contract validity: nothing the staging layer would quarantine.
# ---------------------------------------------------------------------------------


def _assert_ts(series: pd.Series, nullable: bool = False) -> None:
    values = series.dropna() if nullable else series
    assert values.notna().all()
    assert values.map(lambda v: bool(TS.match(v))).all(), values[~values.map(lambda v: bool(TS.match(v)))].head()


def test_rows_are_contract_valid(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    raw = {e: _load(root, e) for e in gen.ENTITIES}
    cur = {e: _current(raw[e], e) for e in gen.ENTITIES}

    mods = raw["moderators"]
    assert set(mods["role"]) <= set(gen.ROLES) and set(mods["vendor_code"]) <= SEED_VENDORS
    assert all(site in gen.VENDOR_SITES[v] for v, site in zip(mods["vendor_code"], mods["site"]))
    assert mods["work_email"].str.fullmatch(r"m\d{4}@[a-z-]+\.example").all()
    assert mods["hired_on"].str.match(DATE).all() and mods["left_on"].dropna().str.match(DATE).all()
    _assert_ts(mods["updated_at"])
    assert not mods.duplicated(["moderator_id", "updated_at"]).any()
    roster = mods.sort_values("updated_at").groupby("moderator_id").tail(1).set_index("moderator_id")

    dec = raw["moderation_decisions"]
    assert dec["decision_id"].str.fullmatch(r"D\d{8}").all()
    assert dec["content_id"].str.fullmatch(r"C\d{13}").all() and dec["user_id"].str.fullmatch(r"U\d{12}").all()
    assert set(dec["queue_code"]) <= SEED_QUEUES and set(dec["action"]) <= set(gen.ACTIONS)
    assert set(dec["content_type"]) <= set(gen.CONTENT_TYPES) and dec["market"].notna().all()
    assert ((dec["action"] == "approve") == dec["policy_code"].isna()).all()
    assert set(dec["policy_code"].dropna()) <= set(SEED_POLICIES)
    _assert_ts(dec["decided_at"])
    assert (dec["handle_time_s"].astype(int) >= 0).all()
    d = cur["moderation_decisions"].merge(roster, left_on="moderator_id", right_index=True, how="left")
    assert (d["role"] == "moderator").all()
    day = d["decided_at"].str[:10]
    assert (d["hired_on"] <= day).all() and (d["left_on"].isna() | (day < d["left_on"].fillna(""))).all()

    aud = raw["qa_audits"]
    assert aud["audit_id"].str.fullmatch(r"A\d{8}").all()
    assert set(aud["audit_source"]) <= set(gen.AUDIT_SOURCES) and set(aud["qa_action"]) <= set(gen.ACTIONS)
    assert ((aud["qa_action"] == "approve") == aud["qa_policy_code"].isna()).all()
    assert set(aud["root_cause_code"].dropna()) <= SEED_ROOT_CAUSES
    _assert_ts(aud["audited_at"])
    a = aud.merge(cur["moderation_decisions"][["decision_id", "decided_at", "action", "policy_code"]],
                  on="decision_id", how="left")
    assert a["decided_at"].notna().all()  # no orphans
    assert (_ts(a["audited_at"]) >= _ts(a["decided_at"])).all()
    assert (_ts(a["audited_at"]) - _ts(a["decided_at"]) <= pd.Timedelta(hours=72)).all()
    assert set(roster.loc[aud["auditor_id"], "role"]) == {"auditor"}
    raw_correct = [_classify(*r) is None for r in zip(a["action"], a["policy_code"], a["qa_action"], a["qa_policy_code"])]
    assert a.loc[raw_correct, "root_cause_code"].isna().all()

    dis = raw["audit_disputes"]
    assert set(dis["outcome"]) <= set(gen.DISPUTE_OUTCOMES) and set(dis["raised_by"]) <= set(gen.DISPUTE_RAISED_BY)
    pending = dis["outcome"] == "pending"
    assert (pending == dis["resolved_at"].isna()).all() and (pending == dis["final_action"].isna()).all()
    resolved = dis[~pending]
    assert ((resolved["final_action"] == "approve") == resolved["final_policy_code"].isna()).all()
    _assert_ts(dis["raised_at"])
    _assert_ts(dis["resolved_at"], nullable=True)
    assert (_ts(resolved["resolved_at"]) >= _ts(resolved["raised_at"])).all()
    d = dis.merge(cur["qa_audits"][["audit_id", "audited_at"]], on="audit_id", how="left")
    assert d["audited_at"].notna().all() and (_ts(d["raised_at"]) >= _ts(d["audited_at"])).all()

    cal = raw["calibration_ratings"]
    assert cal["session_id"].str.fullmatch(r"CAL-\d{4}").all() and cal["item_id"].str.fullmatch(r"CI\d{6}").all()
    assert cal["session_date"].str.match(DATE).all() and set(cal["queue_code"]) <= SEED_QUEUES
    assert set(cal["rater_role"]) <= set(gen.RATER_ROLES)
    assert set(cal["label"]) <= set(SEED_POLICIES) | {"approve"}
    assert not cal.duplicated(["session_id", "item_id", "rater_id"]).any()
    assert cal[cal["rater_role"] == "reference"].groupby(["session_id", "item_id"]).size().max() == 1
    assert set(roster.loc[cal.loc[cal["rater_role"] == "reference", "rater_id"], "role"]) == {"policy_expert"}
    assert set(roster.loc[cal.loc[cal["rater_role"] == "participant", "rater_id"], "role"]) == {"moderator"}

    rca = raw["rca_cases"]
    assert set(rca["subject_type"]) <= set(gen.RCA_SUBJECT_TYPES) and set(rca["status"]) <= set(gen.RCA_STATUSES)
    assert ((rca["status"] == "closed") == rca["closed_at"].notna()).all()
    assert set(rca["root_cause_code"]) <= SEED_ROOT_CAUSES and set(rca["queue_code"].dropna()) <= SEED_QUEUES
    assert rca[["opened_at", "corrective_action", "owner_team"]].notna().all().all()
    closed = rca[rca["closed_at"].notna()]
    assert (_ts(closed["closed_at"]) >= _ts(closed["opened_at"])).all()
    subjects = {"audit": set(cur["qa_audits"]["audit_id"]), "escalation": set(cur["escalations"]["escalation_id"]),
                "le_request": set(cur["le_requests"]["request_id"])}
    assert all(sid in subjects[st] for st, sid in zip(rca["subject_type"], rca["subject_id"]))

    pol = raw["policy_changes"]
    assert set(pol["change_type"]) <= set(gen.CHANGE_TYPES) and set(pol["policy_code"]) <= set(SEED_POLICIES)
    _assert_ts(pol["effective_at"])

    tr = raw["training_completions"]
    assert tr["score"].astype(int).between(0, 100).all() and set(tr["policy_code"].dropna()) <= set(SEED_POLICIES)
    assert set(tr["moderator_id"]) <= set(roster.index)
    assert not tr.duplicated(list(gen.ENTITY_KEYS["training_completions"])).any()

    le = raw["le_requests"]
    assert le["request_id"].str.fullmatch(r"LE-\d{6}").all() and le["country"].str.fullmatch(r"[A-Z]{2}").all()
    assert set(le["agency_type"]) <= set(gen.LE_AGENCY_TYPES) and set(le["request_type"]) == set(SEED_SLA)
    assert set(le["status"]) <= set(gen.LE_STATUSES) and set(le["outcome"].dropna()) <= set(gen.LE_OUTCOMES)
    assert (le["accounts_specified"].astype(int) >= 1).all()
    assert set(le["legal_process_valid"]) <= {"true", "false"}
    is_open = le["status"] == "open"
    assert (is_open == le["responded_at"].isna()).all() and (is_open == le["outcome"].isna()).all()
    for column in ("received_at", "updated_at"):
        _assert_ts(le[column])
    _assert_ts(le["responded_at"], nullable=True)
    answered = le[~is_open]
    assert (_ts(answered["responded_at"]) >= _ts(answered["received_at"])).all()
    assert (_ts(le["updated_at"]) >= _ts(le["received_at"])).all()
    assert set(roster.loc[le["specialist_id"], "role"]) == {"lert_specialist"}

    la = raw["lert_assessments"]
    assert set(la["item_code"]) == SEED_ITEMS and set(la["result"]) <= set(gen.ASSESSMENT_RESULTS)
    assert (la.groupby("assessment_id")["item_code"].nunique() == len(SEED_ITEMS)).all()
    assert not la.duplicated(["assessment_id", "item_code"]).any()
    m = la.merge(cur["le_requests"][["request_id", "specialist_id", "responded_at"]], on="request_id",
                 how="left", suffixes=("", "_req"))
    assert (m["specialist_id"] == m["specialist_id_req"]).all() and (m["assessor_id"] != m["specialist_id"]).all()
    assert (_ts(m["assessed_at"]) >= _ts(m["responded_at"])).all()

    esc = raw["escalations"]
    assert set(esc["source"]) <= set(gen.ESC_SOURCES) and set(esc["severity"]) <= set(gen.ESC_SEVERITIES)
    assert set(esc["status"]) <= set(gen.ESC_STATUSES) and set(esc["queue_code"].dropna()) <= SEED_QUEUES
    assert ((esc["status"] == "resolved") == esc["resolved_at"].notna()).all()
    assert ((esc["status"] == "open") == esc["mitigated_at"].isna()).all()
    res = esc[esc["resolved_at"].notna()]
    assert (_ts(res["mitigated_at"]) <= _ts(res["resolved_at"])).all()
    mit = esc[esc["mitigated_at"].notna()]
    assert (_ts(mit["mitigated_at"]) >= _ts(mit["created_at"])).all()
    assert ((esc["source"] == "law_enforcement") == esc["request_id"].notna()).all()
    assert set(esc["request_id"].dropna()) <= set(cur["le_requests"]["request_id"])
    assert set(esc["root_cause_code"].dropna()) <= SEED_ROOT_CAUSES

    ea = raw["experiment_assignments"]
    assert not ea.duplicated(["experiment_id", "unit_id"]).any()
    for exp_id, rows in ea.groupby("experiment_id"):
        split = dict(p.split(":") for p in SEED_EXPERIMENTS[exp_id]["planned_split"].split(","))
        assert set(rows["variant"]) == set(split)
        assert (rows["assigned_at"].str[:10] <= SEED_EXPERIMENTS[exp_id]["started_on"]).all()
    assert set(roster.loc[ea["unit_id"], "role"]) == {"moderator"}
    assert set(SEED_EXPERIMENTS) == set(ea["experiment_id"])


def test_keys_are_unique_once_duplicates_and_old_versions_are_dropped(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    for entity in gen.ENTITIES:
        frame = _load(root, entity)
        current = _current(frame, entity)
        key = list(gen.ENTITY_KEYS[entity])
        assert not current.duplicated(key).any(), entity
        # Where the entity has no updated_at, one file never holds two different versions
        # of a key: the winner never depends on line order alone.
        if "updated_at" not in frame.columns:
            dedup = frame.drop_duplicates(subset=_data_columns(frame))
            assert not dedup.duplicated(["_file", *key]).any(), entity


# ---------------------------------------------------------------------------------
# The messy cases real drops have.
# ---------------------------------------------------------------------------------


def test_drops_carry_resends_duplicates_second_drops_and_offsets(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    for entity in ("moderation_decisions", "qa_audits", "le_requests"):
        frame = _load(root, entity)
        cols = _data_columns(frame)
        within = frame.duplicated(["_file", *cols]).sum()
        across = frame.drop_duplicates(["_file", *cols]).duplicated(cols).sum()
        assert within > 0 and across > 0, (entity, within, across)

    audits = _load(root, "qa_audits").drop_duplicates(subset=_data_columns(_load(root, "qa_audits")))
    versions = audits.groupby("audit_id")
    corrected = versions.size()[versions.size() > 1]
    assert 0.01 < len(corrected) / audits["audit_id"].nunique() < 0.10
    changed = audits[audits["audit_id"].isin(corrected.index)]
    filled = changed.groupby("audit_id")["root_cause_code"].agg(lambda s: s.isna().any() and s.notna().any())
    assert filled.sum() > 0
    assert any(p.name.endswith("_2.csv") for p in _files(root, "qa_audits"))
    assert any(p.name.endswith("_2.csv") or p.name.endswith("_2.parquet") for p in _files(root, "moderation_decisions"))

    le = _load(root, "le_requests").drop_duplicates(subset=_data_columns(_load(root, "le_requests")))
    statuses = le.groupby("request_id")["status"].agg(lambda s: tuple(s))
    assert sum(1 for s in statuses if s[0] == "open" and s[-1] in ("responded", "closed")) > 50
    for _, rows in le.groupby("request_id"):
        if len(rows) > 1:
            assert list(rows["_file"]) == sorted(rows["_file"])
            assert _ts(rows["updated_at"]).is_monotonic_increasing
    # Free-text notes: commas and quotes (RFC 4180 quoting), and now and then personal data.
    notes = _load(root, "qa_audits")["auditor_notes"].dropna()
    assert notes.str.contains(",").any() and notes.str.contains('"').any()
    assert notes.str.contains(r"[a-z.]+@[a-z-]+\.(?:example|example\.com)\b").any()
    assert notes.str.contains(r"\bU\d{12}\b").any()
    for entity, column in (("le_requests", "received_at"), ("escalations", "created_at")):
        values = _load(root, entity)[column]
        share = values.str.endswith("-07:00").mean()
        assert 0.01 < share < 0.15, (entity, share)
        assert values.str.endswith("Z").any()


# ---------------------------------------------------------------------------------
# Realistic structure and the planted facts.
# ---------------------------------------------------------------------------------


def test_realistic_volume_mix_and_roster(sample: tuple[Path, dict[str, int]], facts: pd.DataFrame) -> None:
    root, _ = sample
    dec = _current(_load(root, "moderation_decisions"), "moderation_decisions")
    actions = dec["action"].value_counts(normalize=True)
    assert 0.45 < actions["approve"] < 0.62 and 0.015 < actions["escalate"] < 0.05
    per_day = dec.groupby(dec["decided_at"].str[:10]).size()
    weekend = pd.to_datetime(per_day.index).day_of_week >= 5
    assert per_day[weekend].mean() < 0.8 * per_day[~weekend].mean()
    # random audits per decision: the queue rates weighted by the queue mix (about 0.133)
    planned = sum(gen.QUEUE_MIX[q] * gen.RANDOM_AUDIT_RATE[q] for q in gen.QUEUE_MIX) / sum(gen.QUEUE_MIX.values())
    random_share = (facts["audit_source"] == "random").sum() / len(dec)
    assert abs(random_share - planned) < 0.015, (random_share, planned)
    assert set(facts["audit_source"]) == set(gen.AUDIT_SOURCES)
    assert set(facts["error_type"].dropna()) == {"over_enforcement", "under_enforcement", "wrong_policy", "wrong_action"}

    roster = _load(root, "moderators")
    people = roster.groupby("moderator_id")
    latest = people.tail(1)
    deciders = latest[latest["role"] == "moderator"]
    assert 0.5 < (latest["vendor_code"] != "inhouse").mean() < 0.7
    movers = people["site"].nunique().gt(1) | people["vendor_code"].nunique().gt(1)
    assert movers.sum() >= 0.05 * len(deciders)
    assert latest["left_on"].notna().sum() >= 2
    assert set(latest["role"]) == set(gen.ROLES)


def test_accuracy_differs_by_vendor_and_the_worse_site(facts: pd.DataFrame) -> None:
    spike = (facts["decided"] >= pd.Timestamp(gen.HT01_CHANGE_AT)) & (
        facts["decided"] < pd.Timestamp(gen.HT01_CHANGE_AT) + pd.Timedelta(days=gen.HT01_SPIKE_MAX_DAYS))
    quiet = facts[~spike & (facts["audit_source"] == "random")]  # the probability sample
    by_vendor = quiet.groupby("vendor_code")["correct"].mean()
    assert by_vendor["inhouse"] > by_vendor["atlas"] > by_vendor["cirrus"]
    assert by_vendor["inhouse"] > by_vendor["borealis"] > by_vendor["cirrus"] - 0.02
    by_site = quiet.groupby(["vendor_code", "site"])["correct"].mean()
    vendor, worse = gen.WORSE_SITE
    others = [s for s in gen.VENDOR_SITES[vendor] if s != worse]
    assert all(by_site[(vendor, worse)] < by_site[(vendor, s)] - 0.05 for s in others)
    assert by_site.idxmin() == gen.WORSE_SITE


def test_ht01_major_revision_spike_is_visible_in_the_raw_numbers(sample: tuple[Path, dict[str, int]],
                                                                 facts: pd.DataFrame) -> None:
    """metrics.md policy-change impact, by hand: audits whose (dispute-adjusted) reference
    policy or moderator policy is HT-01, decided in the 28 days before vs after the change."""
    root, _ = sample
    changes = _load(root, "policy_changes")
    ht = changes[(changes["policy_code"] == gen.HT01_POLICY) & (changes["change_type"] == "major_revision")]
    assert len(ht) == 1 and _ts(ht["effective_at"]).iloc[0] == pd.Timestamp(gen.HT01_CHANGE_AT)
    assert len(changes) >= 7 and set(changes["change_type"]) == set(gen.CHANGE_TYPES)
    effective = pd.Timestamp(gen.HT01_CHANGE_AT)
    window = pd.Timedelta(days=gen.HT01_SPIKE_DAYS)
    random = facts[facts["audit_source"] == "random"]  # the probability sample of the decisions
    on_policy = random[(random["ref_policy"] == gen.HT01_POLICY) | (random["policy_code"] == gen.HT01_POLICY)]
    before = on_policy[(on_policy["decided"] >= effective - window) & (on_policy["decided"] < effective)]
    after = on_policy[(on_policy["decided"] >= effective) & (on_policy["decided"] < effective + window)]
    e1, e2 = int((~before["correct"]).sum()), int((~after["correct"]).sum())
    rate_before, rate_after = e1 / len(before), e2 / len(after)
    assert rate_after > 2 * rate_before, (rate_before, rate_after)
    assert _two_proportion(e1, len(before), e2, len(after)) < 0.001

    # Concentrated in hate_harassment: the weekly p-chart of random audits breaks its upper limit.
    queue = random[random["queue_code"] == gen.HT01_SPIKE_QUEUE].copy()
    queue["week"] = queue["audited"].dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    weekly = queue.groupby("week")["correct"].agg(audits="size", correct="sum")
    weekly["errors"] = weekly["audits"] - weekly["correct"]
    beyond = []
    for week, row in weekly.iterrows():
        base = weekly[(weekly.index < week) & (weekly.index >= week - pd.Timedelta(weeks=12))]
        if base["audits"].sum() == 0:
            continue
        centre = base["errors"].sum() / base["audits"].sum()
        ucl = min(1.0, centre + 3 * math.sqrt(centre * (1 - centre) / row["audits"]))
        if row["errors"] / row["audits"] > ucl:
            beyond.append(week)
    change_week = effective.tz_localize(None)
    assert any(change_week <= w < change_week + window for w in beyond), beyond
    # Once the baseline has 8 weeks behind it, nothing before the change breaks the limits.
    settled = weekly.index[8]
    assert not [w for w in beyond if settled <= w < change_week], beyond

    # Most spike errors in that queue (every audit source) are coded as a recent policy change.
    queue = facts[facts["queue_code"] == gen.HT01_SPIKE_QUEUE]
    spike_errors = queue[(queue["decided"] >= effective) & (queue["decided"] < effective + window)
                         & ~queue["correct"] & queue["root_cause_code"].notna()]
    assert spike_errors["root_cause_code"].value_counts().idxmax() == gen.POLICY_CHANGE_ROOT_CAUSE

    # No other change has a significant increase.
    for _, change in changes[changes["policy_code"] != gen.HT01_POLICY].iterrows():
        eff = _ts(pd.Series([change["effective_at"]])).iloc[0]
        rows = random[(random["ref_policy"] == change["policy_code"])
                      | (random["policy_code"] == change["policy_code"])]
        b = rows[(rows["decided"] >= eff - window) & (rows["decided"] < eff)]
        a = rows[(rows["decided"] >= eff) & (rows["decided"] < eff + window)]
        if len(b) and len(a) and 0 < (~b["correct"]).sum() + (~a["correct"]).sum():
            p = _two_proportion(int((~b["correct"]).sum()), len(b), int((~a["correct"]).sum()), len(a))
            assert not (p < 0.01 and (~a["correct"]).mean() > (~b["correct"]).mean()), change["policy_code"]


def test_ht01_refresher_brings_accuracy_back(sample: tuple[Path, dict[str, int]], facts: pd.DataFrame) -> None:
    root, _ = sample
    training = _load(root, "training_completions")
    assert {"ONB-101", gen.HT01_REFRESHER_COURSE} <= set(training["course_code"])
    assert training.duplicated(["moderator_id", "course_code"]).any()  # some retakes
    refresher = training[training["course_code"] == gen.HT01_REFRESHER_COURSE]
    first = refresher.assign(done=_ts(refresher["completed_at"])).groupby("moderator_id")["done"].min()
    ht = facts[((facts["ref_policy"] == gen.HT01_POLICY) | (facts["policy_code"] == gen.HT01_POLICY))
               & facts["moderator_id"].isin(first.index)].copy()
    ht["done"] = ht["moderator_id"].map(first)
    effective = pd.Timestamp(gen.HT01_CHANGE_AT)
    during = ht[(ht["decided"] >= effective) & (ht["decided"] < ht["done"])]
    after = ht[(ht["decided"] >= ht["done"]) & (ht["decided"] < ht["done"] + pd.Timedelta(days=28))]
    assert len(during) > 30 and len(after) > 30
    assert after["correct"].mean() > during["correct"].mean() + 0.15


def test_exp01_treatment_lifts_accuracy_and_exp02_only_handle_time(sample: tuple[Path, dict[str, int]],
                                                                  facts: pd.DataFrame) -> None:
    """metrics.md experiments: decisions in [started_on, ended_on] by the variant's units,
    their audits; Wald 95% CI of the accuracy difference with unpooled variance."""
    root, _ = sample
    assignments = _load(root, "experiment_assignments")
    decisions = _current(_load(root, "moderation_decisions"), "moderation_decisions")
    results = {}
    for exp_id, meta in SEED_EXPERIMENTS.items():
        units = assignments[assignments["experiment_id"] == exp_id].set_index("unit_id")["variant"]
        split = dict(p.split(":") for p in meta["planned_split"].split(","))
        counts = units.value_counts()
        expected = {v: len(units) * float(s) / sum(map(float, split.values())) for v, s in split.items()}
        assert sum((counts[v] - e) ** 2 / e for v, e in expected.items()) < 6  # no sample-ratio mismatch

        def in_window(f: pd.DataFrame, meta: dict[str, str] = meta) -> pd.DataFrame:
            day = f["decided_at"].str[:10]
            return f[(day >= meta["started_on"]) & (day <= meta["ended_on"])]

        random = facts[facts["audit_source"] == "random"]  # metrics.md: experiments over random audits
        audits = in_window(random[random["moderator_id"].isin(units.index)]).assign(
            variant=lambda f: f["moderator_id"].map(units))
        decs = in_window(decisions[decisions["moderator_id"].isin(units.index)]).assign(
            variant=lambda f: f["moderator_id"].map(units))
        results[exp_id] = (audits.groupby("variant")["correct"].agg(["size", "mean"]),
                           decs.groupby("variant")["handle_time_s"].agg(lambda s: s.astype(float).mean()))
    acc, _ = results[gen.EXP01_ID]
    c, t = acc.loc["control"], acc.loc["treatment"]
    diff = t["mean"] - c["mean"]
    half = Z * math.sqrt(t["mean"] * (1 - t["mean"]) / t["size"] + c["mean"] * (1 - c["mean"]) / c["size"])
    assert diff - half > 0, (diff, half)
    assert 0.5 * gen.EXP01_TREATMENT_ACCURACY_LIFT < diff < 2.5 * gen.EXP01_TREATMENT_ACCURACY_LIFT
    _, handle = results[gen.EXP02_ID]
    assert handle["batch_large"] < handle["control"] and handle["batch_small"] < handle["control"]


def test_calibration_sessions_with_planted_poor_agreement(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    cal = _load(root, "calibration_ratings")
    participants = cal[cal["rater_role"] == "participant"]

    def agreement(rows: pd.DataFrame) -> float:  # metrics.md percent_agreement
        shares = []
        for _, item in rows.groupby("item_id"):
            n = len(item)
            if n >= 2:
                same = sum(c * (c - 1) for c in item["label"].value_counts())
                shares.append(same / (n * (n - 1)))
        return float(np.mean(shares))

    sessions = participants.groupby("session_id")
    meta = sessions[["session_date", "queue_code"]].first()
    scores = sessions.apply(agreement)
    poor = {(d.isoformat(), q) for d, q in gen.POOR_CALIBRATION_SESSIONS}
    planted = meta.apply(lambda r: (r["session_date"], r["queue_code"]) in poor, axis=1)
    assert planted.sum() == len(gen.POOR_CALIBRATION_SESSIONS)
    assert scores[planted].max() < 0.6 < scores[~planted].min()
    assert 1 <= len(meta) / 26 <= 3  # about 1-3 sessions a week
    sizes = sessions["rater_id"].nunique()
    assert sizes.between(4, 8).all()
    items = cal.groupby("session_id")["item_id"].nunique()
    assert items.between(20, 40).all()
    with_reference = cal[cal["rater_role"] == "reference"].groupby("session_id")["item_id"].nunique()
    assert (with_reference < items).any() and (with_reference > 0.7 * items).all()
    ratings_per_item = participants.groupby(["session_id", "item_id"]).size()
    assert (ratings_per_item < ratings_per_item.groupby(level=0).transform("max")).any()  # some skipped


def test_law_enforcement_requests_slas_and_assessments(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    le = _current(_load(root, "le_requests"), "le_requests")
    types = le["request_type"].value_counts(normalize=True)
    assert set(types.index) == set(SEED_SLA) and 0.02 < types["emergency"] < 0.09
    received, responded = _ts(le["received_at"]), _ts(le["responded_at"])
    sla = pd.to_timedelta(le["request_type"].map(SEED_SLA), unit="h")
    as_of = _ts(le["updated_at"]).max()
    late = responded.notna() & (responded - received > sla)
    past_due = responded.isna() & (received + sla < as_of)
    not_due = responded.isna() & (received + sla >= as_of)
    assert late.sum() > 5 and past_due.sum() >= 1 and not_due.sum() >= 3
    last_days = received >= as_of - pd.Timedelta(days=2)
    assert (le.loc[last_days & (le["request_type"] != "emergency"), "status"] == "open").all()

    la = _load(root, "lert_assessments")
    assessments = la["assessment_id"].nunique()
    assert 0.2 < assessments / (le["status"] != "open").sum() < 0.4
    critical = la[la["item_code"].isin(["legal_process_check", "disclosure_scope"]) & (la["result"] == "fail")]
    assert 0.01 < critical["assessment_id"].nunique() / assessments < 0.12
    roster = _load(root, "moderators")
    planted = gen.overdisclosure_specialist(roster.to_dict("records"))
    over = la[(la["item_code"] == "disclosure_scope")].assign(fail=lambda f: f["result"] == "fail")
    rate = over.groupby("specialist_id")["fail"].mean()
    assert rate.idxmax() == planted

    esc = _current(_load(root, "escalations"), "escalations")
    assert set(esc["status"]) == set(gen.ESC_STATUSES) and set(esc["source"]) == set(gen.ESC_SOURCES)
    assert 0.4 < esc["root_cause_code"].notna().mean() < 0.8 and esc["queue_code"].isna().any()
    rca = _current(_load(root, "rca_cases"), "rca_cases")
    assert set(rca["subject_type"]) == set(gen.RCA_SUBJECT_TYPES) and set(rca["status"]) == set(gen.RCA_STATUSES)
    assert (rca["root_cause_code"] == gen.POLICY_CHANGE_ROOT_CAUSE).any()


def test_disputes_outcomes_and_second_disputes(sample: tuple[Path, dict[str, int]], facts: pd.DataFrame) -> None:
    root, _ = sample
    disputes = _current(_load(root, "audit_disputes"), "audit_disputes")
    shares = disputes["outcome"].value_counts(normalize=True)
    assert shares["upheld"] > shares["overturned"] > shares["pending"] > 0
    assert (disputes["audit_id"].value_counts() > 1).any()
    raw_incorrect = facts.apply(lambda r: _classify(r["action"], r["policy_code"], r["qa_action"], r["qa_policy_code"])
                                is not None, axis=1)
    assert 0.04 < disputes["audit_id"].nunique() / raw_incorrect.sum() < 0.15
    overturned = disputes.loc[disputes["outcome"] == "overturned", ["audit_id", "final_action", "final_policy_code"]]
    overturned = overturned.merge(facts[["audit_id", "action", "policy_code", "correct"]], on="audit_id")
    assert (overturned["final_action"] == overturned["action"]).all() and overturned["correct"].all()


# ---------------------------------------------------------------------------------
# The random sample and the simulated truth (issue 13).
# ---------------------------------------------------------------------------------


def test_random_audits_are_an_equal_probability_sample_per_queue(sample: tuple[Path, dict[str, int]],
                                                                  facts: pd.DataFrame) -> None:
    """raw_contract.md: `random` audits sample each decision month x queue x vendor with equal
    probability, independently of correctness and of the other audits."""
    root, _ = sample
    dec = _current(_load(root, "moderation_decisions"), "moderation_decisions")
    truth = pd.read_parquet(gen.truth_path_beside(root))
    dec = dec.merge(truth, on="decision_id", how="left", validate="one_to_one")
    assert dec["is_correct"].notna().all()
    random_ids = set(facts.loc[facts["audit_source"] == "random", "decision_id"])
    triggered_ids = set(facts.loc[facts["audit_source"] != "random", "decision_id"])
    dec["sampled"] = dec["decision_id"].isin(random_ids)
    dec["triggered"] = dec["decision_id"].isin(triggered_ids)
    assert (dec["sampled"] & dec["triggered"]).sum() > 100  # a random audit beside an appeal or targeted one
    # at most one random audit per decision
    assert not facts[facts["audit_source"] == "random"].duplicated("decision_id").any()
    # the last days' audits are not due yet: leave out decisions of the last 3 days
    early = dec[dec["decided_at"].str[:10] < (gen.DEFAULT_END - timedelta(days=3)).isoformat()]
    rates = set()
    for queue, rows in early.groupby("queue_code"):
        rate = gen.RANDOM_AUDIT_RATE[queue]
        rates.add(rate)
        n = len(rows)
        sd = math.sqrt(rate * (1 - rate) / n)
        assert abs(rows["sampled"].mean() - rate) < 4 * sd, (queue, rows["sampled"].mean(), rate)
        # independent of correctness and of the triggered audits (4 standard errors)
        for flag in ("is_correct", "triggered"):
            a, b = rows[rows[flag]], rows[~rows[flag]]
            if len(a) >= 50 and len(b) >= 50:
                diff = a["sampled"].mean() - b["sampled"].mean()
                assert abs(diff) < 4 * math.sqrt(rate * (1 - rate) * (1 / len(a) + 1 / len(b))), (queue, flag, diff)
    assert len(rates) >= 3  # sampling rates differ by queue


def test_truth_file_is_written_beside_the_landing_folder_never_in_it(sample: tuple[Path, dict[str, int]],
                                                                    facts: pd.DataFrame, tmp_path: Path) -> None:
    root, counts = sample
    path = gen.truth_path_beside(root)
    assert path.parent == root.parent and path.exists()
    truth = pd.read_parquet(path)
    assert list(truth.columns) == ["decision_id", "is_correct", "is_critical_error"]
    assert truth["decision_id"].is_unique and not (truth["is_critical_error"] & truth["is_correct"]).any()
    assert not any(p.suffix == ".parquet" and "truth" in p.name for p in root.rglob("*"))
    # the auditor's original answer (before disputes) is the truth: same error verdict
    judged = facts.merge(truth, on="decision_id")
    raw_correct = judged.apply(lambda r: _classify(r["action"], r["policy_code"], r["qa_action"],
                                                   r["qa_policy_code"]) is None, axis=1)
    assert (raw_correct == judged["is_correct"]).all()
    with pytest.raises(ValueError, match="must not be inside the landing folder"):
        gen.generate(tmp_path / "raw", scale=0.01, seed=1, progress=False, truth=tmp_path / "raw" / "t.parquet")


def test_generate_refuses_a_landing_folder_it_did_not_write(tmp_path: Path) -> None:
    """`make demo` generates into TSQA_RAW_DIR and deletes its entity folders first: a
    production landing folder exported in the same shell must not be wiped."""
    from tsqa.generate import generate, sample_marker

    real = tmp_path / "landing"
    (real / "qa_audits").mkdir(parents=True)
    (real / "qa_audits" / "qa_audits_2026-10-01.csv").write_text("audit_id\nA1\n")
    with pytest.raises(SystemExit, match="did not write"):
        generate(out=real, scale=0.01, seed=1, progress=False)
    assert (real / "qa_audits" / "qa_audits_2026-10-01.csv").read_text() == "audit_id\nA1\n"
    # a folder it wrote (marker beside it) is replaced as before, and an empty one is fine
    sample = tmp_path / "sample"
    generate(out=sample, scale=0.01, seed=1, progress=False)
    assert sample_marker(sample).exists() and not (sample / sample_marker(sample).name).exists()
    generate(out=sample, scale=0.01, seed=1, progress=False)


def _records(path: Path) -> tuple[list[str], list[dict[str, str | None]]]:
    """Header and rows of one drop file (CSV empty field = Parquet null = None)."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return table.column_names, table.to_pylist()
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [{k: (v if v != "" else None) for k, v in r.items()} for r in reader]
        return list(reader.fieldnames or []), rows


def test_column_order_of_every_file_comes_from_the_drop_writer_alone(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`drops.columns(entity)` is the one place a file's column order comes from (the
    landing contract will feed it): reversing it reverses every header and Parquet schema,
    and every row keeps its values."""
    from tsqa.generate import drops

    window = {"scale": 0.3, "seed": 5, "progress": False, "start": date(2026, 5, 4), "end": date(2026, 5, 17)}
    gen.generate(tmp_path / "as_is", **window)
    contract = drops.columns
    monkeypatch.setattr(drops, "columns", lambda entity: tuple(reversed(contract(entity))))
    gen.generate(tmp_path / "reversed", **window)

    files = sorted(p.relative_to(tmp_path / "as_is") for p in (tmp_path / "as_is").rglob("*.*"))
    assert {p.suffix for p in files} == {".csv", ".parquet"}
    assert files == sorted(p.relative_to(tmp_path / "reversed") for p in (tmp_path / "reversed").rglob("*.*"))
    for rel in files:
        entity = rel.parts[0]
        header, rows = _records(tmp_path / "as_is" / rel)
        header_r, rows_r = _records(tmp_path / "reversed" / rel)
        assert header == list(contract(entity)) and header_r == header[::-1], rel
        assert rows_r == rows, rel


def test_a_contract_column_the_world_does_not_fill_stops_the_generator(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A column added to an entity's contract but not produced by the simulated world is a
    clear error naming the entity and the column, never a silently empty column."""
    from tsqa.generate import drops

    contract = drops.columns
    for entity, added in (("policy_changes", "region"), ("qa_audits", "review_tool")):
        monkeypatch.setattr(drops, "columns",
                            lambda e, entity=entity, added=added: contract(e) + ((added,) if e == entity else ()))
        with pytest.raises(ValueError, match=rf"{entity} records do not match the landing contract: "
                                             rf"missing \['{added}'\]"):
            gen.generate(tmp_path / entity, scale=0.3, seed=5, progress=False,
                         start=date(2026, 5, 4), end=date(2026, 6, 20))

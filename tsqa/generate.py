"""Deterministic sample landing data for tsqa (the raw contract, as daily drops).

``generate(out, scale, seed)`` writes every entity of ``raw_contract.md`` under
``out/<entity>/`` as drop files named ``<entity>_<YYYY-MM-DD>[_<n>].<csv|parquet>``.
It walks the window one day at a time, vectorised with numpy per day, so memory stays
bounded whatever the scale (scale 1 is about 20,000 moderation decisions, scale 500
about 10 million). The same (scale, seed, start, end) always gives byte-identical files.

The data carries facts an analyst should find; they are planted on purpose and
exposed as module constants so that tests elsewhere can assert they survive the
warehouse:

* accuracy differs by vendor and site (``SITE_ACCURACY``), with one clearly worse
  site (``WORSE_SITE``);
* a ``major_revision`` of ``HT01_POLICY`` effective ``HT01_CHANGE_AT`` makes the error
  rate on that policy jump for ``HT01_SPIKE_DAYS`` days (queue ``HT01_SPIKE_QUEUE``),
  with root cause ``POL-CHNG``, until moderators take the refresher
  ``HT01_REFRESHER_COURSE``; every other change in ``POLICY_CHANGES`` has no effect;
* experiment ``EXP-01`` lowers the treatment arm's error probability
  (``EXP01_TREATMENT_ERROR_MULTIPLIER``: an accuracy lift of about
  ``EXP01_TREATMENT_ACCURACY_LIFT``); ``EXP-02`` only lowers handle time
  (``EXP02_HANDLE_TIME_MULTIPLIER``);
* calibration sessions in ``POOR_CALIBRATION_SESSIONS`` have poor agreement;
* the lowest-numbered ``lert_specialist`` (``overdisclosure_specialist``) fails the
  critical ``disclosure_scope`` item far more often (``DISCLOSURE_FAIL_P``);
* some LE requests are answered late, some are still open past their due date.

The roster is an SCD2 feed: a first snapshot, then a person's row again whenever they
move vendor or site, join or leave; decisions and audits follow those changes.

Real drops are messy, and so are these (all still contract-valid): exact duplicate rows
within a file and across files, part of a day re-sent in the next day's file, second
drops on a day (``_2``), corrected re-sends of ``qa_audits`` (root cause filled in,
notes amended, root cause cleared after an overturned dispute), lifecycle re-sends of
``le_requests``, ``audit_disputes``, ``escalations`` and ``rca_cases`` as their status
changes, Parquet drops for Sunday decisions (string columns holding the same text as
the CSV), and a few timestamps with a ``-07:00`` offset.
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tsqa.settings import PROJECT_DIR

# ---------------------------------------------------------------------------------
# The contract: entities and their columns, in order.
# ---------------------------------------------------------------------------------

ENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "moderators": (
        "moderator_id", "vendor_code", "site", "market", "language", "role",
        "work_email", "hired_on", "left_on", "updated_at",
    ),
    "moderation_decisions": (
        "decision_id", "content_id", "user_id", "queue_code", "moderator_id", "action",
        "policy_code", "content_type", "market", "decided_at", "handle_time_s",
    ),
    "qa_audits": (
        "audit_id", "decision_id", "auditor_id", "audit_source", "audited_at",
        "qa_action", "qa_policy_code", "root_cause_code", "auditor_notes",
    ),
    "audit_disputes": (
        "dispute_id", "audit_id", "raised_by", "raised_at", "resolved_at", "outcome",
        "final_action", "final_policy_code",
    ),
    "calibration_ratings": (
        "session_id", "session_date", "queue_code", "item_id", "rater_id", "rater_role",
        "label",
    ),
    "rca_cases": (
        "rca_id", "opened_at", "closed_at", "subject_type", "subject_id", "queue_code",
        "root_cause_code", "corrective_action", "owner_team", "status",
    ),
    "policy_changes": ("policy_code", "version", "effective_at", "change_type", "summary"),
    "training_completions": ("moderator_id", "course_code", "policy_code", "completed_at", "score"),
    "le_requests": (
        "request_id", "received_at", "country", "agency_type", "request_type",
        "accounts_specified", "legal_process_valid", "specialist_id", "status", "outcome",
        "responded_at", "updated_at",
    ),
    "lert_assessments": (
        "assessment_id", "request_id", "specialist_id", "assessor_id", "assessed_at",
        "item_code", "result",
    ),
    "escalations": (
        "escalation_id", "created_at", "source", "severity", "queue_code", "request_id",
        "status", "resolved_at", "mitigated_at", "root_cause_code",
    ),
    "experiment_assignments": ("experiment_id", "unit_id", "variant", "assigned_at"),
}
#: Every entity folder the generator owns (and deletes before writing).
ENTITIES: tuple[str, ...] = tuple(ENTITY_COLUMNS)

#: The key of each entity (the newest version of a key wins in staging).
ENTITY_KEYS: dict[str, tuple[str, ...]] = {
    "moderators": ("moderator_id", "updated_at"),
    "moderation_decisions": ("decision_id",),
    "qa_audits": ("audit_id",),
    "audit_disputes": ("dispute_id",),
    "calibration_ratings": ("session_id", "item_id", "rater_id"),
    "rca_cases": ("rca_id",),
    "policy_changes": ("policy_code", "version"),
    "training_completions": ("moderator_id", "course_code", "completed_at"),
    "le_requests": ("request_id",),
    "lert_assessments": ("assessment_id", "item_code"),
    "escalations": ("escalation_id",),
    "experiment_assignments": ("experiment_id", "unit_id"),
}

ACTIONS: tuple[str, ...] = ("approve", "remove", "restrict", "age_restrict", "escalate")
A_APPROVE, A_REMOVE, A_RESTRICT, A_AGE, A_ESCALATE = range(5)
ENFORCE_ACTIONS = (A_REMOVE, A_RESTRICT, A_AGE)
CONTENT_TYPES: tuple[str, ...] = ("video", "image", "comment", "live", "account")
ROLES: tuple[str, ...] = ("moderator", "auditor", "policy_expert", "lert_specialist")
R_MOD, R_AUDITOR, R_EXPERT, R_LERT = range(4)
AUDIT_SOURCES: tuple[str, ...] = ("random", "targeted", "appeal", "escalation")
DISPUTE_OUTCOMES: tuple[str, ...] = ("pending", "upheld", "overturned")
DISPUTE_RAISED_BY: tuple[str, ...] = ("vendor", "moderator")
LE_AGENCY_TYPES: tuple[str, ...] = ("local", "state", "federal", "foreign")
LE_STATUSES: tuple[str, ...] = ("open", "responded", "closed")
LE_OUTCOMES: tuple[str, ...] = ("disclosed_full", "disclosed_partial", "no_data", "rejected", "withdrawn")
ESC_SOURCES: tuple[str, ...] = ("media", "regulator", "internal", "law_enforcement", "user_report")
ESC_SEVERITIES: tuple[str, ...] = ("sev1", "sev2", "sev3", "sev4")
ESC_STATUSES: tuple[str, ...] = ("open", "mitigated", "resolved")
RCA_SUBJECT_TYPES: tuple[str, ...] = ("audit", "escalation", "le_request")
RCA_STATUSES: tuple[str, ...] = ("open", "action_planned", "closed")
CHANGE_TYPES: tuple[str, ...] = ("new", "clarification", "major_revision")
ASSESSMENT_RESULTS: tuple[str, ...] = ("pass", "fail", "na")
RATER_ROLES: tuple[str, ...] = ("participant", "reference")

DEFAULT_START = date(2026, 5, 4)
DEFAULT_END = date(2026, 10, 31)

# ---------------------------------------------------------------------------------
# Volume.
# ---------------------------------------------------------------------------------

#: Moderation decisions over the default window at scale 1.
DECISIONS_PER_SCALE = 20_000
#: Relative daily volume by weekday (Monday = 0): weekends about 30% lower.
DOW_FACTOR = (1.04, 1.06, 1.05, 1.03, 1.0, 0.72, 0.70)
#: Volume grows by this fraction from the first day to the last.
VOLUME_TREND = 0.10
#: Law-enforcement requests per day at scale 1 (grows with sqrt(scale)).
LE_REQUESTS_PER_DAY = 3.0
#: Escalations per day at scale 1 (grows with sqrt(scale)).
ESCALATIONS_PER_DAY = 1.2

# ---------------------------------------------------------------------------------
# Organisation: vendors, sites, markets, accuracy.
# ---------------------------------------------------------------------------------

#: vendor -> site -> (UTC offset hours of the site, markets served as (market, language)).
VENDOR_SITES: dict[str, dict[str, tuple[int, tuple[tuple[str, str], ...]]]] = {
    "inhouse": {
        "dublin": (1, (("GB", "en"), ("DE", "de"), ("FR", "fr"))),
        "austin": (-5, (("US", "en"), ("MX", "es"))),
    },
    "atlas": {
        "manila": (8, (("PH", "en"), ("US", "en"))),
        "bogota": (-5, (("MX", "es"), ("CO", "es"), ("US", "es"))),
    },
    "borealis": {
        "lisbon": (1, (("BR", "pt"), ("PT", "pt"), ("DE", "de"))),
    },
    "cirrus": {
        "cebu": (8, (("PH", "en"), ("US", "en"))),
        "nairobi": (3, (("US", "en"), ("GB", "en"), ("KE", "en"))),
    },
}
#: Share of each vendor among the moderators who decide (the BPOs hold ~60% of all staff).
BPO_VENDOR_SHARE = {"atlas": 0.42, "borealis": 0.25, "cirrus": 0.33}
SITE_SHARE = {
    ("inhouse", "dublin"): 0.5, ("inhouse", "austin"): 0.5,
    ("atlas", "manila"): 0.6, ("atlas", "bogota"): 0.4,
    ("borealis", "lisbon"): 1.0,
    ("cirrus", "cebu"): 0.55, ("cirrus", "nairobi"): 0.45,
}
#: Planted first-level accuracy by (vendor, site), before queue and per-person effects.
SITE_ACCURACY: dict[tuple[str, str], float] = {
    ("inhouse", "dublin"): 0.955,
    ("inhouse", "austin"): 0.950,
    ("atlas", "manila"): 0.930,
    ("atlas", "bogota"): 0.920,
    ("borealis", "lisbon"): 0.905,
    ("cirrus", "cebu"): 0.905,
    ("cirrus", "nairobi"): 0.835,
}
#: The site that is clearly worse than its vendor's other site.
WORSE_SITE: tuple[str, str] = ("cirrus", "nairobi")
#: Vendor accuracy an analyst should roughly see (audited, all queues, outside the spike).
VENDOR_ACCURACY = {"inhouse": 0.95, "atlas": 0.92, "borealis": 0.89, "cirrus": 0.85}
#: Median handle time (seconds) by vendor, before the queue factor.
VENDOR_HANDLE_MEDIAN_S = {"inhouse": 44.0, "atlas": 36.0, "borealis": 50.0, "cirrus": 31.0}
EMAIL_DOMAIN = {
    "inhouse": "trust-safety.example",
    "atlas": "atlas-bpo.example",
    "borealis": "borealis-bpo.example",
    "cirrus": "cirrus-bpo.example",
}

# ---------------------------------------------------------------------------------
# Queues and policies.
# ---------------------------------------------------------------------------------

QUEUE_MIX = {
    "video_general": 0.22, "video_minor_safety": 0.07, "live_stream": 0.08, "comments": 0.17,
    "images": 0.10, "hate_harassment": 0.20, "violent_extremism": 0.05, "account_integrity": 0.11,
}
#: Share of content whose right answer is `approve`, per queue.
QUEUE_APPROVE = {
    "video_general": 0.60, "video_minor_safety": 0.50, "live_stream": 0.55, "comments": 0.60,
    "images": 0.60, "hate_harassment": 0.45, "violent_extremism": 0.50, "account_integrity": 0.52,
}
#: Share of content whose right answer is `escalate`, per queue.
QUEUE_ESCALATE = {
    "video_general": 0.02, "video_minor_safety": 0.05, "live_stream": 0.04, "comments": 0.015,
    "images": 0.02, "hate_harassment": 0.025, "violent_extremism": 0.06, "account_integrity": 0.015,
}
#: Policies at stake per queue (weights of the enforced policy).
QUEUE_POLICIES: dict[str, dict[str, float]] = {
    "video_general": {"AD-01": .25, "HR-02": .15, "SP-01": .15, "IN-01": .15, "VE-02": .10, "SH-02": .10, "HT-02": .10},
    "video_minor_safety": {"MS-01": .35, "MS-02": .65},
    "live_stream": {"AD-01": .25, "AD-02": .15, "HR-01": .20, "SH-01": .15, "VE-02": .10, "MS-02": .15},
    "comments": {"HR-02": .30, "HT-02": .20, "SP-01": .25, "HR-01": .15, "HT-01": .10},
    "images": {"AD-01": .35, "AD-02": .15, "HT-02": .15, "VE-02": .10, "SP-01": .15, "SH-02": .10},
    "hate_harassment": {"HT-01": .60, "HT-02": .20, "HR-01": .12, "HR-02": .08},
    "violent_extremism": {"VE-01": .55, "VE-02": .45},
    "account_integrity": {"SP-01": .45, "SP-02": .35, "IN-01": .20},
}
#: Enforcement action mix per policy: (remove, restrict, age_restrict).
POLICY_ACTIONS: dict[str, tuple[float, float, float]] = {
    "MS-01": (1.0, 0.0, 0.0), "MS-02": (0.8, 0.2, 0.0), "VE-01": (1.0, 0.0, 0.0),
    "VE-02": (0.6, 0.3, 0.1), "SH-01": (0.85, 0.15, 0.0), "SH-02": (0.3, 0.5, 0.2),
    "HT-01": (0.85, 0.15, 0.0), "HT-02": (0.6, 0.4, 0.0), "HR-01": (0.9, 0.1, 0.0),
    "HR-02": (0.4, 0.6, 0.0), "AD-01": (0.45, 0.0, 0.55), "AD-02": (0.8, 0.2, 0.0),
    "SP-01": (0.7, 0.3, 0.0), "SP-02": (0.4, 0.6, 0.0), "IN-01": (0.3, 0.7, 0.0),
}
#: Error-probability factor per queue (harder queues err more).
QUEUE_ERROR_FACTOR = {
    "video_general": 0.9, "video_minor_safety": 0.7, "live_stream": 1.15, "comments": 1.0,
    "images": 0.85, "hate_harassment": 1.0, "violent_extremism": 1.0, "account_integrity": 1.0,
}
QUEUE_HANDLE_FACTOR = {
    "video_general": 1.3, "video_minor_safety": 1.6, "live_stream": 1.8, "comments": 0.5,
    "images": 0.7, "hate_harassment": 0.8, "violent_extremism": 1.5, "account_integrity": 1.1,
}

# ---------------------------------------------------------------------------------
# Policy changes and the planted HT-01 spike.
# ---------------------------------------------------------------------------------

HT01_POLICY = "HT-01"
HT01_VERSION = "v5"
HT01_CHANGE_AT = datetime(2026, 8, 17, tzinfo=UTC)
#: The queue where the spike concentrates (the weekly p-chart there breaks its limits).
HT01_SPIKE_QUEUE = "hate_harassment"
#: Days after the change during which the policy-change impact window is measured.
HT01_SPIKE_DAYS = 28
#: Moderators not trained by then stop erring extra this many days after the change.
HT01_SPIKE_MAX_DAYS = 42
#: Extra error probability on decisions whose right answer is HT-01, while the spike lasts.
HT01_SPIKE_EXTRA_ERROR = 0.38
#: Extra over-enforcement (as HT-01) on approvable content in the hate/comments queues.
HT01_SPIKE_OVERENFORCE = 0.10
HT01_SPIKE_QUEUES = ("hate_harassment", "comments")
#: The refresher that ends the spike for each moderator who completes it, taken this many
#: days after the change (range, end exclusive).
HT01_REFRESHER_COURSE = "HT-2026-08"
HT01_REFRESHER_DAYS = (18, 33)
#: Error rates on HT-01 audits (policy-change impact definition, 28 days before / after)
#: that the defaults give, roughly (measured at scale 10: 0.13 -> 0.51; noisier at scale 1).
HT01_EXPECTED_ERROR_RATE = (0.13, 0.50)
#: Root cause given to most spike errors.
POLICY_CHANGE_ROOT_CAUSE = "POL-CHNG"


@dataclass(frozen=True)
class PolicyChange:
    policy_code: str
    version: str
    effective_at: datetime
    change_type: str
    summary: str


#: Every policy change in the sample data (announced 7 days before it takes effect).
POLICY_CHANGES: tuple[PolicyChange, ...] = (
    PolicyChange("SP-02", "v1", datetime(2026, 6, 1, tzinfo=UTC), "new",
                 "New policy: fake engagement (bought likes, follower farms) split out of SP-01"),
    PolicyChange("AD-01", "v4", datetime(2026, 6, 15, tzinfo=UTC), "clarification",
                 "Clarifies that breastfeeding and medical content is allowed"),
    PolicyChange("HR-02", "v3", datetime(2026, 7, 6, tzinfo=UTC), "clarification",
                 "Adds examples of insults between friends, which stay allowed"),
    PolicyChange("VE-02", "v2", datetime(2026, 7, 20, tzinfo=UTC), "clarification",
                 "Clarifies news reporting and documentary exceptions"),
    PolicyChange(HT01_POLICY, HT01_VERSION, HT01_CHANGE_AT, "major_revision",
                 'Major revision: coded hate, dog whistles and "reclaimed" terms now in scope; '
                 "protected-group list extended"),
    PolicyChange("MS-02", "v3", datetime(2026, 9, 7, tzinfo=UTC), "clarification",
                 "Clarifies grooming signals in live comments"),
    PolicyChange("IN-01", "v3", datetime(2026, 9, 28, tzinfo=UTC), "clarification",
                 "Adds election-period examples, no change in scope"),
    PolicyChange("SH-02", "v2", datetime(2026, 10, 12, tzinfo=UTC), "clarification",
                 "Clarifies recovery content, which stays allowed"),
)
#: A policy introduced by a `new` change is not used before it takes effect (SP-01 instead).
NEW_POLICY_FALLBACK = {"SP-02": "SP-01"}
#: Decisions on a changed policy get extra targeted audits from its announcement until
#: this many days after it takes effect.
POLICY_WATCH_DAYS_BEFORE = 7
POLICY_WATCH_DAYS = 28
POLICY_WATCH_AUDIT_RATE = 0.25

# ---------------------------------------------------------------------------------
# Audits, disputes, experiments, calibration, training, LERT.
# ---------------------------------------------------------------------------------

#: `random` audits: an equal-probability (Bernoulli) sample of the decisions of each
#: decision month x queue x vendor, drawn independently of correctness and of every other
#: audit, at a rate that differs by queue (high-harm queues are sampled more), as real QA
#: programmes do. The same decision may also get a targeted, appeal or escalation audit.
RANDOM_AUDIT_RATE = {
    "video_general": 0.10, "video_minor_safety": 0.25, "live_stream": 0.16, "comments": 0.10,
    "images": 0.10, "hate_harassment": 0.18, "violent_extremism": 0.22, "account_integrity": 0.10,
}
HIGH_HARM_TARGETED_RATE = 0.12
NEW_HIRE_TARGETED_RATE = 0.15
NEW_HIRE_DAYS = 30
NEW_HIRE_ERROR_FACTOR = 1.4
#: Extra targeted audits of experiment units while their experiment runs (to power the test).
EXPERIMENT_TARGETED_RATE = 0.10
ESCALATION_AUDIT_RATE = 0.6
APPEAL_RATE = {"correct": 0.02, "over_enforcement": 0.10, "other_error": 0.04}
#: Audits happen between these many hours after the decision.
AUDIT_DELAY_HOURS = (1, 72)
DISPUTE_RATE = 0.08
DISPUTE_OUTCOME_P = {"upheld": 0.60, "overturned": 0.30, "pending": 0.10}
SECOND_DISPUTE_RATE = 0.15
#: Share of incorrect audits with a root cause in the first drop / filled in by a later correction.
ROOT_CAUSE_AT_FIRST = 0.85
ROOT_CAUSE_LATER = 0.08
NOTES_CORRECTION_RATE = 0.02

EXP01_ID = "EXP-01"
#: Planted EXP-01 effect: treatment moderators' base error probability is multiplied by this.
EXP01_TREATMENT_ERROR_MULTIPLIER = 0.40
#: The accuracy lift that multiplier gives, as a fraction: about 5 points (measured 0.049
#: at scale 10, 95% CI 0.041..0.058; at scale 1, seed 7, about 0.05 with a CI clear of 0).
EXP01_TREATMENT_ACCURACY_LIFT = 0.05
EXP02_ID = "EXP-02"
#: Planted EXP-02 effect: handle time multiplier per variant (no accuracy effect).
EXP02_HANDLE_TIME_MULTIPLIER = {"control": 1.0, "batch_small": 0.90, "batch_large": 0.80}

#: Calibration sessions planted with poor agreement (krippendorff alpha well below 0.6).
POOR_CALIBRATION_SESSIONS: tuple[tuple[date, str], ...] = (
    (date(2026, 6, 10), "live_stream"),
    (date(2026, 8, 19), "hate_harassment"),
)

#: Training courses: course_code -> policy_code (nullable).
COURSES = {"ONB-101": None, "MS-ADV": "MS-02", "SP-02-INTRO": "SP-02", HT01_REFRESHER_COURSE: HT01_POLICY}
TRAINING_PASS_SCORE = 70

LE_COUNTRIES = {"US": .55, "GB": .08, "DE": .06, "FR": .05, "BR": .07, "IN": .05, "MX": .04, "CA": .04, "AU": .03, "JP": .03}
LE_REQUEST_TYPE_P = {
    "subpoena": .33, "court_order": .20, "search_warrant": .18, "preservation": .20, "emergency": .05, "other": .04,
}
#: Requests received in the last LE_BACKLOG_DAYS days are left unanswered at the end of the
#: window with this probability (so some are open past their due date, some not yet due).
LE_BACKLOG_DAYS = 45
LE_BACKLOG_SHARE = 0.08
#: Share of LERT-responded requests that get a quality assessment.
LERT_ASSESSMENT_RATE = 0.30
#: Probability that `disclosure_scope` fails (when applicable): everyone / the planted specialist.
DISCLOSURE_FAIL_P = (0.02, 0.30)
#: Share of le_requests and escalations written with a -07:00 offset (same instant).
OFFSET_TIMESTAMP_SHARE = 0.06
OFFSET_HOURS = -7

# Messy-drop knobs: exact duplicates within a file, rows re-sent in the next day's file.
DUP_IN_FILE = {"moderation_decisions": 0.002, "qa_audits": 0.003, "le_requests": 0.01, "escalations": 0.01}
DUP_NEXT_FILE = {"moderation_decisions": 0.01, "qa_audits": 0.01, "le_requests": 0.02}
#: Days on which part of the decisions arrive in a second drop (`_2`), and that part.
LATE_DROP_DAY_SHARE = 0.08
LATE_DROP_ROW_SHARE = 0.10

_SORT_COLUMN = {
    "moderation_decisions": "decided_at", "qa_audits": "audited_at", "audit_disputes": "raised_at",
    "le_requests": "received_at", "escalations": "created_at", "rca_cases": "opened_at",
    "lert_assessments": "assessment_id", "training_completions": "completed_at",
}

_DAY = 86_400
_HOUR = 3_600
_DATE_BACK = 2_500  # days before `start` that the date lookup covers (hire dates)


def overdisclosure_specialist(moderators: Any) -> str:
    """The planted over-disclosing specialist: the lowest moderator_id with role lert_specialist."""
    ids = sorted({r["moderator_id"] for r in moderators if r["role"] == "lert_specialist"})
    return ids[0]


# ---------------------------------------------------------------------------------
# Reference data (seeds).
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeds:
    queues: tuple[str, ...]
    queue_surface: dict[str, str]
    queue_high_harm: dict[str, bool]
    policies: tuple[str, ...]
    policy_tier: dict[str, int]
    vendors: tuple[str, ...]
    root_causes: tuple[str, ...]
    sla_hours: dict[str, float]
    scorecard: tuple[tuple[str, bool], ...]
    experiments: dict[str, dict[str, Any]]


def _read_seed(name: str) -> list[dict[str, str]]:
    with open(PROJECT_DIR / "seeds" / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_seeds() -> Seeds:
    """Read the reference data the generator must agree with (and check it does)."""
    queues = _read_seed("queues")
    policies = _read_seed("policies")
    vendors = _read_seed("vendors")
    experiments = {}
    for r in _read_seed("experiments"):
        split = [p.split(":") for p in r["planned_split"].split(",")]
        experiments[r["experiment_id"]] = {
            "started_on": date.fromisoformat(r["started_on"]),
            "ended_on": date.fromisoformat(r["ended_on"]),
            "split": [(v.strip(), float(s)) for v, s in split],
        }
    seeds = Seeds(
        queues=tuple(r["queue_code"] for r in queues),
        queue_surface={r["queue_code"]: r["content_surface"] for r in queues},
        queue_high_harm={r["queue_code"]: r["is_high_harm"].lower() == "true" for r in queues},
        policies=tuple(r["policy_code"] for r in policies),
        policy_tier={r["policy_code"]: int(r["severity_tier"]) for r in policies},
        vendors=tuple(r["vendor_code"] for r in vendors),
        root_causes=tuple(r["root_cause_code"] for r in _read_seed("root_causes")),
        sla_hours={r["request_type"]: float(r["sla_hours"]) for r in _read_seed("lert_sla")},
        scorecard=tuple((r["item_code"], r["is_critical"].lower() == "true") for r in _read_seed("lert_scorecard_items")),
        experiments=experiments,
    )
    used = {p for m in QUEUE_POLICIES.values() for p in m} | set(POLICY_ACTIONS) | {c.policy_code for c in POLICY_CHANGES}
    root_causes = {c for m in _ROOT_CAUSE_MIX.values() for c in m} | set(_SPIKE_ROOT_CAUSE_MIX)
    problems = [
        (set(seeds.queues) != set(QUEUE_MIX), "queues seed and QUEUE_MIX disagree"),
        (set(seeds.vendors) != set(VENDOR_SITES), "vendors seed and VENDOR_SITES disagree"),
        (not used <= set(seeds.policies), f"policies missing from the seed: {sorted(used - set(seeds.policies))}"),
        (not root_causes <= set(seeds.root_causes), "root causes missing from the seed"),
        (set(LE_REQUEST_TYPE_P) != set(seeds.sla_hours), "lert_sla seed and LE_REQUEST_TYPE_P disagree"),
        (not {EXP01_ID, EXP02_ID} <= set(experiments), "experiments seed lacks EXP-01/EXP-02"),
        ("treatment" not in dict(experiments.get(EXP01_ID, {}).get("split", [])), "EXP-01 has no treatment variant"),
        ("disclosure_scope" not in dict(seeds.scorecard), "scorecard lacks disclosure_scope"),
    ]
    for bad, message in problems:
        if bad:
            raise ValueError(f"seeds/ do not match the generator: {message}")
    return seeds


# ---------------------------------------------------------------------------------
# Text helpers (vectorised formatting and CSV/Parquet writing).
# ---------------------------------------------------------------------------------


class _Fmt:
    """Fast string formatting of timestamps and dates through lookup tables."""

    def __init__(self, start: date, n_days: int) -> None:
        self.epoch0 = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
        first = np.datetime64(start) - np.timedelta64(_DATE_BACK, "D")
        days = np.arange(first, np.datetime64(start) + np.timedelta64(n_days + 800, "D"))
        self.dates_list = [str(d) for d in days]
        self.dates = pa.array(self.dates_list)
        hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(_DAY)]
        self.tod_z = pa.array([h + "Z" for h in hms])
        sign = "-" if OFFSET_HOURS < 0 else "+"
        self.off_suffix = f"{sign}{abs(OFFSET_HOURS):02d}:00"
        self.tod_off = pa.array([h + self.off_suffix for h in hms])

    def day_str(self, day: int) -> str:
        return self.dates_list[day + _DATE_BACK]

    def dates_of(self, days: np.ndarray) -> pa.Array:
        return self.dates.take(pa.array(np.asarray(days, dtype=np.int64) + _DATE_BACK))

    def ts(self, sec: np.ndarray, offset: np.ndarray | None = None) -> pa.Array:
        sec = np.asarray(sec, dtype=np.int64)
        rel = sec - self.epoch0
        out = pc.binary_join_element_wise(
            self.dates_of(rel // _DAY), self.tod_z.take(pa.array(rel % _DAY)), "T"
        )
        if offset is not None and offset.any():
            loc = rel + OFFSET_HOURS * _HOUR
            alt = pc.binary_join_element_wise(
                self.dates_of(loc // _DAY), self.tod_off.take(pa.array(loc % _DAY)), "T"
            )
            out = pc.if_else(pa.array(offset), alt, out)
        return out

    def ts1(self, sec: int | None, offset: bool = False) -> str | None:
        if sec is None:
            return None
        if offset:
            t = datetime.fromtimestamp(sec + OFFSET_HOURS * _HOUR, UTC)
            return t.strftime("%Y-%m-%dT%H:%M:%S") + self.off_suffix
        return datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def day_of(self, sec: int) -> int:
        return (sec - self.epoch0) // _DAY


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    s = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, s, "")


def _id1(prefix: str, number: int, width: int) -> str:
    return f"{prefix}{number:0{width}d}"


def _lookup(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """values[idx] with null where idx < 0."""
    idx = np.asarray(idx, dtype=np.int64)
    return values.take(pa.array(idx, mask=idx < 0))


#: Free-text columns: the only ones whose values can hold commas, quotes or line breaks.
TEXT_COLUMNS = frozenset({"auditor_notes", "summary", "corrective_action"})


def _csv_bytes(table: pa.Table) -> bytes:
    """Render a table of string columns as RFC 4180 CSV: LF line ends, quotes only where needed."""
    header = (",".join(table.column_names) + "\n").encode()
    if table.num_rows == 0:
        return header
    if table.num_rows < 2_000:  # small drops: the csv module is quicker than Arrow's per-call overhead
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerows(zip(*(col.to_pylist() for col in table.columns)))
        return header + buf.getvalue().encode()
    try:  # fast path: nothing to quote (Arrow refuses values with structural characters)
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        return header + sink.getvalue().to_pybytes()
    except pa.ArrowInvalid:
        pass
    cols = []
    for name, col in zip(table.column_names, table.columns):
        a = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        if a.type != pa.string():
            a = a.cast(pa.string())
        need = pc.match_substring_regex(a, r'[",\r\n]') if name in TEXT_COLUMNS else None
        if need is not None and pc.any(need).as_py():
            quoted = pc.binary_join_element_wise('"', pc.replace_substring(a, '"', '""'), '"', "")
            a = pc.if_else(need, quoted, a)
        cols.append(pc.fill_null(a, ""))
    line = pc.binary_join_element_wise(*cols, ",") if len(cols) > 1 else cols[0]
    line = pc.binary_join_element_wise(line, "", "\n")
    if isinstance(line, pa.ChunkedArray):
        line = line.combine_chunks()
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)[line.offset: line.offset + len(line) + 1]
    data = line.buffers()[2]
    return header + memoryview(data)[int(offsets[0]): int(offsets[-1])].tobytes()


def _table(entity: str, rows: list[dict[str, str | None]]) -> pa.Table:
    cols = ENTITY_COLUMNS[entity]
    return pa.table({c: pa.array([r.get(c) for r in rows], type=pa.string()) for c in cols})


# ---------------------------------------------------------------------------------
# Sampling helpers.
# ---------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, cum: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each i, the index k of the first cum[rows[i], k] >= u_i (inverse-CDF sampling)."""
    u = rng.random(len(rows))
    return (u[:, None] > cum[rows]).sum(axis=1)


def _cum(weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    c = np.cumsum(w, axis=-1)
    c = c / c[..., -1:]
    c[..., -1] = 1.0
    return c


def _largest_remainder(total: int, shares: list[float]) -> list[int]:
    raw = np.array(shares, dtype=float) / sum(shares) * total
    base = np.floor(raw).astype(int)
    rest = total - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base.tolist()


def classify(mod_action: np.ndarray, mod_policy: np.ndarray, ref_action: np.ndarray, ref_policy: np.ndarray) -> np.ndarray:
    """Error type per metrics.md on action/policy codes: 0 correct, 1 over, 2 under, 3 wrong_policy, 4 wrong_action."""
    me = (mod_action >= A_REMOVE) & (mod_action <= A_AGE)
    re = (ref_action >= A_REMOVE) & (ref_action <= A_AGE)
    correct = (mod_action == ref_action) & ~(me & re & (mod_policy != ref_policy))
    out = np.full(len(mod_action), 4, dtype=np.int8)
    out[me & re & (mod_policy != ref_policy)] = 3
    out[(mod_action == A_APPROVE) & re] = 2
    out[me & (ref_action == A_APPROVE)] = 1
    out[correct] = 0
    return out


ERROR_TYPES: tuple[str | None, ...] = (None, "over_enforcement", "under_enforcement", "wrong_policy", "wrong_action")

#: Root-cause mix per error type (1..4); the spike uses POL-CHNG mostly.
_ROOT_CAUSE_MIX: dict[int, dict[str, float]] = {
    1: {"PPL-KNOW": .25, "TLG-CLSF": .20, "POL-GREY": .20, "DAT-CTX": .10, "PPL-ATTN": .10, "PRC-SOP": .05,
        "DAT-LANG": .05, "POL-CHNG": .05},
    2: {"PPL-ATTN": .30, "PPL-FATG": .15, "DAT-CTX": .15, "DAT-LANG": .10, "PPL-KNOW": .10, "TLG-UI": .05,
        "PRC-ROUT": .05, "TLG-CLSF": .05, "POL-CHNG": .05},
    3: {"PPL-KNOW": .35, "POL-GREY": .25, "PRC-SOP": .15, "POL-CHNG": .05, "DAT-LANG": .10, "PRC-HAND": .10},
    4: {"PRC-SOP": .30, "PPL-KNOW": .20, "TLG-UI": .15, "PRC-HAND": .15, "PRC-ROUT": .10, "PPL-FATG": .10},
}
_SPIKE_ROOT_CAUSE_MIX = {"POL-CHNG": .85, "PPL-KNOW": .10, "POL-GREY": .05}

_NOTES: dict[int, tuple[str, ...]] = {
    0: ("Agree with decision.", "Correct call, policy applied as written.", "OK", "Clear case.",
        "Borderline, but the call stands.", "Correct; good use of context."),
    1: ("Content is allowed; no violation found.", 'Satire, "clearly a joke" in context; should be approved.',
        "Over-enforced: news context, allowed.", "No violation, counter-speech."),
    2: ("Missed violation in the caption.", "Violation visible at 0:42, missed.",
        "Under-enforced: slur in second comment.", "Missed, coded language."),
    3: ("Right call, wrong policy.", "Wrong policy applied; see guideline.", "Policy mismatch, check the decision tree."),
    4: ("Wrong action for this policy.", "Should have been escalated, not actioned.",
        "Action too severe for the policy, restrict instead."),
}
_FAKE_EMAILS = tuple(
    f"{f}.{l}@{d}"
    for f, l in (("ana", "silva"), ("jon", "reyes"), ("mia", "okafor"), ("li", "wei"), ("sam", "brandt"), ("eva", "novak"))
    for d in ("atlas-bpo.example", "cirrus-bpo.example", "example.com")
)


# ---------------------------------------------------------------------------------
# The roster (planned up front: it is small) and its events.
# ---------------------------------------------------------------------------------


@dataclass
class _Roster:
    ids: list[str]
    role: np.ndarray
    vendor: np.ndarray  # current vendor index (changes with moves)
    site: np.ndarray  # current global site index
    market: np.ndarray  # current market index
    hired_day: np.ndarray
    left_day: np.ndarray  # first day no longer working (large when never)
    skills: np.ndarray  # bool [person, queue]
    primary: np.ndarray  # primary queue (-1 for non-moderators)
    productivity: np.ndarray
    skill_factor: np.ndarray  # error-probability factor
    exp01: np.ndarray  # -1 not a unit, else variant index
    exp02: np.ndarray
    ht_trained_day: np.ndarray  # first day after the HT-01 refresher (large when never)
    events: dict[int, list[tuple[str, int, tuple[int, int, int] | None]]] = field(default_factory=dict)

    def active(self, day: int) -> np.ndarray:
        return (self.hired_day <= day) & (self.left_day > day)


_NEVER = 1 << 30


class _Generator:
    def __init__(self, out: Path, scale: float, seed: int, progress: bool, start: date, end: date,
                 truth: Path | None = None) -> None:
        if end < start:
            raise ValueError("end must not be before start")
        if truth is not None and Path(truth).resolve().is_relative_to(Path(out).resolve()):
            raise ValueError(f"the truth file {truth} must not be inside the landing folder {out}: "
                             "the build would read it as a landing file; write it beside the folder")
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.out = Path(out)
        self.scale = float(scale)
        self.seed = int(seed)
        self.progress = progress
        self.start, self.end = start, end
        self.n_days = (end - start).days + 1
        self.seeds = load_seeds()
        self.fmt = _Fmt(start, self.n_days)
        self.end_sec = self.fmt.epoch0 + self.n_days * _DAY - 1  # last second of the window

        # Independent random streams so one part's changes do not reshuffle the others.
        # "sample" draws the random audits alone: the probability sample never depends on
        # the other audit rules (or on how many draws they make).
        names = ["roster", "dec", "audit", "dispute", "flush", "le", "esc", "rca", "cal", "train", "notes", "lert",
                 "sample"]
        self.rng = {n: np.random.default_rng([self.seed, i, int(round(self.scale * 1000))]) for i, n in enumerate(names)}

        s = self.seeds
        self.Q = list(s.queues)
        self.qi = {q: i for i, q in enumerate(self.Q)}
        self.P = list(s.policies)
        self.pi = {p: i for i, p in enumerate(self.P)}
        self.V = list(VENDOR_SITES)
        self.sites = [(v, st) for v in self.V for st in VENDOR_SITES[v]]
        self.site_i = {vs: i for i, vs in enumerate(self.sites)}
        self.markets = sorted({m for v in VENDOR_SITES.values() for _, ms in v.values() for m in ms})
        self.market_i = {m: i for i, m in enumerate(self.markets)}
        self.Q_pa = pa.array(self.Q)
        self.P_pa = pa.array(self.P)
        self.A_pa = pa.array(ACTIONS)
        self.market_pa = pa.array([m for m, _ in self.markets])
        self.ct_pa = pa.array(CONTENT_TYPES)
        self.src_pa = pa.array(AUDIT_SOURCES)
        self.rc_list = list(s.root_causes)
        self.rc_pa = pa.array(self.rc_list)
        self.tier = np.array([s.policy_tier[p] for p in self.P])

        self.counts: dict[str, int] = {e: 0 for e in ENTITIES}
        # Outboxes: entity -> day -> list of tables (main drop), second drop, and re-sent carry-over.
        self.box: dict[str, dict[int, list[pa.Table]]] = defaultdict(lambda: defaultdict(list))
        self.box2: dict[str, dict[int, list[pa.Table]]] = defaultdict(lambda: defaultdict(list))
        self.carry: dict[str, dict[int, list[pa.Table]]] = defaultdict(lambda: defaultdict(list))
        self.rows: dict[str, dict[int, list[dict[str, str | None]]]] = defaultdict(lambda: defaultdict(list))
        self.rows2: dict[str, dict[int, list[dict[str, str | None]]]] = defaultdict(lambda: defaultdict(list))

        self.n_decisions = 0
        self.n_audits = 0
        self.n_disputes = 0
        self.n_requests = 0
        self.n_assessments = 0
        self.n_escalations = 0
        self.n_rca = 0
        self.n_sessions = 0
        self.n_items = 0
        self.recent_requests: list[tuple[str, int]] = []
        self.spike_rca_planted = False
        # The simulated truth per decision (only when asked for): id, correct, critical error.
        self.truth_path = None if truth is None else Path(truth)
        self.truth: list[pa.Table] = []

        self._build_tables()
        self.roster = self._plan_roster()
        self._plan_experiments()
        self._plan_training()

    # -- lookup tables -------------------------------------------------------------

    def _change_day(self, ch: PolicyChange) -> int:
        return (ch.effective_at.date() - self.start).days

    def _build_tables(self) -> None:
        nq = len(self.Q)
        # regime 0 = before the `new` policies exist, 1 = after.
        self.new_policy_day = {
            ch.policy_code: self._change_day(ch) for ch in POLICY_CHANGES if ch.change_type == "new"
        }
        k_out = 1 + max(len(m) for m in QUEUE_POLICIES.values()) * 4
        k_pol = max(len(m) for m in QUEUE_POLICIES.values())
        self.out_act = np.zeros((2, nq, k_out), dtype=np.int8)
        self.out_pol = np.full((2, nq, k_out), -1, dtype=np.int16)
        self.out_cum = np.ones((2, nq, k_out))
        self.pol_idx = np.zeros((2, nq, k_pol), dtype=np.int16)
        self.pol_cum = np.ones((2, nq, k_pol))
        for r in (0, 1):
            for q in self.Q:
                qi = self.qi[q]
                pols: dict[str, float] = defaultdict(float)
                for p, w in QUEUE_POLICIES[q].items():
                    if r == 0 and p in NEW_POLICY_FALLBACK:
                        p = NEW_POLICY_FALLBACK[p]
                    pols[p] += w
                tot = sum(pols.values())
                pa_, pe = QUEUE_APPROVE[q], QUEUE_ESCALATE[q]
                outs: list[tuple[int, int, float]] = [(A_APPROVE, -1, pa_)]
                for p, w in pols.items():
                    outs.append((A_ESCALATE, self.pi[p], pe * w / tot))
                    for a, wa in zip(ENFORCE_ACTIONS, POLICY_ACTIONS[p]):
                        if wa > 0:
                            outs.append((a, self.pi[p], (1 - pa_ - pe) * w / tot * wa))
                probs = np.array([o[2] for o in outs])
                self.out_act[r, qi, : len(outs)] = [o[0] for o in outs]
                self.out_pol[r, qi, : len(outs)] = [o[1] for o in outs]
                self.out_cum[r, qi, : len(outs)] = _cum(probs)
                self.pol_idx[r, qi, : len(pols)] = [self.pi[p] for p in pols]
                self.pol_idx[r, qi, len(pols):] = self.pi[next(iter(pols))]
                self.pol_cum[r, qi, : len(pols)] = _cum(np.array(list(pols.values())))
        self.act_cum = _cum(np.array([POLICY_ACTIONS.get(p, (1.0, 0.0, 0.0)) for p in self.P]) + 1e-12)
        self.q_err = np.array([QUEUE_ERROR_FACTOR[q] for q in self.Q])
        self.q_random = np.array([RANDOM_AUDIT_RATE[q] for q in self.Q])
        self.q_handle = np.array([QUEUE_HANDLE_FACTOR[q] for q in self.Q])
        self.q_high = np.array([self.seeds.queue_high_harm[q] for q in self.Q])
        self.q_surface = np.array([CONTENT_TYPES.index(self.seeds.queue_surface[q]) for q in self.Q])
        self.q_mix = np.array([QUEUE_MIX[q] for q in self.Q])
        self.q_mix = self.q_mix / self.q_mix.sum()
        self.site_acc = np.array([SITE_ACCURACY[s] for s in self.sites])
        self.site_vendor = np.array([self.V.index(v) for v, _ in self.sites])
        self.site_offset = np.array([VENDOR_SITES[v][st][0] for v, st in self.sites])
        self.site_markets = [[self.market_i[m] for m in VENDOR_SITES[v][st][1]] for v, st in self.sites]
        self.site_n_markets = np.array([len(m) for m in self.site_markets])
        self.site_market_arr = np.array([m + [m[0]] * (max(self.site_n_markets) - len(m)) for m in self.site_markets])
        self.vendor_handle = np.array([VENDOR_HANDLE_MEDIAN_S[v] for v in self.V])
        self.root_mix = {
            t: (np.array([self.rc_list.index(c) for c in m]), np.array(list(m.values()))) for t, m in _ROOT_CAUSE_MIX.items()
        }
        self.spike_mix = (np.array([self.rc_list.index(c) for c in _SPIKE_ROOT_CAUSE_MIX]),
                          np.array(list(_SPIKE_ROOT_CAUSE_MIX.values())))
        self.ht = self.pi[HT01_POLICY]
        self.ht_day = (HT01_CHANGE_AT.date() - self.start).days
        self.spike_q = np.array([q in HT01_SPIKE_QUEUES for q in self.Q])
        # Targeted-audit watch after each policy change: the policy, and queues where it dominates.
        self.watch: list[tuple[int, int, int, np.ndarray]] = []
        for ch in POLICY_CHANGES:
            d0 = self._change_day(ch)
            qs = np.array([QUEUE_POLICIES[q].get(ch.policy_code, 0) / sum(QUEUE_POLICIES[q].values()) >= 0.3 for q in self.Q])
            self.watch.append((d0 - POLICY_WATCH_DAYS_BEFORE, d0 + POLICY_WATCH_DAYS, self.pi[ch.policy_code], qs))
        self.notes = {t: np.array(v, dtype=object) for t, v in _NOTES.items()}
        exp = self.seeds.experiments
        self.exp_days = {
            e: ((exp[e]["started_on"] - self.start).days, (exp[e]["ended_on"] - self.start).days) for e in (EXP01_ID, EXP02_ID)
        }
        self.exp_variants = {e: [v for v, _ in exp[e]["split"]] for e in (EXP01_ID, EXP02_ID)}
        self.exp02_handle = np.array([EXP02_HANDLE_TIME_MULTIPLIER.get(v, 1.0) for v in self.exp_variants[EXP02_ID]] + [1.0])
        self.exp01_treat = self.exp_variants[EXP01_ID].index("treatment") if "treatment" in self.exp_variants[EXP01_ID] else -1

    # -- roster ---------------------------------------------------------------------

    def _plan_roster(self) -> _Roster:
        rng = self.rng["roster"]
        n0 = max(40, round(60 * self.scale**0.5))
        n_lert = max(3, round(0.06 * n0))
        n_expert = max(3, round(0.05 * n0))
        n_aud = max(4, round(0.08 * n0))
        n_mod = n0 - n_lert - n_expert - n_aud
        n_bpo = min(round(0.6 * n0), n_mod - 3)
        people: list[dict[str, Any]] = []

        def site_of(vendor: str) -> int:
            names = list(VENDOR_SITES[vendor])
            w = np.array([SITE_SHARE[(vendor, s)] for s in names])
            return self.site_i[(vendor, names[rng.choice(len(names), p=w / w.sum())])]

        def group(role: int, vendor: str, count: int) -> list[dict[str, Any]]:
            # Sites by largest remainder, so every site is staffed even at small scale.
            names = list(VENDOR_SITES[vendor])
            per_site = _largest_remainder(count, [SITE_SHARE[(vendor, s)] for s in names])
            return [person(role, vendor, self.site_i[(vendor, s)]) for s, c in zip(names, per_site) for _ in range(c)]

        def person(role: int, vendor: str, site: int | None = None, hired: int | None = None) -> dict[str, Any]:
            site = site_of(vendor) if site is None else site
            ms = self.site_markets[site]
            return {
                "role": role, "vendor": self.V.index(vendor), "site": site, "market": ms[rng.integers(len(ms))],
                "hired": int(-rng.integers(30, 1500)) if hired is None else hired,
            }

        bpo_counts = _largest_remainder(n_bpo, list(BPO_VENDOR_SHARE.values()))
        for v, c in zip(BPO_VENDOR_SHARE, bpo_counts):
            people += group(R_MOD, v, c)
        people += group(R_MOD, "inhouse", n_mod - n_bpo)
        people += group(R_AUDITOR, "inhouse", n_aud)
        people += group(R_EXPERT, "inhouse", n_expert)
        people += group(R_LERT, "inhouse", n_lert)
        order = rng.permutation(len(people))
        people = [people[i] for i in order]

        # Queue skills for the moderators: primary by queue mix, plus one or two more.
        mods = [i for i, p in enumerate(people) if p["role"] == R_MOD]
        prim = np.repeat(np.arange(len(self.Q)), _largest_remainder(len(mods), list(self.q_mix)))
        prim = prim[rng.permutation(len(prim))]
        nq = len(self.Q)
        skills = np.zeros((len(people), nq), dtype=bool)
        primary = np.full(len(people), -1)
        for j, i in enumerate(mods):
            skills[i, prim[j]] = True
            primary[i] = prim[j]
            extra = rng.choice(nq, size=1 + int(rng.random() < 0.4), replace=False, p=self.q_mix)
            skills[i, extra] = True

        # Events: new hires, leavers, movers (SCD2 changes).
        n = self.n_days
        events: dict[int, list[tuple[str, int, tuple[int, int, int] | None]]] = defaultdict(list)
        left = np.full(len(people), _NEVER, dtype=np.int64)
        n_hires = max(2, round(0.10 * len(mods)))
        hire_vendors = rng.choice(len(self.V), size=n_hires, p=[0.3, 0.3, 0.15, 0.25])
        new_people = []
        new_skills = np.zeros((n_hires, nq), dtype=bool)
        for h in range(n_hires):
            day = int(rng.integers(min(14, n - 1), max(min(14, n - 1) + 1, n - 30)))
            p = person(R_MOD, self.V[hire_vendors[h]], hired=day)
            new_people.append(p)
            new_skills[h, rng.choice(nq, size=2, replace=False, p=self.q_mix)] = True
        people += new_people
        skills = np.vstack([skills, new_skills])
        primary = np.concatenate([primary, new_skills.argmax(axis=1)])
        left = np.concatenate([left, np.full(n_hires, _NEVER, dtype=np.int64)])
        mods_all = [i for i, p in enumerate(people) if p["role"] == R_MOD]

        pool = rng.permutation(mods)
        n_leave = max(2, round(0.08 * len(mods)))
        leavers = pool[:n_leave]
        for i in leavers:
            d = int(rng.integers(min(20, n - 1), max(min(20, n - 1) + 1, n - 5)))
            left[i] = d
            events[d].append(("leave", int(i), None))
        bpo = [i for i in pool[n_leave:] if self.V[people[i]["vendor"]] != "inhouse"]
        n_move = max(2, round(0.10 * len(mods)))
        for i in bpo[:n_move]:
            d = int(rng.integers(min(30, n - 1), max(min(30, n - 1) + 1, n - 20)))
            v = self.V[people[i]["vendor"]]
            others = [s for s in VENDOR_SITES[v] if self.sites[people[i]["site"]][1] != s]
            if others and rng.random() < 0.5:
                nv, ns = v, others[rng.integers(len(others))]
            else:
                choices = [x for x in BPO_VENDOR_SHARE if x != v]
                nv = choices[rng.integers(len(choices))]
                ns = list(VENDOR_SITES[nv])[rng.integers(len(VENDOR_SITES[nv]))]
            site = self.site_i[(nv, ns)]
            ms = self.site_markets[site]
            market = people[i]["market"] if people[i]["market"] in ms else ms[rng.integers(len(ms))]
            events[d].append(("move", int(i), (self.V.index(nv), site, market)))
        for i, p in enumerate(people):
            if p["hired"] >= 0:
                events[p["hired"]].append(("hire", i, None))

        N = len(people)
        roster = _Roster(
            ids=[_id1("M", i + 1, 4) for i in range(N)],
            role=np.array([p["role"] for p in people]),
            vendor=np.array([p["vendor"] for p in people]),
            site=np.array([p["site"] for p in people]),
            market=np.array([p["market"] for p in people]),
            hired_day=np.array([p["hired"] for p in people], dtype=np.int64),
            left_day=left,
            skills=skills,
            primary=primary,
            productivity=np.exp(rng.normal(0, 0.25, N)),
            skill_factor=np.clip(np.exp(rng.normal(0, 0.25, N)), 0.5, 2.0),
            exp01=np.full(N, -1),
            exp02=np.full(N, -1),
            ht_trained_day=np.full(N, _NEVER, dtype=np.int64),
            events=dict(events),
        )
        self.ids_pa = pa.array(roster.ids)
        self.mods_all = mods_all
        self.lert_ids = sorted(i for i in range(N) if roster.role[i] == R_LERT)
        self.overdiscloser = self.lert_ids[0]
        return roster

    def _plan_experiments(self) -> None:
        R = self.roster
        rng = self.rng["roster"]
        self.assignments: dict[int, list[dict[str, str | None]]] = defaultdict(list)
        for e, attr in ((EXP01_ID, "exp01"), (EXP02_ID, "exp02")):
            d0, _ = self.exp_days[e]
            if not (0 <= d0 < self.n_days):
                continue
            assign_day = d0 - 1 if d0 >= 1 else 0
            units = np.flatnonzero((R.role == R_MOD) & (R.hired_day <= assign_day) & (R.left_day > d0))
            # Site as of the start day: assignment is blocked by site, primary queue and prior
            # skill (a stratified design), each block of len(variants) people randomly permuted.
            site = R.site.copy()
            for d in sorted(k for k in R.events if k <= d0):
                for kind, i, new in R.events[d]:
                    if kind == "move" and new is not None:
                        site[i] = new[1]
            variants = self.exp_variants[e]
            arr = getattr(R, attr)
            k = len(variants)
            for st in range(len(self.sites)):
                grp = units[site[units] == st]
                grp = grp[np.lexsort((R.skill_factor[grp], R.primary[grp]))]
                for b0 in range(0, len(grp), k):
                    block = grp[b0: b0 + k]
                    arr[block] = rng.permutation(k)[: len(block)]
            for i in units:
                sec = self.fmt.epoch0 + assign_day * _DAY + 18 * _HOUR + int(rng.integers(0, 4 * _HOUR))
                self.assignments[assign_day].append({
                    "experiment_id": e, "unit_id": R.ids[i], "variant": variants[arr[i]],
                    "assigned_at": self.fmt.ts1(sec),
                })

    def _plan_training(self) -> None:
        R = self.roster
        rng = self.rng["train"]
        self.training: dict[int, list[dict[str, str | None]]] = defaultdict(list)

        def complete(i: int, course: str, day: int, retake_ok: bool = True, mean: float = 84) -> int | None:
            if not (0 <= day < self.n_days) or day >= R.left_day[i] or day < R.hired_day[i]:
                return None
            sec = self.fmt.epoch0 + day * _DAY + int(rng.integers(8 * _HOUR, 22 * _HOUR))
            score = int(np.clip(round(rng.normal(mean, 9)), 0, 100))
            self.training[day].append({
                "moderator_id": R.ids[i], "course_code": course, "policy_code": COURSES[course],
                "completed_at": self.fmt.ts1(sec), "score": str(score),
            })
            if retake_ok and score < TRAINING_PASS_SCORE:
                complete(i, course, day + int(rng.integers(2, 7)), retake_ok=False, mean=86)
            return day

        mods = np.flatnonzero(R.role == R_MOD)
        for i in mods:
            if R.hired_day[i] >= 0:
                complete(int(i), "ONB-101", int(R.hired_day[i] + rng.integers(2, 10)), mean=80)
        ms = self.qi["video_minor_safety"]
        for i in mods:
            if R.skills[i, ms] and rng.random() < 0.85:
                complete(int(i), "MS-ADV", int(rng.integers(30, 56)))
        sp = self.pi.get("SP-02")
        sp_day = self.new_policy_day.get("SP-02", 0)
        ai = self.qi["account_integrity"]
        for i in mods:
            if sp is not None and R.skills[i, ai] and rng.random() < 0.9:
                complete(int(i), "SP-02-INTRO", sp_day - int(rng.integers(1, 8)), mean=88)
        hq = [self.qi[q] for q in HT01_SPIKE_QUEUES]
        for i in mods:
            if R.skills[i, hq].any() and R.hired_day[i] <= self.ht_day and rng.random() < 0.92:
                d = complete(int(i), HT01_REFRESHER_COURSE, self.ht_day + int(rng.integers(*HT01_REFRESHER_DAYS)))
                if d is not None:
                    R.ht_trained_day[i] = d

    # -- moderators -------------------------------------------------------------------

    def _moderator_row(self, i: int, day: int, updated_sec: int) -> dict[str, str | None]:
        R = self.roster
        v = self.V[R.vendor[i]]
        m, lang = self.markets[R.market[i]]
        return {
            "moderator_id": R.ids[i], "vendor_code": v, "site": self.sites[R.site[i]][1], "market": m,
            "language": lang, "role": ROLES[R.role[i]],
            "work_email": f"{R.ids[i].lower()}@{EMAIL_DOMAIN[v]}",
            "hired_on": self.fmt.day_str(int(R.hired_day[i])),
            "left_on": self.fmt.day_str(int(R.left_day[i])) if R.left_day[i] <= day else None,
            "updated_at": self.fmt.ts1(updated_sec),
        }

    def _roster_day(self, day: int) -> None:
        R = self.roster
        base = self.fmt.epoch0 + day * _DAY
        rows = self.rows["moderators"][day]
        if day == 0:
            for i in range(len(R.ids)):
                if R.hired_day[i] <= 0:
                    rows.append(self._moderator_row(i, day, base))
        for kind, i, new in sorted(R.events.get(day, []), key=lambda e: e[1]):
            if kind == "move" and new is not None:
                R.vendor[i], R.site[i], R.market[i] = new
                rows.append(self._moderator_row(i, day, base))
            elif kind == "hire" and day > 0:
                rows.append(self._moderator_row(i, day, base))
            elif kind == "leave":
                rows.append(self._moderator_row(i, day, base + 9 * _HOUR))

    # -- decisions and audits ------------------------------------------------------------

    def _decisions_day(self, day: int) -> None:
        rng = self.rng["dec"]
        R = self.roster
        weekday = (self.start + timedelta(days=day)).weekday()
        lam = self.dec_per_day * DOW_FACTOR[weekday] * (1 + VOLUME_TREND * day / max(1, self.n_days - 1))
        lam *= float(np.exp(rng.normal(0, 0.05)))
        n = int(rng.poisson(lam))
        act_mask = R.active(day) & (R.role == R_MOD)
        all_mods = np.flatnonzero(act_mask)
        if n == 0 or all_mods.size == 0:
            return
        qcounts = rng.multinomial(n, self.q_mix)
        mods, qs = [], []
        for q, c in enumerate(qcounts):
            if c == 0:
                continue
            cand = np.flatnonzero(act_mask & R.skills[:, q])
            if cand.size == 0:
                cand = all_mods
            w = R.productivity[cand]
            mods.append(cand[rng.choice(cand.size, size=c, p=w / w.sum())])
            qs.append(np.full(c, q, dtype=np.int64))
        mod = np.concatenate(mods)
        queue = np.concatenate(qs)
        site = R.site[mod]
        vendor = R.vendor[mod]
        local = 7 * _HOUR + (rng.beta(1.6, 1.6, n) * 16 * _HOUR).astype(np.int64)
        sod = (local - self.site_offset[site] * _HOUR) % _DAY
        order = np.argsort(sod, kind="stable")
        mod, queue, site, vendor, sod = mod[order], queue[order], site[order], vendor[order], sod[order]
        decided = self.fmt.epoch0 + day * _DAY + sod

        # The right answer.
        regime = np.zeros(n, dtype=np.int64)  # per-day regime: the `new` policies exist or not
        if all(day >= d for d in self.new_policy_day.values()):
            regime[:] = 1
        flat = regime * len(self.Q) + queue
        k = _pick(rng, self.out_cum.reshape(-1, self.out_cum.shape[-1]), flat)
        ref_act = self.out_act.reshape(-1, self.out_act.shape[-1])[flat, k].astype(np.int64)
        ref_pol = self.out_pol.reshape(-1, self.out_pol.shape[-1])[flat, k].astype(np.int64)

        # Error probability: site, queue, person, tenure, EXP-01; plus the HT-01 spike.
        base = (1 - self.site_acc[site]) * self.q_err[queue] * R.skill_factor[mod]
        base = base * np.where(day - R.hired_day[mod] < NEW_HIRE_DAYS, NEW_HIRE_ERROR_FACTOR, 1.0)
        e1, e2 = self.exp_days[EXP01_ID]
        e3, e4 = self.exp_days[EXP02_ID]
        exp_unit = ((R.exp01[mod] >= 0) & (e1 <= day <= e2)) | ((R.exp02[mod] >= 0) & (e3 <= day <= e4))
        if self.exp01_treat >= 0 and e1 <= day <= e2:
            base = np.where(R.exp01[mod] == self.exp01_treat, base * EXP01_TREATMENT_ERROR_MULTIPLIER, base)
        extra = np.zeros(n)
        spike_on = (self.ht_day <= day < self.ht_day + HT01_SPIKE_MAX_DAYS) & (day < R.ht_trained_day[mod])
        extra[spike_on & (ref_pol == self.ht)] = HT01_SPIKE_EXTRA_ERROR
        extra[spike_on & (ref_act == A_APPROVE) & self.spike_q[queue]] = HT01_SPIKE_OVERENFORCE
        u = rng.random(n)
        err = u < base + extra
        spike_err = err & (u >= base)

        mod_act = ref_act.copy()
        mod_pol = ref_pol.copy()
        r = rng.random(n)
        pol_idx = self.pol_idx.reshape(-1, self.pol_idx.shape[-1])
        rpol = pol_idx[flat, _pick(rng, self.pol_cum.reshape(-1, self.pol_cum.shape[-1]), flat)].astype(np.int64)
        rpol = np.where(spike_err & (ref_act == A_APPROVE), self.ht, rpol)
        ract = np.array(ENFORCE_ACTIONS)[_pick(rng, self.act_cum, rpol)]
        # Reference approve: over-enforce (mostly) or escalate.
        m = err & (ref_act == A_APPROVE)
        over = m & ((r < 0.88) | spike_err)
        mod_act[over], mod_pol[over] = ract[over], rpol[over]
        esc = m & ~over
        mod_act[esc], mod_pol[esc] = A_ESCALATE, rpol[esc]
        # Reference enforces: under-enforce, wrong policy or wrong action.
        m = err & (ref_act != A_APPROVE) & (ref_act != A_ESCALATE)
        p_under, p_wp = np.where(spike_err, 0.45, 0.40), np.where(spike_err, 0.40, 0.35)
        under = m & (r < p_under)
        mod_act[under], mod_pol[under] = A_APPROVE, -1
        wp = m & ~under & (r < p_under + p_wp)
        alt = rpol.copy()
        same = alt == ref_pol
        if same.any():  # take the next policy of the queue instead
            kp = pol_idx[flat[same]]
            pos = (kp == ref_pol[same][:, None]).argmax(axis=1)
            npq = np.array([len(QUEUE_POLICIES[self.Q[q]]) for q in queue[same]])
            alt[same] = kp[np.arange(same.sum()), (pos + 1) % npq]
        wp &= alt != ref_pol
        mod_pol[wp] = alt[wp]
        wa = m & ~under & ~wp
        choices = np.array([[A_RESTRICT, A_AGE, A_ESCALATE], [A_REMOVE, A_AGE, A_ESCALATE], [A_REMOVE, A_RESTRICT, A_ESCALATE]])
        pick = np.minimum((rng.random(n) * 3).astype(np.int64), 2)
        mod_act[wa] = choices[ref_act[wa] - 1, pick[wa]]
        # Reference escalates: the moderator actioned it (or approved it).
        m = err & (ref_act == A_ESCALATE)
        mod_act[m] = np.where(r[m] < 0.7, A_REMOVE, A_APPROVE)
        mod_pol[m & (mod_act == A_APPROVE)] = -1
        etype = classify(mod_act, mod_pol, ref_act, ref_pol)

        # Handle time, market, content type, ids.
        e2a, e2b = self.exp_days[EXP02_ID]
        # exp02 is -1 for non-units: the last entry of exp02_handle (1.0).
        hmult = self.exp02_handle[R.exp02[mod]] if e2a <= day <= e2b else np.ones(n)
        med = self.vendor_handle[vendor] * self.q_handle[queue] * hmult * np.where(mod_act == A_ESCALATE, 1.5, 1.0)
        handle = np.maximum(1, np.round(med * np.exp(rng.normal(0, 0.55, n)))).astype(np.int64)
        market = R.market[mod].copy()
        other = rng.random(n) < 0.10  # content from another market the site serves
        pick_m = (rng.random(n) * self.site_n_markets[site]).astype(np.int64)
        market = np.where(other, self.site_market_arr[site, pick_m], market)
        ctype = np.where(rng.random(n) < 0.88, self.q_surface[queue], rng.integers(0, len(CONTENT_TYPES), n))
        dec_no = self.n_decisions + 1 + np.arange(n, dtype=np.int64)
        self.n_decisions += n
        user_idx = (self.n_users * rng.random(n) ** 3).astype(np.int64)
        user_num = (user_idx * 2_654_435_761 + 97_531) % 10**12
        content_num = (dec_no * 3_787_878_787 + 1_234_567) % 10**13
        dec_ids = _ids("D", dec_no, 8)
        user_ids = _ids("U", user_num, 12)
        if self.truth_path is not None:
            at_stake = np.where(ref_pol >= 0, ref_pol, mod_pol)
            critical = (etype > 0) & (at_stake >= 0) & (self.tier[np.maximum(at_stake, 0)] == 1)
            self.truth.append(pa.table({"decision_id": dec_ids, "is_correct": pa.array(etype == 0),
                                        "is_critical_error": pa.array(critical)}))
        prefix = self.fmt.day_str(day) + "T"
        table = pa.table({
            "decision_id": dec_ids,
            "content_id": _ids("C", content_num, 13),
            "user_id": user_ids,
            "queue_code": self.Q_pa.take(pa.array(queue)),
            "moderator_id": self.ids_pa.take(pa.array(mod)),
            "action": self.A_pa.take(pa.array(mod_act)),
            "policy_code": _lookup(self.P_pa, mod_pol),
            "content_type": self.ct_pa.take(pa.array(ctype)),
            "market": self.market_pa.take(pa.array(market)),
            "decided_at": pc.binary_join_element_wise(prefix, self.fmt.tod_z.take(pa.array(sod)), ""),
            "handle_time_s": pc.cast(pa.array(handle), pa.string()),
        })
        if self.rng["flush"].random() < LATE_DROP_DAY_SHARE:
            late = np.sort(self.rng["flush"].choice(n, size=max(1, int(n * LATE_DROP_ROW_SHARE)), replace=False))
            keep = np.setdiff1d(np.arange(n), late)
            self.box["moderation_decisions"][day].append(table.take(pa.array(keep)))
            self.box2["moderation_decisions"][day].append(table.take(pa.array(late)))
        else:
            self.box["moderation_decisions"][day].append(table)

        self._audits(day, decided, dec_ids, user_ids, queue, mod, vendor, mod_act, mod_pol, ref_act, ref_pol,
                     etype, spike_err, exp_unit)

    def _audits(self, day: int, decided: np.ndarray, dec_ids: pa.Array, user_ids: pa.Array, queue: np.ndarray,
                mod: np.ndarray, vendor: np.ndarray, mod_act: np.ndarray, mod_pol: np.ndarray,
                ref_act: np.ndarray, ref_pol: np.ndarray, etype: np.ndarray, spike_err: np.ndarray,
                exp_unit: np.ndarray) -> None:
        rng = self.rng["audit"]
        R = self.roster
        n = len(decided)
        rand = self.rng["sample"].random(n) < self.q_random[queue]
        t_rate = HIGH_HARM_TARGETED_RATE * self.q_high[queue]
        t_rate = t_rate + NEW_HIRE_TARGETED_RATE * (day - R.hired_day[mod] < NEW_HIRE_DAYS)
        t_rate = t_rate + EXPERIMENT_TARGETED_RATE * exp_unit
        for d0, d1, pol, qs in self.watch:
            if d0 <= day < d1:
                t_rate = t_rate + POLICY_WATCH_AUDIT_RATE * ((mod_pol == pol) | qs[queue])
        targeted = rng.random(n) < np.minimum(t_rate, 0.9)
        enforce = (mod_act >= A_REMOVE) & (mod_act <= A_AGE)
        ap_rate = np.where(etype == 0, APPEAL_RATE["correct"],
                           np.where(etype == 1, APPEAL_RATE["over_enforcement"], APPEAL_RATE["other_error"]))
        appeal = enforce & (rng.random(n) < ap_rate)
        escal = (mod_act == A_ESCALATE) & (rng.random(n) < ESCALATION_AUDIT_RATE)
        # At most one triggered audit per decision; the random one is drawn on its own.
        triggered = np.select([escal, appeal, targeted], [3, 2, 1], default=-1)
        dec_idx = np.concatenate([np.flatnonzero(rand), np.flatnonzero(triggered >= 0)])
        src = np.concatenate([np.zeros(int(rand.sum()), dtype=np.int64), triggered[triggered >= 0]])
        order = np.argsort(dec_idx, kind="stable")
        dec_idx, src = dec_idx[order], src[order]
        spread = (AUDIT_DELAY_HOURS[1] - AUDIT_DELAY_HOURS[0]) * _HOUR
        delay = AUDIT_DELAY_HOURS[0] * _HOUR + (rng.beta(1.2, 2.8, dec_idx.size) * spread).astype(np.int64)
        delay = np.where(src == 2, np.maximum(delay, 24 * _HOUR), delay)
        audited = decided[dec_idx] + delay
        keep = audited <= self.end_sec
        sel, src_sel, a_sec = dec_idx[keep], src[keep], audited[keep]
        if sel.size == 0:
            return
        u_rc = rng.random(sel.size)
        auditors = np.flatnonzero(R.active(day) & (R.role == R_AUDITOR))
        m = sel.size
        a_no = self.n_audits + 1 + np.arange(m, dtype=np.int64)
        self.n_audits += m
        audit_ids = _ids("A", a_no, 8)
        et = etype[sel]
        # Root cause: sampled per error type (spike errors: mostly POL-CHNG).
        rc = np.full(m, -1, dtype=np.int64)
        for t, (codes, w) in self.root_mix.items():
            idx = np.flatnonzero(et == t)
            if idx.size:
                rc[idx] = codes[rng.choice(len(codes), size=idx.size, p=w / w.sum())]
        sp = np.flatnonzero(spike_err[sel])
        if sp.size:
            codes, w = self.spike_mix
            rc[sp] = codes[rng.choice(len(codes), size=sp.size, p=w / w.sum())]
        # 0 no root cause, 1 in the first drop, 2 filled in by a later correction.
        u = u_rc
        rc_state = np.where(et == 0, 0, np.where(u < ROOT_CAUSE_AT_FIRST, 1,
                                                 np.where(u < ROOT_CAUSE_AT_FIRST + ROOT_CAUSE_LATER, 2, 0)))
        rc_first = np.where(rc_state == 1, rc, -1)
        notes = self._notes(et, user_ids.take(pa.array(sel)), ref_pol[sel])
        cols = {
            "audit_id": audit_ids,
            "decision_id": dec_ids.take(pa.array(sel)),
            "auditor_id": self.ids_pa.take(pa.array(auditors[rng.integers(0, auditors.size, m)])),
            "audit_source": self.src_pa.take(pa.array(src_sel)),
            "audited_at": self.fmt.ts(a_sec),
            "qa_action": self.A_pa.take(pa.array(ref_act[sel])),
            "qa_policy_code": _lookup(self.P_pa, ref_pol[sel]),
            "root_cause_code": _lookup(self.rc_pa, rc_first),
            "auditor_notes": notes,
        }
        table = pa.table(cols)
        a_day = (a_sec - self.fmt.epoch0) // _DAY
        self._schedule_table("qa_audits", table, a_day)

        # Disputes (on incorrect audits) decide which audits get other corrections.
        disputed = self._disputes(table, a_sec, et, vendor[sel], mod_act[sel], mod_pol[sel], ref_act[sel], ref_pol[sel], a_day)
        # Corrections re-sent later in a second drop: root cause filled in, or notes amended.
        later = np.flatnonzero((rc_state == 2) & ~disputed)
        if later.size:
            c_day = a_day[later] + rng.integers(2, 7, later.size)
            ok = c_day < self.n_days
            later, c_day = later[ok], c_day[ok]
            fixed = table.take(pa.array(later)).set_column(7, "root_cause_code", _lookup(self.rc_pa, rc[later]))
            self._schedule_table("qa_audits", fixed, c_day, second=True)
        amend = np.flatnonzero((rng.random(m) < NOTES_CORRECTION_RATE) & ~disputed & (rc_state != 2))
        if amend.size:
            c_day = a_day[amend] + rng.integers(2, 10, amend.size)
            ok = c_day < self.n_days
            amend, c_day = amend[ok], c_day[ok]
            sub = table.take(pa.array(amend))
            new_notes = pc.binary_join_element_wise(pc.fill_null(sub["auditor_notes"], "Reviewed."),
                                                    " (amended after QA lead review)", "")
            self._schedule_table("qa_audits", sub.set_column(8, "auditor_notes", new_notes), c_day, second=True)
        # Root-cause investigations on some critical errors and on the spike.
        pol_at_stake = np.where(ref_pol[sel] >= 0, ref_pol[sel], mod_pol[sel])
        crit = (et > 0) & (pol_at_stake >= 0) & (self.tier[np.maximum(pol_at_stake, 0)] == 1)
        spike_rc = (rc == self.rc_list.index(POLICY_CHANGE_ROOT_CAUSE)) & spike_err[sel] & (rc_state == 1)
        want = (crit & (rng.random(m) < 0.06)) | (spike_rc & (rng.random(m) < 0.05))
        if not self.spike_rca_planted and spike_rc.any() and day >= self.ht_day + 3:
            want[np.flatnonzero(spike_rc)[0]] = True
            self.spike_rca_planted = True
        for j in np.flatnonzero(want):
            code = self.rc_list[rc[j]] if rc[j] >= 0 else "PPL-KNOW"
            opened = int(a_sec[j]) + int(rng.integers(_DAY, 5 * _DAY))
            self._rca("audit", cols["audit_id"][j].as_py(), opened, self.Q[queue[sel[j]]], code)

    def _notes(self, et: np.ndarray, users: pa.Array, ref_pol: np.ndarray) -> pa.Array:
        rng = self.rng["notes"]
        m = len(et)
        out = np.empty(m, dtype=object)
        for t, arr in self.notes.items():
            idx = np.flatnonzero(et == t)
            if idx.size:
                out[idx] = arr[rng.integers(0, len(arr), idx.size)]
        wp = np.flatnonzero((et == 3) & (ref_pol >= 0) & (rng.random(m) < 0.5))
        for j in wp:
            out[j] = f"Right action, wrong policy: should be {self.P[ref_pol[j]]}."
        out[rng.random(m) < 0.25] = None
        notes = pa.array(out, type=pa.string())
        pii = rng.random(m)
        with_user = pii < 0.025
        with_mail = (pii >= 0.025) & (pii < 0.035)
        if with_user.any():
            extra = pc.binary_join_element_wise("Creator ", users, " has prior strikes.", "")
            notes = pc.if_else(pa.array(with_user), pc.binary_join_element_wise(pc.fill_null(notes, ""), extra, " "), notes)
        if with_mail.any():
            mails = pa.array(np.array(_FAKE_EMAILS, dtype=object)[rng.integers(0, len(_FAKE_EMAILS), m)], type=pa.string())
            extra = pc.binary_join_element_wise("Vendor lead", mails, "asked for a second look.", " ")
            notes = pc.if_else(pa.array(with_mail), pc.binary_join_element_wise(pc.fill_null(notes, ""), extra, " "), notes)
        return pc.utf8_trim_whitespace(notes)

    def _disputes(self, audits: pa.Table, a_sec: np.ndarray, et: np.ndarray, vendor: np.ndarray,
                  mod_act: np.ndarray, mod_pol: np.ndarray, ref_act: np.ndarray, ref_pol: np.ndarray,
                  a_day: np.ndarray) -> np.ndarray:
        rng = self.rng["dispute"]
        m = len(et)
        disputed = np.zeros(m, dtype=bool)
        cand = np.flatnonzero((et > 0) & (rng.random(m) < DISPUTE_RATE))
        outcomes = list(DISPUTE_OUTCOME_P)
        probs = np.array(list(DISPUTE_OUTCOME_P.values()))
        for j in cand:
            raised = int(a_sec[j] + 6 * _HOUR + rng.exponential(2 * _DAY))
            if raised > self.end_sec:
                continue
            disputed[j] = True
            audit_id = audits["audit_id"][j].as_py()
            bpo = self.V[vendor[j]] != "inhouse"
            mod_answer = (ACTIONS[mod_act[j]], self.P[mod_pol[j]] if mod_pol[j] >= 0 else None)
            ref_answer = (ACTIONS[ref_act[j]], self.P[ref_pol[j]] if ref_pol[j] >= 0 else None)
            for attempt in range(2):
                self.n_disputes += 1
                did = _id1("DS", self.n_disputes, 6)
                outcome = outcomes[rng.choice(len(outcomes), p=probs)]
                by = "vendor" if (bpo and rng.random() < 0.6) else "moderator"
                resolved = int(raised + _DAY + rng.exponential(4 * _DAY))
                row = {"dispute_id": did, "audit_id": audit_id, "raised_by": by, "raised_at": self.fmt.ts1(raised),
                       "resolved_at": None, "outcome": "pending", "final_action": None, "final_policy_code": None}
                r_day = self.fmt.day_of(raised)
                final = outcome != "pending" and resolved <= self.end_sec
                f_day = self.fmt.day_of(resolved)
                if not (final and f_day == r_day):
                    self.rows["audit_disputes"][r_day].append(row)
                if final:
                    ans = ref_answer if outcome == "upheld" else mod_answer
                    self.rows["audit_disputes"][f_day].append({
                        **row, "resolved_at": self.fmt.ts1(resolved), "outcome": outcome,
                        "final_action": ans[0], "final_policy_code": ans[1],
                    })
                    if outcome == "overturned":
                        # The audit is re-sent without its root cause: the decision was right.
                        fixed = audits.take(pa.array([j])).set_column(7, "root_cause_code", pa.array([None], pa.string()))
                        self._schedule_table("qa_audits", fixed, np.array([f_day]), second=True)
                if not (final and outcome == "upheld" and rng.random() < SECOND_DISPUTE_RATE):
                    break
                raised = int(resolved + _DAY + rng.integers(0, 4 * _DAY))
                if raised > self.end_sec:
                    break
        return disputed

    # -- scheduling and writing ------------------------------------------------------

    def _schedule_table(self, entity: str, table: pa.Table, days: np.ndarray, second: bool = False) -> None:
        box = self.box2 if second else self.box
        days = np.asarray(days, dtype=np.int64)
        if days.size == 0:
            return
        order = np.argsort(days, kind="stable")
        sd = days[order]
        cuts = np.flatnonzero(np.diff(sd)) + 1
        for part in np.split(np.arange(len(sd)), cuts):
            d = int(sd[part[0]])
            if 0 <= d < self.n_days:
                box[entity][d].append(table.take(pa.array(order[part])))

    def _collect(self, entity: str, day: int, second: bool) -> pa.Table | None:
        box, rows = (self.box2, self.rows2) if second else (self.box, self.rows)
        parts = box[entity].pop(day, [])
        r = rows[entity].pop(day, [])
        if r:
            parts.append(_table(entity, r))
        if not parts:
            return None
        return pa.concat_tables(parts) if len(parts) > 1 else parts[0]

    def _flush(self, entity: str, day: int) -> None:
        rng = self.rng["flush"]
        main = self._collect(entity, day, second=False)
        carry = self.carry[entity].pop(day, [])
        if main is not None:
            col = _SORT_COLUMN.get(entity)
            if col and entity != "moderation_decisions":
                main = main.take(pc.sort_indices(main, sort_keys=[(col, "ascending")]))
            n = main.num_rows
            p_in = DUP_IN_FILE.get(entity, 0.0)
            k = int(rng.binomial(n, p_in)) if p_in else 0
            if k:
                dup = rng.choice(n, size=k, replace=False)
                pos = np.concatenate([np.arange(n), dup]).astype(float)
                pos[n:] += 0.5 + rng.random(k) * 3  # a little after the original
                main = pa.concat_tables([main, main.take(pa.array(dup))]).take(pa.array(np.argsort(pos, kind="stable")))
            p_next = DUP_NEXT_FILE.get(entity, 0.0)
            k = int(rng.binomial(n, p_next)) if p_next else 0
            if k and day + 1 < self.n_days:
                self.carry[entity][day + 1].append(main.take(pa.array(np.sort(rng.choice(n, size=k, replace=False)))))
        parts = carry + ([main] if main is not None else [])
        if parts:
            self._write(entity, day, pa.concat_tables(parts), suffix="")
        second = self._collect(entity, day, second=True)
        if second is not None:
            self._write(entity, day, second, suffix="_2")

    def _write(self, entity: str, day: int, table: pa.Table, suffix: str) -> None:
        folder = self.out / entity
        name = f"{entity}_{self.fmt.day_str(day)}{suffix}"
        table = table.select(list(ENTITY_COLUMNS[entity]))
        if entity == "moderation_decisions" and (self.start + timedelta(days=day)).weekday() == 6:
            schema = pa.schema([(c, pa.string()) for c in ENTITY_COLUMNS[entity]])
            pq.write_table(table.cast(schema), folder / f"{name}.parquet", compression="snappy")
        else:
            (folder / f"{name}.csv").write_bytes(_csv_bytes(table))
        self.counts[entity] += table.num_rows

    # -- law enforcement, escalations, RCA ---------------------------------------------

    def _versions(self, entity: str, versions: list[tuple[int, dict[str, str | None]]]) -> None:
        """Emit each version of a record in the drop of its day; same-day versions collapse to the last."""
        by_day: dict[int, dict[str, str | None]] = {}
        for sec, row in versions:
            if sec <= self.end_sec:
                by_day[self.fmt.day_of(sec)] = row
        for d, row in by_day.items():
            if 0 <= d < self.n_days:
                self.rows[entity][d].append(row)

    def _le_day(self, day: int) -> None:
        rng = self.rng["le"]
        R = self.roster
        weekday = (self.start + timedelta(days=day)).weekday()
        n = int(rng.poisson(self.le_per_day * (1.0 if weekday < 5 else 0.45)))
        specialists = [i for i in self.lert_ids if R.hired_day[i] <= day < R.left_day[i]]
        types = list(LE_REQUEST_TYPE_P)
        countries = list(LE_COUNTRIES)
        base = self.fmt.epoch0 + day * _DAY
        for _ in range(n):
            self.n_requests += 1
            rid = _id1("LE-", self.n_requests, 6)
            received = base + (int(rng.integers(13 * _HOUR, 23 * _HOUR)) if rng.random() < 0.8 else int(rng.integers(0, _DAY)))
            rtype = types[rng.choice(len(types), p=np.array(list(LE_REQUEST_TYPE_P.values())))]
            country = countries[rng.choice(len(countries), p=np.array(list(LE_COUNTRIES.values())))]
            agency = LE_AGENCY_TYPES[rng.choice(3, p=[0.35, 0.30, 0.35])] if country == "US" else "foreign"
            accounts = int(rng.geometric(0.55))
            valid = rng.random() < 0.93
            spec = specialists[rng.integers(len(specialists))]
            sla = self.seeds.sla_hours[rtype]
            f = float(np.exp(rng.normal(np.log(0.35 if rtype == "emergency" else 0.45), 0.5)))
            if rng.random() < 0.05:  # stuck: answered very late, or not by the end of the window
                f = float(rng.uniform(1.5, 5.0))
            responded = received + int(sla * f * _HOUR)
            if received > self.end_sec - LE_BACKLOG_DAYS * _DAY and rng.random() < LE_BACKLOG_SHARE:
                responded = self.end_sec + int(rng.uniform(1, 20) * _DAY)  # still unanswered at the end
            closed = responded + int(rng.uniform(2, 20) * _DAY) if rng.random() < 0.55 else None
            if not valid:
                outcome = "rejected" if rng.random() < 0.85 else "withdrawn"
            else:
                outcome = LE_OUTCOMES[rng.choice(5, p=[0.45, 0.28, 0.15, 0.04, 0.08])]
            offset = rng.random() < OFFSET_TIMESTAMP_SHARE
            fix_at = received + int(rng.uniform(0.5, 3) * _DAY) if rng.random() < 0.03 else None

            def row(status: str, updated: int, accts: int) -> dict[str, str | None]:
                done = status != "open"
                return {
                    "request_id": rid, "received_at": self.fmt.ts1(received, offset), "country": country,
                    "agency_type": agency, "request_type": rtype, "accounts_specified": str(accts),
                    "legal_process_valid": "true" if valid else "false", "specialist_id": R.ids[spec],
                    "status": status, "outcome": outcome if done else None,
                    "responded_at": self.fmt.ts1(responded, offset) if done else None,
                    "updated_at": self.fmt.ts1(updated, offset),
                }

            fixed = accounts + 1
            versions = [(received, row("open", received, accounts))]
            if fix_at is not None and fix_at < responded:
                versions.append((fix_at, row("open", fix_at, fixed)))
            acc = fixed if fix_at is not None and fix_at < responded else accounts
            versions.append((responded, row("responded", responded, acc)))
            if closed is not None:
                versions.append((closed, row("closed", closed, acc)))
            self._versions("le_requests", versions)
            self.recent_requests.append((rid, received))
            if responded <= self.end_sec:
                self._assessment(rid, spec, rtype, outcome, responded)
                if f > 1 and rng.random() < 0.15:
                    self._rca("le_request", rid, responded + int(rng.uniform(1, 3) * _DAY), None, "PRC-HAND")
        self.recent_requests = [(r, t) for r, t in self.recent_requests if t > base - 45 * _DAY]

    def _assessment(self, rid: str, spec: int, rtype: str, outcome: str, responded: int) -> None:
        rng = self.rng["lert"]
        if rng.random() >= LERT_ASSESSMENT_RATE:
            return
        assessed = responded + int(rng.uniform(1, 12) * _DAY)
        if assessed > self.end_sec:
            return
        others = [i for i in self.lert_ids if i != spec]
        assessor = others[rng.integers(len(others))]
        self.n_assessments += 1
        aid = _id1("LA-", self.n_assessments, 6)
        disclosed = outcome in ("disclosed_full", "disclosed_partial")
        over = False
        rows = []
        for item, critical in self.seeds.scorecard:
            if item == "emergency_criteria" and rtype != "emergency":
                res = "na"
            elif item == "data_preservation" and rtype != "preservation":
                res = "na"
            elif item == "disclosure_scope":
                p_fail = DISCLOSURE_FAIL_P[1] if spec == self.overdiscloser else DISCLOSURE_FAIL_P[0]
                res = "na" if not disclosed else ("fail" if rng.random() < p_fail else "pass")
                over = res == "fail"
            elif item == "user_notice" and rng.random() < 0.2:
                res = "na"
            else:
                res = "fail" if rng.random() < (0.01 if critical else 0.06) else "pass"
            rows.append({"assessment_id": aid, "request_id": rid, "specialist_id": self.roster.ids[spec],
                         "assessor_id": self.roster.ids[assessor], "assessed_at": self.fmt.ts1(assessed),
                         "item_code": item, "result": res})
        self.rows["lert_assessments"][self.fmt.day_of(assessed)].extend(rows)
        if over and rng.random() < 0.6:
            self._rca("le_request", rid, assessed + int(rng.uniform(1, 4) * _DAY), None, "PRC-SOP")

    def _escalations_day(self, day: int) -> None:
        rng = self.rng["esc"]
        n = int(rng.poisson(self.esc_per_day))
        base = self.fmt.epoch0 + day * _DAY
        mit_med = {"sev1": 3, "sev2": 10, "sev3": 30, "sev4": 60}
        res_med = {"sev1": 24, "sev2": 48, "sev3": 96, "sev4": 120}
        for _ in range(n):
            self.n_escalations += 1
            eid = _id1("ESC-", self.n_escalations, 5)
            created = base + int(rng.integers(0, _DAY))
            source = ESC_SOURCES[rng.choice(5, p=[0.12, 0.08, 0.30, 0.15, 0.35])]
            request = None
            if source == "law_enforcement":
                pool = [r for r, t in self.recent_requests if t <= created]
                if pool:
                    request = pool[rng.integers(len(pool))]
                else:
                    source = "internal"
            sev = ESC_SEVERITIES[rng.choice(4, p=[0.05, 0.20, 0.40, 0.35])]
            queue = None if rng.random() < 0.25 else self.Q[rng.choice(len(self.Q), p=self.q_mix)]
            stuck = rng.random() < 0.05
            mitigated = None if stuck else created + int(mit_med[sev] * _HOUR * np.exp(rng.normal(0, 0.6)))
            resolved = (None if (mitigated is None or rng.random() < 0.05)
                        else mitigated + int(res_med[sev] * _HOUR * np.exp(rng.normal(0, 0.6))))
            rc = self.rc_list[rng.integers(len(self.rc_list))] if rng.random() < 0.68 else None
            offset = rng.random() < OFFSET_TIMESTAMP_SHARE

            def row(status: str) -> dict[str, str | None]:
                return {
                    "escalation_id": eid, "created_at": self.fmt.ts1(created, offset), "source": source,
                    "severity": sev, "queue_code": queue, "request_id": request, "status": status,
                    "resolved_at": self.fmt.ts1(resolved, offset) if status == "resolved" else None,
                    "mitigated_at": self.fmt.ts1(mitigated, offset) if status != "open" else None,
                    "root_cause_code": rc if status != "open" else None,
                }

            versions = [(created, row("open"))]
            if mitigated is not None:
                versions.append((mitigated, row("mitigated")))
            if resolved is not None:
                versions.append((resolved, row("resolved")))
            self._versions("escalations", versions)
            if (sev == "sev1" and rng.random() < 0.9) or (sev == "sev2" and rng.random() < 0.5):
                self._rca("escalation", eid, created + int(rng.uniform(1, 4) * _DAY), queue,
                          rc or self.rc_list[rng.integers(len(self.rc_list))])

    _ACTIONS_BY_CATEGORY = {
        "PPL": ("Targeted coaching for the moderators involved", "Refresher training, with a quiz, for the queue"),
        "PRC": ("SOP rewritten with a decision tree", "Routing rule fixed, handoff checklist added"),
        "POL": ("Policy guidance updated, examples added", "Refresher training on the revised policy, then re-audit"),
        "TLG": ("Tool fix shipped, classifier threshold reviewed", "UI change: context panel always visible"),
        "DAT": ("Conversation context attached to review items", "Language routing for the market fixed"),
    }
    _OWNER_BY_CATEGORY = {"PPL": "training", "PRC": "qa_ops", "POL": "policy", "TLG": "tooling", "DAT": "data_platform"}

    def _rca(self, subject_type: str, subject_id: str, opened: int, queue: str | None, root_cause: str) -> None:
        if opened > self.end_sec:
            return
        rng = self.rng["rca"]
        self.n_rca += 1
        rid = _id1("RCA-", self.n_rca, 5)
        cat = root_cause.split("-")[0]
        in_spike = 0 <= opened - int(HT01_CHANGE_AT.timestamp()) < HT01_SPIKE_MAX_DAYS * _DAY
        if root_cause == POLICY_CHANGE_ROOT_CAUSE and in_spike:
            action = f"{HT01_REFRESHER_COURSE} refresher on {HT01_POLICY} {HT01_VERSION} for hate and comments queues"
        else:
            acts = self._ACTIONS_BY_CATEGORY[cat]
            action = acts[rng.integers(len(acts))]
        owner = "lert" if subject_type == "le_request" else self._OWNER_BY_CATEGORY[cat]
        planned = None if rng.random() < 0.1 else opened + int(rng.uniform(2, 10) * _DAY)
        closed = None if planned is None or rng.random() < 0.15 else planned + int(rng.uniform(5, 30) * _DAY)

        def row(status: str) -> dict[str, str | None]:
            return {"rca_id": rid, "opened_at": self.fmt.ts1(opened),
                    "closed_at": self.fmt.ts1(closed) if status == "closed" else None,
                    "subject_type": subject_type, "subject_id": subject_id, "queue_code": queue,
                    "root_cause_code": root_cause, "corrective_action": action,
                    "owner_team": owner, "status": status}

        versions = [(opened, row("open"))]
        if planned is not None:
            versions.append((planned, row("action_planned")))
        if closed is not None:
            versions.append((closed, row("closed")))
        self._versions("rca_cases", versions)

    # -- calibration --------------------------------------------------------------------

    def _calibration_week(self, day: int) -> None:
        """Plan the calibration sessions of the week starting on `day` (a Monday or the first day)."""
        rng = self.rng["cal"]
        R = self.roster
        week_end = day + 7 - (self.start + timedelta(days=day)).weekday()
        week_days = list(range(day, min(week_end, self.n_days)))
        n = (1 + int(rng.binomial(2, 0.5))) * max(1, round(self.scale**0.25))
        sessions: list[tuple[int, int, bool]] = []
        planted = [(d, q) for d, q in POOR_CALIBRATION_SESSIONS if (d - self.start).days in week_days]
        for d, q in planted:
            sessions.append(((d - self.start).days, self.qi[q], True))
        n -= len(planted)
        if n > 0:
            qs = rng.choice(len(self.Q), size=n, replace=n > len(self.Q), p=self.q_mix)
            for q in qs:
                d = min(day + int(rng.integers(1, 4)), week_days[-1])
                sessions.append((d, int(q), False))
        sessions.sort(key=lambda s: (s[0], s[1]))
        items_scale = max(1.0, self.scale**0.25)
        for d, q, poor in sessions:
            active = R.active(d)
            experts = np.flatnonzero(active & (R.role == R_EXPERT))
            cand = np.flatnonzero(active & (R.role == R_MOD) & R.skills[:, q])
            if cand.size < 4:
                cand = np.flatnonzero(active & (R.role == R_MOD))
            if cand.size < 2 or experts.size == 0:
                continue
            self.n_sessions += 1
            sid = _id1("CAL-", self.n_sessions, 4)
            k = min(cand.size, int(rng.integers(4, 9)))
            raters = rng.choice(cand, size=k, replace=False)
            expert = experts[rng.integers(experts.size)]
            n_items = int(rng.integers(20, 41) * items_scale)
            labels = ["approve"] + list(QUEUE_POLICIES[self.Q[q]])
            if d < self.new_policy_day.get("SP-02", -1) and "SP-02" in labels:
                labels.remove("SP-02")
            w = np.array([0.35] + [0.65 * QUEUE_POLICIES[self.Q[q]][x] for x in labels[1:]])
            truth = rng.choice(len(labels), size=n_items, p=w / w.sum())
            acc = rng.uniform(0.55, 0.65, k) if poor else rng.uniform(0.88, 0.98, k)
            right = rng.random((n_items, k)) < acc[None, :]
            wrong = (truth[:, None] + rng.integers(1, len(labels), (n_items, k))) % len(labels)
            lab = np.where(right, truth[:, None], wrong)
            skip = rng.random((n_items, k)) < (0.03 if rng.random() < 0.4 else 0.0)
            has_ref = rng.random(n_items) < 0.9
            ref = np.where(rng.random(n_items) < 0.98, truth, (truth + 1) % len(labels))
            item_no = self.n_items + 1 + np.arange(n_items)
            self.n_items += n_items
            date_s = self.fmt.day_str(d)
            rows = []
            for it in range(n_items):
                iid = _id1("CI", int(item_no[it]), 6)
                for r in range(k):
                    if not skip[it, r]:
                        rows.append({"session_id": sid, "session_date": date_s, "queue_code": self.Q[q], "item_id": iid,
                                     "rater_id": R.ids[raters[r]], "rater_role": "participant", "label": labels[lab[it, r]]})
                if has_ref[it]:
                    rows.append({"session_id": sid, "session_date": date_s, "queue_code": self.Q[q], "item_id": iid,
                                 "rater_id": R.ids[expert], "rater_role": "reference", "label": labels[ref[it]]})
            self.rows["calibration_ratings"][d].extend(rows)

    # -- main loop -------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        for e in ENTITIES:
            folder = self.out / e
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
        s = self.scale
        mean_dow = sum(DOW_FACTOR) / 7
        # The daily rate is fixed by the default window, so a shorter window writes fewer rows.
        default_days = (DEFAULT_END - DEFAULT_START).days + 1
        self.dec_per_day = DECISIONS_PER_SCALE * s / (default_days * mean_dow * (1 + VOLUME_TREND / 2))
        self.n_users = max(2_000, int(15_000 * s**0.8))
        self.le_per_day = LE_REQUESTS_PER_DAY * s**0.5
        self.esc_per_day = ESCALATIONS_PER_DAY * s**0.5
        # Policy changes are announced a week before they take effect.
        for ch in POLICY_CHANGES:
            d = max(0, self._change_day(ch) - 7)
            if self._change_day(ch) < self.n_days and self._change_day(ch) >= 0:
                self.rows["policy_changes"][d].append({
                    "policy_code": ch.policy_code, "version": ch.version,
                    "effective_at": ch.effective_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "change_type": ch.change_type, "summary": ch.summary,
                })
        for d, rows in self.training.items():
            self.rows["training_completions"][d].extend(rows)
        for d, rows in self.assignments.items():
            self.rows["experiment_assignments"][d].extend(rows)

        t0 = time.perf_counter()
        step = max(1, round(self.n_days / 10))
        for day in range(self.n_days):
            self._roster_day(day)
            if day == 0 or (self.start + timedelta(days=day)).weekday() == 0:
                self._calibration_week(day)
            self._decisions_day(day)
            self._le_day(day)
            self._escalations_day(day)
            for e in ENTITIES:
                self._flush(e, day)
            if self.progress and ((day + 1) % step == 0 or day + 1 == self.n_days):
                pct = 100 * (day + 1) / self.n_days
                rate = self.n_decisions / max(time.perf_counter() - t0, 1e-9)
                print(f"generate: {self.start + timedelta(days=day)} {pct:4.0f}% "
                      f"{self.n_decisions:,} decisions ({rate:,.0f}/s)", file=sys.stderr, flush=True)
        if self.truth_path is not None:
            self._write_truth()
        return dict(self.counts)

    def _write_truth(self) -> None:
        """The simulated truth (what an auditor who is never wrong would say about every
        decision), beside the landing folder: Parquet, one row per decision."""
        assert self.truth_path is not None
        schema = pa.schema([("decision_id", pa.string()), ("is_correct", pa.bool_()),
                            ("is_critical_error", pa.bool_())])
        table = pa.concat_tables(self.truth) if self.truth else schema.empty_table()
        self.truth_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.truth_path.with_name(self.truth_path.name + ".tmp")
        pq.write_table(table, tmp, compression="snappy")
        tmp.replace(self.truth_path)


def generate(out: Path, scale: float = 1.0, seed: int = 7, progress: bool = True,
             start: date = DEFAULT_START, end: date = DEFAULT_END, truth: Path | None = None) -> dict[str, int]:
    """Write every entity of the raw contract under out/<entity>/ as daily drop files; return rows written per entity.

    Deterministic per (scale, seed, start, end). The entity folders are deleted first, so a
    re-run replaces the previous output. Scale 1 is about 20,000 moderation decisions.
    With `truth`, also write the simulated truth (Parquet: decision_id, is_correct,
    is_critical_error, one row per decision) to that file, which must lie outside `out`
    (a landing folder holds landing files only); see ``truth_path_beside``.
    """
    out = Path(out)
    refuse_foreign_landing(out)
    counts = _Generator(out, scale, seed, progress, start, end, truth).run()
    sample_marker(out).write_text("written by tsqa generate: its entity folders may be replaced\n",
                                  encoding="utf-8")
    return counts


def sample_marker(out: Path) -> Path:
    """The file beside a landing folder that says `tsqa generate` wrote it (beside, not
    in it: the landing root holds entity folders only)."""
    return out.parent / f"{out.name}.tsqa-sample"


def refuse_foreign_landing(out: Path) -> None:
    """Generating deletes the entity folders of ``out``: refuse a folder that holds files
    `tsqa generate` did not write (a production landing folder named by TSQA_RAW_DIR
    while running `make demo`), unless it is the project's own sample folder."""
    from tsqa.settings import PROJECT_DIR

    if not out.is_dir() or sample_marker(out).exists():
        return
    if out.resolve() == (PROJECT_DIR / "data" / "raw").resolve():
        return
    if any(p.is_file() for e in ENTITIES if (out / e).is_dir() for p in (out / e).iterdir()):
        raise SystemExit(
            f"tsqa generate: {out} holds landing files that tsqa generate did not write (no "
            f"{sample_marker(out).name} beside it); generating would delete them. Fix: generate "
            "into another folder (`tsqa generate --out DIR`; `make demo` uses TSQA_RAW_DIR, so "
            "unset it or point it at a new folder)")


def truth_path_beside(out: Path) -> Path:
    """The default truth file of a landing folder: ``<out>.truth.parquet`` beside it."""
    out = Path(out)
    return out.parent / f"{out.name}.truth.parquet"

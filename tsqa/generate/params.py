"""The simulated world's parameters: vocabularies, volumes, the organisation, and every
planted fact (exposed so that tests elsewhere can assert it survives the warehouse).

Changing a value here changes the sample data (and the numbers the tests expect); the
drop writer's knobs (duplicates, late drops) live in ``drops.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

# ---------------------------------------------------------------------------------
# Vocabularies (the contract's enum values) and the default window.
# ---------------------------------------------------------------------------------

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

#: Seconds in a day and in an hour.
DAY = 86_400
HOUR = 3_600

# ---------------------------------------------------------------------------------
# Error types, root causes and auditor notes.
# ---------------------------------------------------------------------------------

ERROR_TYPES: tuple[str | None, ...] = (None, "over_enforcement", "under_enforcement", "wrong_policy", "wrong_action")

#: Root-cause mix per error type (1..4); the spike uses POL-CHNG mostly.
ROOT_CAUSE_MIX: dict[int, dict[str, float]] = {
    1: {"PPL-KNOW": .25, "TLG-CLSF": .20, "POL-GREY": .20, "DAT-CTX": .10, "PPL-ATTN": .10, "PRC-SOP": .05,
        "DAT-LANG": .05, "POL-CHNG": .05},
    2: {"PPL-ATTN": .30, "PPL-FATG": .15, "DAT-CTX": .15, "DAT-LANG": .10, "PPL-KNOW": .10, "TLG-UI": .05,
        "PRC-ROUT": .05, "TLG-CLSF": .05, "POL-CHNG": .05},
    3: {"PPL-KNOW": .35, "POL-GREY": .25, "PRC-SOP": .15, "POL-CHNG": .05, "DAT-LANG": .10, "PRC-HAND": .10},
    4: {"PRC-SOP": .30, "PPL-KNOW": .20, "TLG-UI": .15, "PRC-HAND": .15, "PRC-ROUT": .10, "PPL-FATG": .10},
}
SPIKE_ROOT_CAUSE_MIX = {"POL-CHNG": .85, "PPL-KNOW": .10, "POL-GREY": .05}

AUDITOR_NOTES: dict[int, tuple[str, ...]] = {
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
FAKE_EMAILS = tuple(
    f"{f}.{l}@{d}"
    for f, l in (("ana", "silva"), ("jon", "reyes"), ("mia", "okafor"), ("li", "wei"), ("sam", "brandt"), ("eva", "novak"))
    for d in ("atlas-bpo.example", "cirrus-bpo.example", "example.com")
)


def overdisclosure_specialist(moderators: Any) -> str:
    """The planted over-disclosing specialist: the lowest moderator_id with role lert_specialist."""
    ids = sorted({r["moderator_id"] for r in moderators if r["role"] == "lert_specialist"})
    return ids[0]

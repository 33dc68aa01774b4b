-- Accuracy before and after each training course (metrics.md, "Training impact"): over
-- the moderators who completed it (first completion), their random audits by decided_at
-- in [completed_at - 28 days, completed_at) versus [completed_at, completed_at + 28 days).
-- The moderator is the unit: mean_change is the mean of the per-moderator changes of the
-- moderators with audits on both sides, p_value their two-sided paired t-test
-- (macros/stats/student_t.sql), q_value Benjamini-Hochberg over the courses. The pooled
-- accuracies are shown beside it.
with

completions as (
    select * from {{ ref('int_quality__training_first_completions') }}
),

audits as (
    select * from {{ ref('fct_qa_audits') }}
),

random_audits as (
    -- the probability sample of decisions (raw_contract.md); other sources over-represent errors
    select
        moderator_id,
        decided_at,
        is_correct,
        audit_id
    from audits
    where audit_source = 'random'
),

moderator_windows as (
    -- one row per moderator x course, with that moderator's random audits on each side
    select
        completions.course_code,
        completions.moderator_id,
        count(random_audits.audit_id) filter (where random_audits.decided_at < completions.completed_at)
            as audits_before,
        count(random_audits.audit_id) filter (
            where random_audits.decided_at < completions.completed_at and random_audits.is_correct
        ) as correct_before,
        count(random_audits.audit_id) filter (where random_audits.decided_at >= completions.completed_at)
            as audits_after,
        count(random_audits.audit_id) filter (
            where random_audits.decided_at >= completions.completed_at and random_audits.is_correct
        ) as correct_after
    from completions
    left join random_audits
        on
            completions.moderator_id = random_audits.moderator_id
            and completions.before_window_start <= random_audits.decided_at
            and completions.after_window_end > random_audits.decided_at
    group by completions.course_code, completions.moderator_id
),

moderator_changes as (
    select
        *,
        case
            when audits_before > 0 and audits_after > 0
                then
                    {{ safe_divide('correct_after', 'audits_after') }}
                    - {{ safe_divide('correct_before', 'audits_before') }}
        end as accuracy_change
    from moderator_windows
),

courses as (
    select
        course_code,
        count(*) as moderators,
        count(accuracy_change) as paired_moderators,
        sum(audits_before) as audits_before,
        sum(correct_before) as correct_before,
        sum(audits_after) as audits_after,
        sum(correct_after) as correct_after,
        avg(accuracy_change) as mean_change,
        stddev_samp(accuracy_change) as sd_change
    from moderator_changes
    group by course_code
),

course_policies as (
    select
        course_code,
        min(policy_code) as policy_code
    from completions
    group by course_code
),

tested as (
    -- paired t-test of the per-moderator changes: t = mean / (sd / sqrt(n)), df = n - 1;
    -- undefined with fewer than two paired moderators or zero variance (scipy ttest_rel: nan).
    -- Equal changes (6/10 -> 7/10 and 3/10 -> 4/10) differ in floating point by ~1e-17, which
    -- would give a spurious p of 1e-16: a spread below 1e-12 is zero variance (any real
    -- spread of differences of audit fractions is many orders of magnitude larger)
    select
        courses.*,
        course_policies.policy_code,
        case
            when courses.paired_moderators >= 2 and courses.sd_change > 1e-12
                then courses.mean_change / (courses.sd_change / sqrt(courses.paired_moderators))
        end as t_statistic
    from courses
    left join course_policies on courses.course_code = course_policies.course_code
),

with_p as (
    select
        *,
        {{ student_t_two_sided_p('t_statistic', 'paired_moderators - 1') }} as p_value  -- noqa: PRS
    from tested
),

adjusted as (
    -- one family: every course with a p-value
    {{ bh_q_values('with_p', 'p_value') }}
)

select
    course_code,
    policy_code,
    cast(moderators as bigint) as moderators,
    cast(paired_moderators as bigint) as paired_moderators,
    cast(audits_before as bigint) as audits_before,
    cast(correct_before as bigint) as correct_before,
    {{ safe_divide('correct_before', 'audits_before') }} as accuracy_before,
    cast(audits_after as bigint) as audits_after,
    cast(correct_after as bigint) as correct_after,
    {{ safe_divide('correct_after', 'audits_after') }} as accuracy_after,
    {{ safe_divide('correct_after', 'audits_after') }} - {{ safe_divide('correct_before', 'audits_before') }}
        as difference,
    mean_change,
    case when paired_moderators >= 2 then sd_change end as sd_change,
    t_statistic,
    p_value,
    q_value
from adjusted

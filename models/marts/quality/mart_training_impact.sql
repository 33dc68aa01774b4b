-- Accuracy before and after each training course (metrics.md, "Training impact"): over
-- the moderators who completed it (first completion), their audits by decided_at in
-- [completed_at - 28 days, completed_at) versus [completed_at, completed_at + 28 days),
-- pooled, with the pooled two-proportion z-test of after vs before.
with

completions as (
    select * from {{ ref('int_quality__training_first_completions') }}
),

audits as (
    select * from {{ ref('fct_qa_audits') }}
),

moderator_windows as (
    -- one row per moderator x course, with that moderator's audits on each side
    select
        completions.course_code,
        completions.moderator_id,
        count(audits.audit_id) filter (where audits.decided_at < completions.completed_at) as audits_before,
        count(audits.audit_id) filter (where audits.decided_at < completions.completed_at and audits.is_correct)
            as correct_before,
        count(audits.audit_id) filter (where audits.decided_at >= completions.completed_at) as audits_after,
        count(audits.audit_id) filter (where audits.decided_at >= completions.completed_at and audits.is_correct)
            as correct_after
    from completions
    left join audits
        on
            completions.moderator_id = audits.moderator_id
            and completions.before_window_start <= audits.decided_at
            and completions.after_window_end > audits.decided_at
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
        count(accuracy_change) as moderators_with_both_sides,
        sum(audits_before) as audits_before,
        sum(correct_before) as correct_before,
        sum(audits_after) as audits_after,
        sum(correct_after) as correct_after,
        avg(accuracy_change) as mean_change
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
    select
        courses.*,
        course_policies.policy_code,
        {{ safe_divide('correct_before', 'audits_before') }} as accuracy_before,
        {{ safe_divide('correct_after', 'audits_after') }} as accuracy_after,
        {{ two_proportion_z('correct_before', 'audits_before', 'correct_after', 'audits_after') }} as z_score,
        {{ two_proportion_p_value('correct_before', 'audits_before', 'correct_after', 'audits_after') }} as p_value
    from courses
    left join course_policies on courses.course_code = course_policies.course_code
)

select
    course_code,
    policy_code,
    cast(moderators as bigint) as moderators,
    cast(moderators_with_both_sides as bigint) as moderators_with_both_sides,
    cast(audits_before as bigint) as audits_before,
    cast(correct_before as bigint) as correct_before,
    accuracy_before,
    cast(audits_after as bigint) as audits_after,
    cast(correct_after as bigint) as correct_after,
    accuracy_after,
    accuracy_after - accuracy_before as difference,
    mean_change,
    z_score,
    p_value
from tested

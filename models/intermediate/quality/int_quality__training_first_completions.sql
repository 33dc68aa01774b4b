-- One row per moderator x course: the moderator's first completion of the course
-- (metrics.md, "Training impact"; retakes are ignored), whatever the score, with the
-- half-open 28-day windows: before = [completed_at - 28 days, completed_at),
-- after = [completed_at, completed_at + 28 days).
with

completions as (
    select * from {{ ref('stg_landing__training_completions') }}
),

first_completions as (
    select
        moderator_id,
        course_code,
        min(completed_at) as completed_at
    from completions
    group by moderator_id, course_code
)

select
    first_completions.moderator_id,
    first_completions.course_code,
    completions.policy_code,
    first_completions.completed_at,
    first_completions.completed_at - interval 28 day as before_window_start,
    first_completions.completed_at + interval 28 day as after_window_end
from first_completions
inner join completions
    on
        first_completions.moderator_id = completions.moderator_id
        and first_completions.course_code = completions.course_code
        and first_completions.completed_at = completions.completed_at

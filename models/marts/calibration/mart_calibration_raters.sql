-- One row per calibration session x participant rater: how many items the rater
-- labelled, how many of those have a reference (golden) label and the share of them on
-- which the rater gave the reference label.
with

sessions as (
    select * from {{ ref('int_calibration__sessions') }}
),

ratings as (
    select * from {{ ref('fct_calibration_ratings') }}
),

rater_counts as (
    select
        session_id,
        rater_id,
        count(*) as items_rated,
        count(matches_reference) as items_with_reference,
        count(*) filter (where matches_reference) as items_matching_reference
    from ratings
    where rater_role = 'participant'
    group by session_id, rater_id
)

select
    rater_counts.session_id,
    rater_counts.rater_id,
    sessions.session_date,
    sessions.month_start,
    sessions.queue_code,
    rater_counts.items_rated,
    rater_counts.items_with_reference,
    rater_counts.items_matching_reference,
    {{ safe_divide('rater_counts.items_matching_reference', 'rater_counts.items_with_reference') }}
        as reference_alignment
from rater_counts
inner join sessions
    on rater_counts.session_id = sessions.session_id

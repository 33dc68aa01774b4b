-- One row per month x queue with calibration sessions, plus one per month with
-- queue_code 'all' (every session of the month): the agreement statistics with every
-- (session, item) of the month's sessions as one unit (pooled, never a mean of session
-- statistics), Krippendorff's alpha and Gwet's AC1 with their 95% intervals, and the
-- pooled reference alignment of all the month's participant ratings. Sessions count in
-- the month of their session_date.
with

sessions as (
    select * from {{ ref('int_calibration__session_groups') }}
),

monthly_intervals as (
    select * from {{ ref('int_calibration__monthly_agreement_intervals') }}
),

monthly_agreement as (
    select * from {{ ref('int_calibration__monthly_agreement') }}
),

ratings as (
    select * from {{ ref('fct_calibration_ratings') }}
),

session_counts as (
    select
        month_start,
        queue_code,
        count(*) as sessions
    from sessions
    group by month_start, queue_code
),

participant_counts as (
    select
        sessions.month_start,
        sessions.queue_code,
        count(distinct ratings.session_id || chr(31) || ratings.item_id) as items,
        count(distinct ratings.rater_id) as raters,
        count(*) as ratings,
        count(ratings.matches_reference) as ratings_with_reference,
        count(*) filter (where ratings.matches_reference) as ratings_matching_reference
    from ratings
    inner join sessions
        on ratings.session_id = sessions.session_id
    where ratings.rater_role = 'participant'
    group by sessions.month_start, sessions.queue_code
)

select
    session_counts.month_start,
    session_counts.queue_code,
    session_counts.sessions,
    coalesce(participant_counts.items, 0) as items,
    coalesce(participant_counts.raters, 0) as raters,
    coalesce(participant_counts.ratings, 0) as ratings,
    coalesce(monthly_agreement.pairable_items, 0) as pairable_items,
    coalesce(participant_counts.ratings_with_reference, 0) as ratings_with_reference,
    coalesce(participant_counts.ratings_matching_reference, 0) as ratings_matching_reference,
    monthly_agreement.percent_agreement,
    monthly_agreement.fleiss_kappa,
    monthly_agreement.krippendorff_alpha,
    {{ agreement_ci_low('monthly_agreement.krippendorff_alpha', 'monthly_intervals.krippendorff_alpha_se',
        'monthly_intervals.t975_alpha') }} as krippendorff_alpha_ci_low,
    {{ agreement_ci_high('monthly_agreement.krippendorff_alpha', 'monthly_intervals.krippendorff_alpha_se',
        'monthly_intervals.t975_alpha') }} as krippendorff_alpha_ci_high,
    monthly_intervals.gwet_ac1,
    {{ agreement_ci_low(
        'monthly_intervals.gwet_ac1', 'monthly_intervals.gwet_ac1_se', 'monthly_intervals.t975_gwet'
    ) }} as gwet_ac1_ci_low,
    {{ agreement_ci_high(
        'monthly_intervals.gwet_ac1', 'monthly_intervals.gwet_ac1_se', 'monthly_intervals.t975_gwet'
    ) }} as gwet_ac1_ci_high,
    {{ safe_divide('participant_counts.ratings_matching_reference', 'participant_counts.ratings_with_reference') }}
        as reference_alignment,
    coalesce(monthly_agreement.krippendorff_alpha < 0.6, false) as needs_recalibration
from session_counts
left join participant_counts
    on
        session_counts.month_start = participant_counts.month_start
        and session_counts.queue_code = participant_counts.queue_code
left join monthly_agreement
    on
        session_counts.month_start = monthly_agreement.month_start
        and session_counts.queue_code = monthly_agreement.queue_code
left join monthly_intervals
    on
        session_counts.month_start = monthly_intervals.month_start
        and session_counts.queue_code = monthly_intervals.queue_code

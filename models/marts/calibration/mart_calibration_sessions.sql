-- One row per calibration session: how many items, raters and ratings its participants
-- gave, how much they agreed (percent agreement, Fleiss' kappa, Krippendorff's alpha,
-- over items rated by at least two participants) and how often they matched the
-- reference (golden) answer, pooled over all participant ratings on referenced items.
-- Krippendorff's alpha and Gwet's AC1 carry 95% intervals (Gwet 2014 standard errors,
-- t quantiles; macros/stats/agreement_intervals.sql); a session whose alpha interval
-- straddles 0.6 is flagged agreement_uncertain.
with

sessions as (
    select * from {{ ref('int_calibration__sessions') }}
),

session_agreement as (
    select * from {{ ref('int_calibration__session_agreement') }}
),

session_intervals as (
    select * from {{ ref('int_calibration__session_agreement_intervals') }}
),

ratings as (
    select * from {{ ref('fct_calibration_ratings') }}
),

participant_counts as (
    select
        session_id,
        count(distinct item_id) as items,
        count(distinct rater_id) as raters,
        count(*) as ratings,
        count(distinct case when reference_label is not null then item_id end) as items_with_reference,
        count(matches_reference) as ratings_with_reference,
        count(*) filter (where matches_reference) as ratings_matching_reference
    from ratings
    where rater_role = 'participant'
    group by session_id
)

select
    sessions.session_id,
    sessions.session_date,
    sessions.month_start,
    sessions.queue_code,
    coalesce(participant_counts.items, 0) as items,
    coalesce(participant_counts.raters, 0) as raters,
    coalesce(participant_counts.ratings, 0) as ratings,
    coalesce(session_agreement.pairable_items, 0) as pairable_items,
    coalesce(participant_counts.items_with_reference, 0) as items_with_reference,
    coalesce(participant_counts.ratings_with_reference, 0) as ratings_with_reference,
    coalesce(participant_counts.ratings_matching_reference, 0) as ratings_matching_reference,
    session_agreement.percent_agreement,
    session_agreement.fleiss_kappa,
    session_agreement.krippendorff_alpha,
    {{ agreement_ci_low('session_agreement.krippendorff_alpha', 'session_intervals.krippendorff_alpha_se',
        'session_intervals.t975_alpha') }} as krippendorff_alpha_ci_low,
    {{ agreement_ci_high('session_agreement.krippendorff_alpha', 'session_intervals.krippendorff_alpha_se',
        'session_intervals.t975_alpha') }} as krippendorff_alpha_ci_high,
    session_intervals.gwet_ac1,
    {{ agreement_ci_low(
        'session_intervals.gwet_ac1', 'session_intervals.gwet_ac1_se', 'session_intervals.t975_gwet'
    ) }} as gwet_ac1_ci_low,
    {{ agreement_ci_high(
        'session_intervals.gwet_ac1', 'session_intervals.gwet_ac1_se', 'session_intervals.t975_gwet'
    ) }} as gwet_ac1_ci_high,
    session_intervals.krippendorff_alpha_se,
    session_intervals.gwet_ac1_se,
    {{ safe_divide('participant_counts.ratings_matching_reference', 'participant_counts.ratings_with_reference') }}
        as reference_alignment,
    coalesce(session_agreement.krippendorff_alpha < 0.6, false) as needs_recalibration,
    coalesce(
        {{ agreement_ci_low('session_agreement.krippendorff_alpha', 'session_intervals.krippendorff_alpha_se',
            'session_intervals.t975_alpha') }} < 0.6
        and 0.6 <= {{ agreement_ci_high('session_agreement.krippendorff_alpha',
            'session_intervals.krippendorff_alpha_se', 'session_intervals.t975_alpha') }},
        false
    ) as agreement_uncertain
from sessions
left join participant_counts
    on sessions.session_id = participant_counts.session_id
left join session_agreement
    on sessions.session_id = session_agreement.session_id
left join session_intervals
    on sessions.session_id = session_intervals.session_id

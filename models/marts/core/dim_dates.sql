-- One row per calendar day, covering whole years from the earliest to the latest date
-- any landing entity mentions (the current year when there is no data yet).
-- Weeks start on Monday (ISO), as everywhere in tsqa.
with

decisions as (
    select
        min(decided_at) as first_at,
        max(decided_at) as last_at
    from {{ ref('stg_landing__moderation_decisions') }}
),

audits as (
    select
        min(audited_at) as first_at,
        max(audited_at) as last_at
    from {{ ref('stg_landing__qa_audits') }}
),

le_requests as (
    select
        min(received_at) as first_at,
        max(coalesce(responded_at, received_at)) as last_at
    from {{ ref('stg_landing__le_requests') }}
),

escalations as (
    select
        min(created_at) as first_at,
        max(coalesce(resolved_at, created_at)) as last_at
    from {{ ref('stg_landing__escalations') }}
),

calibration as (
    select
        min(session_date) as first_at,
        max(session_date) as last_at
    from {{ ref('stg_landing__calibration_ratings') }}
),

as_of as (
    select as_of from {{ ref('int_build__as_of') }}
),

bounds as (
    select
        date_trunc('year', coalesce(
            least(
                decisions.first_at, audits.first_at, le_requests.first_at, escalations.first_at, calibration.first_at
            ),
            as_of.as_of
        ))::date as first_day,
        (date_trunc('year', coalesce(
            greatest(
                decisions.last_at, audits.last_at, le_requests.last_at, escalations.last_at, calibration.last_at,
                as_of.as_of
            ),
            as_of.as_of
        )) + interval 1 year - interval 1 day)::date as last_day
    from decisions, audits, le_requests, escalations, calibration, as_of
),

days as (
    select {{ tsqa.date_series('first_day', 'last_day', '1 day') }} as date_day
    from bounds
)

select
    date_day,
    (date_trunc('week', date_day))::date as week_start,
    (date_trunc('month', date_day))::date as month_start,
    (date_trunc('quarter', date_day))::date as quarter_start,
    'Q' || (quarter(date_day))::string as quarter,
    (year(date_day))::integer as year,
    cast({{ tsqa.iso_day_of_week('date_day') }} as integer) as iso_day_of_week,
    {{ tsqa.iso_day_of_week('date_day') }} >= 6 as is_weekend
from days

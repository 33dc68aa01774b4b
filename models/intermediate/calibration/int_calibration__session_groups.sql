-- The monthly groups each calibration session belongs to: its month x queue, and its
-- month x 'all' (metrics.md, "Calibration agreement": mart_calibration_monthly has a row
-- per month with queue_code 'all', every session of the month). Two rows per session.
with

sessions as (
    select * from {{ ref('int_calibration__sessions') }}
)

select
    session_id,
    month_start,
    queue_code
from sessions
union all
select
    session_id,
    month_start,
    'all' as queue_code
from sessions

-- One row per calibration session: its date, month and queue. A session carries one
-- date and one queue on all its rating rows; should they ever differ, the earliest date
-- and the first queue code (alphabetical) stand for the session, so that it belongs to
-- exactly one month x queue.
with

ratings as (
    select * from {{ ref('stg_landing__calibration_ratings') }}
)

select
    session_id,
    min(session_date) as session_date,
    cast(date_trunc('month', min(session_date)) as date) as month_start,
    min(queue_code) as queue_code
from ratings
group by session_id

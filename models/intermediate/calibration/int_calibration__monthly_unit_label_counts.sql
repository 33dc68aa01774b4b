-- One row per month x queue x (session, item) x label over participant ratings, each
-- row also under queue_code 'all' (the month's every session): the units of the monthly
-- agreement statistics (metrics.md, "Calibration agreement": every (session, item) of
-- the month's sessions is one unit). unit_id = session_id, item_id joined by chr(31).
with

item_label_counts as (
    select * from {{ ref('int_calibration__item_label_counts') }}
),

sessions as (
    select * from {{ ref('int_calibration__session_groups') }}
)

select
    sessions.month_start,
    sessions.queue_code,
    item_label_counts.session_id || chr(31) || item_label_counts.item_id as unit_id,
    item_label_counts.label,
    item_label_counts.label_ratings,
    item_label_counts.item_ratings as unit_ratings
from item_label_counts
inner join sessions
    on item_label_counts.session_id = sessions.session_id

-- One row per session x item x label over participant ratings: how many participants
-- gave the item that label (label_ratings, n_uc) and how many rated the item at all
-- (item_ratings, m_u). The per-item category counts every agreement statistic starts
-- from (macros/agreement.sql). Reference ratings are not part of agreement.
with

ratings as (
    select * from {{ ref('stg_landing__calibration_ratings') }}
),

participant_ratings as (
    select
        session_id,
        item_id,
        label
    from ratings
    where rater_role = 'participant'
),

label_counts as (
    select
        session_id,
        item_id,
        label,
        count(*) as label_ratings
    from participant_ratings
    group by session_id, item_id, label
)

select
    session_id,
    item_id,
    label,
    label_ratings,
    cast(sum(label_ratings) over (partition by session_id, item_id) as bigint) as item_ratings
from label_counts

-- One row per calibration rating (session x item x rater), with the item's reference
-- (golden) label when the item has one and whether a participant's label matches it
-- (null on reference rows and on items without a reference).
with

ratings as (
    select * from {{ ref('stg_landing__calibration_ratings') }}
),

references_ as (
    select
        session_id,
        item_id,
        label as reference_label
    from ratings
    where rater_role = 'reference'
)

select
    ratings.session_id,
    ratings.session_date,
    ratings.queue_code,
    ratings.item_id,
    ratings.rater_id,
    ratings.rater_role,
    ratings.label,
    references_.reference_label,
    case
        when ratings.rater_role = 'participant' and references_.reference_label is not null
            then ratings.label = references_.reference_label
    end as matches_reference,
    ratings.source_file
from ratings
left join references_
    on ratings.session_id = references_.session_id and ratings.item_id = references_.item_id

-- One row per experiment x planned variant, parsed from experiments.planned_split
-- ("control:0.5,treatment:0.5") of the seed `experiments` (schema raw).
-- depends_on: {{ ref('experiments') }}
with

experiments as (
    select * from {{ source('raw', 'experiments') }}
),

parts as (
    select
        experiment_id,
        {{ tsqa.split_to_rows('planned_split', ',') }} as part
    from experiments
)

select
    experiment_id,
    trim(split_part(trim(part), ':', 1)) as variant,
    cast(trim(split_part(part, ':', 2)) as double) as planned_share
from parts

-- One row per experiment x planned variant: its planned share of units, the
-- experiment's window [started_on, ended_on] (both inclusive) and whether it is the
-- control (the variant named `control`, marts.md).
with

experiments as (
    select * from {{ ref('stg_raw__experiments') }}
),

variants as (
    select * from {{ ref('stg_raw__experiment_variants') }}
)

select
    variants.experiment_id,
    variants.variant,
    variants.planned_share,
    experiments.started_on,
    experiments.ended_on,
    variants.variant = 'control' as is_control
from variants
inner join experiments
    on variants.experiment_id = experiments.experiment_id

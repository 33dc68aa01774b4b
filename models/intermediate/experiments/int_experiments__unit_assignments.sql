-- One row per experiment x unit (a moderator) with the variant it was assigned to and
-- the experiment's window. Staging has already set aside second, conflicting
-- assignments and unplanned variants (quarantine, duplicate_conflict), so a unit is in
-- exactly one variant here.
with

assignments as (
    select * from {{ ref('stg_landing__experiment_assignments') }}
),

planned_variants as (
    select * from {{ ref('int_experiments__planned_variants') }}
)

select
    assignments.experiment_id,
    assignments.unit_id,
    assignments.variant,
    assignments.assigned_at,
    planned_variants.started_on,
    planned_variants.ended_on
from assignments
inner join planned_variants
    on
        assignments.experiment_id = planned_variants.experiment_id
        and assignments.variant = planned_variants.variant

-- metrics.md "Escalations": the open backlog at a week's end counts escalations created
-- before the week ends and not resolved before it ends, so per source and severity it
-- must equal the escalations created up to that week minus those resolved up to that
-- week (mart_escalations_weekly computes it directly from the facts, not this way).
-- Fails with every week where the two disagree.
with

weekly as (
    select * from {{ ref('mart_escalations_weekly') }}
),

cumulative as (
    select
        week_start,
        source,
        severity,
        open_at_week_end,
        sum(created) over slice_to_date - sum(resolved) over slice_to_date as created_minus_resolved
    from weekly
    window slice_to_date as (
        partition by source, severity order by week_start
        rows between unbounded preceding and current row
    )
)

select *
from cumulative
where open_at_week_end <> created_minus_resolved

-- Per disputed audit (raw_contract.md, "audit_disputes"): the outcome of the latest
-- raised dispute, and the final answer of the latest overturned one (which replaces the
-- audit's reference answer). Ties on raised_at are broken by dispute_id.
with

disputes as (
    select * from {{ ref('stg_landing__audit_disputes') }}
),

ranked as (
    select
        *,
        row_number() over (partition by audit_id order by raised_at desc, dispute_id desc) as raised_rank,
        row_number() over (
            partition by audit_id, outcome = 'overturned'
            order by raised_at desc, dispute_id desc
        ) as overturned_rank
    from disputes
)

select
    audit_id,
    count(*) as disputes,
    count(*) filter (where outcome in ('upheld', 'overturned')) as resolved_disputes,
    count(*) filter (where outcome = 'overturned') as overturned_disputes,
    max(outcome) filter (where raised_rank = 1) as dispute_outcome,
    bool_or(outcome = 'overturned') as is_overturned,
    max(final_action) filter (where outcome = 'overturned' and overturned_rank = 1) as final_action,
    max(final_policy_code) filter (where outcome = 'overturned' and overturned_rank = 1) as final_policy_code
from ranked
group by audit_id

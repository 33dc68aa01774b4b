-- Each decision with the moderator's roster version in effect at decided_at
-- (point-in-time: valid_from <= decided_at < valid_to).
with

decisions as (
    select * from {{ ref('stg_landing__moderation_decisions') }}
),

moderator_versions as (
    select * from {{ ref('int_moderation__moderator_versions') }}
)

select
    decisions.decision_id,
    decisions.content_id,
    decisions.user_key,
    decisions.queue_code,
    decisions.moderator_id,
    moderator_versions.moderator_key,
    moderator_versions.vendor_code,
    moderator_versions.site,
    decisions.market,
    decisions.action,
    decisions.policy_code,
    decisions.content_type,
    decisions.decided_at,
    cast(decisions.decided_at as date) as decision_date,
    decisions.handle_time_s
from decisions
left join moderator_versions
    on
        decisions.moderator_id = moderator_versions.moderator_id
        and decisions.decided_at >= moderator_versions.valid_from
        and (decisions.decided_at < moderator_versions.valid_to or moderator_versions.valid_to is null)

-- One row per first-level moderation decision (current version), with the moderator's
-- roster attributes in effect at decided_at. user_key is the keyed hash of the content
-- creator's user_id (never the id itself).
with

decisions as (
    select * from {{ ref('int_moderation__decisions_attributed') }}
)

select
    decision_id,
    content_id,
    user_key,
    queue_code,
    moderator_id,
    moderator_key,
    vendor_code,
    site,
    market,
    action,
    policy_code,
    content_type,
    decided_at,
    decision_date,
    handle_time_s
from decisions

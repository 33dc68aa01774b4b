-- The current version of every valid moderation_decisions record
-- (base_landing__moderation_decisions decides: typed, checked, one per key; set-aside
-- rows are in quarantine.moderation_decisions). Columns are text unless cast.
with

source as (

    select * from {{ ref('base_landing__moderation_decisions') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids (user_key: the keyed hash of the creator's account)
        decision_id,
        content_id,
        user_id as user_key,
        queue_code,
        moderator_id,
        -- the decision
        action,
        policy_code,
        content_type,
        market,
        -- when, and how long it took
        cast(decided_at as timestamp) as decided_at,
        cast(handle_time_s as double) as handle_time_s,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

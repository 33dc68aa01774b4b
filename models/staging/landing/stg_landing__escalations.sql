-- The current version of every valid escalations record (base_landing__escalations
-- decides: typed, checked, one per key; set-aside rows are in quarantine.escalations).
-- Columns are text unless cast.
with

source as (

    select * from {{ ref('base_landing__escalations') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids
        escalation_id,
        -- the escalation
        cast(created_at as timestamp) as created_at,
        source,
        severity,
        -- what it concerns
        queue_code,
        request_id,
        -- its course
        status,
        cast(resolved_at as timestamp) as resolved_at,
        cast(mitigated_at as timestamp) as mitigated_at,
        root_cause_code,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

-- The current version of every valid audit_disputes record (base_landing__audit_disputes
-- decides: typed, checked, one per key; set-aside rows are in
-- quarantine.audit_disputes). Columns are text unless cast.
with

source as (

    select * from {{ ref('base_landing__audit_disputes') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids
        dispute_id,
        audit_id,
        raised_by,
        -- timestamps (UTC)
        cast(raised_at as timestamp) as raised_at,
        cast(resolved_at as timestamp) as resolved_at,
        -- the outcome
        outcome,
        final_action,
        final_policy_code,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

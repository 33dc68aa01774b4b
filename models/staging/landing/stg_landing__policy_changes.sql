-- The current version of every valid policy_changes record (base_landing__policy_changes
-- decides: typed, checked, one per key; set-aside rows are in
-- quarantine.policy_changes). Columns are text unless cast. Not here: summary (free
-- text).
with

source as (

    select * from {{ ref('base_landing__policy_changes') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids
        policy_code,
        version,
        -- the change
        cast(effective_at as timestamp) as effective_at,
        change_type,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

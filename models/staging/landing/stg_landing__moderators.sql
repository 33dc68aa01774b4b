-- The current version of every valid moderators record (base_landing__moderators
-- decides: typed, checked, one per key; set-aside rows are in quarantine.moderators).
-- Columns are text unless cast. Not here: work_email (personal data, never stored).
with

source as (

    select * from {{ ref('base_landing__moderators') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids
        moderator_id,
        vendor_code,
        -- who and where
        site,
        market,
        language,
        role,
        -- employment (dates)
        cast(hired_on as date) as hired_on,
        cast(left_on as date) as left_on,
        -- version: valid from updated_at to the next version's (UTC)
        cast(updated_at as timestamp) as updated_at,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

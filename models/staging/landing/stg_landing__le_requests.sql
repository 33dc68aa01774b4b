-- The current version of every valid le_requests record (base_landing__le_requests
-- decides: typed, checked, one per key; set-aside rows are in quarantine.le_requests).
-- Columns are text unless cast.
with

source as (

    select * from {{ ref('base_landing__le_requests') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids
        request_id,
        -- the request
        cast(received_at as timestamp) as received_at,
        country,
        agency_type,
        request_type,
        cast(accounts_specified as bigint) as accounts_specified,
        cast(legal_process_valid as boolean) as legal_process_valid,
        -- its handling
        specialist_id,
        status,
        outcome,
        cast(responded_at as timestamp) as responded_at,
        -- version
        cast(updated_at as timestamp) as updated_at,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

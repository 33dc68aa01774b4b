-- The current version of every valid rca_cases record (base_landing__rca_cases decides:
-- typed, checked, one per key; set-aside rows are in quarantine.rca_cases). Columns are
-- text unless cast. Not here: corrective_action (free text).
with

source as (

    select * from {{ ref('base_landing__rca_cases') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids
        rca_id,
        -- timestamps (UTC)
        cast(opened_at as timestamp) as opened_at,
        cast(closed_at as timestamp) as closed_at,
        -- the subject
        subject_type,
        subject_id,
        queue_code,
        -- the finding
        root_cause_code,
        owner_team,
        status,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

-- The current version of every valid lert_assessments record
-- (base_landing__lert_assessments decides: typed, checked, one per key; set-aside rows
-- are in quarantine.lert_assessments). Columns are text unless cast.
with

source as (

    select * from {{ ref('base_landing__lert_assessments') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids
        assessment_id,
        request_id,
        specialist_id,
        assessor_id,
        -- the assessment
        cast(assessed_at as timestamp) as assessed_at,
        item_code,
        result,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

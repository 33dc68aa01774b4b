-- The current version of every valid calibration_ratings record
-- (base_landing__calibration_ratings decides: typed, checked, one per key; set-aside
-- rows are in quarantine.calibration_ratings). Columns are text unless cast.
with

source as (

    select * from {{ ref('base_landing__calibration_ratings') }}
    where _status = 'current'

),

renamed as (

    select
        -- the session
        session_id,
        cast(session_date as date) as session_date,
        queue_code,
        -- the rating
        item_id,
        rater_id,
        rater_role,
        label,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

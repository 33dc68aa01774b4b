-- The current version of every valid training_completions record
-- (base_landing__training_completions decides: typed, checked, one per key; set-aside
-- rows are in quarantine.training_completions). Columns are text unless cast.
with

source as (

    select * from {{ ref('base_landing__training_completions') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids
        moderator_id,
        course_code,
        policy_code,
        -- the completion
        cast(completed_at as timestamp) as completed_at,
        cast(score as double) as score,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

-- The current version of every valid experiment_assignments record
-- (base_landing__experiment_assignments decides: typed, checked, one per key; set-aside
-- rows are in quarantine.experiment_assignments). Columns are text unless cast.
with

source as (

    select * from {{ ref('base_landing__experiment_assignments') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids
        experiment_id,
        unit_id,
        -- the assignment
        variant,
        cast(assigned_at as timestamp) as assigned_at,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed

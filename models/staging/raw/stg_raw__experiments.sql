-- Product experiments, from the seed `experiments` (schema raw): one row per
-- experiment_id. The planned split is parsed into rows by stg_raw__experiment_variants.
-- depends_on: {{ ref('experiments') }}
with

source as (
    select * from {{ source('raw', 'experiments') }}
),

renamed as (
    select
        -- key
        cast(experiment_id as string) as experiment_id,

        -- description
        cast(name as string) as experiment_name,
        cast(hypothesis as string) as hypothesis,
        cast(primary_metric as string) as primary_metric,

        -- window (both days inclusive) and planned split
        cast(started_on as date) as started_on,
        cast(ended_on as date) as ended_on,
        cast(planned_split as string) as planned_split
    from source
)

select * from renamed

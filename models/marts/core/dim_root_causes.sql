-- One row per root cause of the reference seed `root_causes` (through stg_raw__root_causes), every
-- seed column.
with

root_causes as (
    select * from {{ ref('stg_raw__root_causes') }}
)

select * from root_causes

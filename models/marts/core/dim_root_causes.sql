-- One row per root_cause of the reference seed `root_causes`, every seed column.
with

root_causes as (
    select * from {{ reference_table('root_causes') }}
)

select * from root_causes

-- One row per queue of the reference seed `queues`, every seed column.
with

queues as (
    select * from {{ reference_table('queues') }}
)

select * from queues

-- Queue KPIs per 30-minute local interval (by the time the segment entered the queue) and queue.
with offered as (
    select * from {{ ref('fct_call_segments') }}
    where is_offered
),

measures as (
    select
        interval_start_local,
        contact_date as date,
        queue_id,
        {{ service_queue_measures() }}
    from offered
    group by interval_start_local, contact_date, queue_id
)

select
    interval_start_local,
    date,
    queue_id,
    offered,
    answered,
    abandoned,
    short_abandoned,
    callbacks,
    flowouts,
    answered_within_t,
    abandoned_within_t,
    answered_wait_s,
    handled,
    transferred,
    handle_s,
    {{ service_queue_rates() }}
from measures

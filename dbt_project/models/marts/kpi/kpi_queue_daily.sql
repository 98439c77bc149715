-- Queue KPIs per local contact date and queue (inbound segments that entered a queue).
with offered as (
    select * from {{ ref('fct_call_segments') }}
    where is_offered
),

measures as (
    select
        contact_date as date,
        queue_id,
        {{ service_queue_measures() }}
    from offered
    group by contact_date, queue_id
)

select
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

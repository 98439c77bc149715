-- Events: one row per response_id (the latest delivery wins).
with source as (
    select * from {{ source('survey', 'post_contact') }}
),

ranked as (
    select
        *,
        {{ service_delivery_rank(['response_id']) }} as delivery_rank
    from source
)

select
    response_id,
    contact_type,
    contact_id,
    customer_id,
    agent_id,
    sent_at,
    responded_at,
    {{ service_to_local('sent_at') }} as sent_at_local,
    csat,
    nps,
    ces,
    resolved_first_contact,
    comment,
    _business_date,
    _source_file,
    _load_id
from ranked
where delivery_rank = 1

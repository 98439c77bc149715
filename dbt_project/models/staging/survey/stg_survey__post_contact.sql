{{
    config(
        materialized=incremental_materialization(),
        unique_key=['response_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Incremental (like the big facts): only the window's deliveries are re-ranked; rows
-- outside it are older deliveries and can never win, so the result equals a full refresh.
-- Events: one row per response_id (the latest delivery wins).
with source as (
    select * from {{ source('survey', 'post_contact') }}
    {{ incremental_window() }}
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

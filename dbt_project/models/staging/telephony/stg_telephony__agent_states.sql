{{
    config(
        materialized=incremental_materialization(),
        unique_key=['agent_login', 'started_at'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Incremental (like the big facts): only the window's deliveries are re-ranked; rows
-- outside it are older deliveries and can never win, so the result equals a full refresh.
-- Events: one row per agent state interval (agent_login x started_at; the latest delivery wins).
with source as (
    select * from {{ source('telephony', 'agent_states') }}
    {{ incremental_window() }}
),

ranked as (
    select
        *,
        {{ service_delivery_rank(['agent_login', 'started_at']) }} as delivery_rank
    from source
)

select
    agent_login,
    state,
    reason_code,
    started_at,
    ended_at,
    {{ service_to_local('started_at') }} as started_at_local,
    _business_date,
    _source_file,
    _load_id
from ranked
where delivery_rank = 1

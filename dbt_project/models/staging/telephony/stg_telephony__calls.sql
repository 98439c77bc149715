{{
    config(
        materialized=incremental_materialization(),
        unique_key=['call_id', 'segment_no'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Incremental (like the big facts): only the window's deliveries are re-ranked; rows
-- outside it are older deliveries and can never win, so the result equals a full refresh.
-- Events: one row per call segment (call_id x segment_no; the latest delivery wins).
-- The caller number (ani) is pseudonymised.
with source as (
    select * from {{ source('telephony', 'calls') }}
    {{ incremental_window() }}
),

ranked as (
    select
        *,
        {{ service_delivery_rank(['call_id', 'segment_no']) }} as delivery_rank
    from source
)

select
    call_id,
    segment_no,
    direction,
    {{ pseudonymise('ani') }} as ani_hmac,
    queue_id,
    agent_login,
    customer_id,
    enqueued_at,
    answered_at,
    ended_at,
    {{ service_to_local('coalesce(enqueued_at, answered_at, ended_at)') }} as started_at_local,
    ring_s,
    talk_s,
    hold_s,
    acw_s,
    disposition,
    transfer_to_queue,
    _business_date,
    _source_file,
    _load_id
from ranked
where delivery_rank = 1

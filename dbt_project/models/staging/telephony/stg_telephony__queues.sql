-- Snapshot: the queues delivered on the latest business date.
with latest as (
    {{ service_latest_snapshot(source('telephony', 'queues')) }}
),

deduped as (
    select
        *,
        {{ service_delivery_rank(['queue_id']) }} as delivery_rank
    from latest
)

select
    queue_id,
    queue_name,
    product_line,
    sl_threshold_s,
    short_abandon_s,
    open_hour,
    close_hour,
    _business_date,
    _source_file,
    _load_id
from deduped
where delivery_rank = 1

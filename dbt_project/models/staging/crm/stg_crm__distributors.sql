-- Snapshot: the distributors delivered on the latest business date.
with latest as (
    {{ service_latest_snapshot(source('crm', 'distributors')) }}
),

deduped as (
    select
        *,
        {{ service_delivery_rank(['distributor_id']) }} as delivery_rank
    from latest
)

select
    distributor_id,
    distributor_name,
    channel_type,
    province,
    contract_start,
    status,
    _business_date,
    _source_file,
    _load_id
from deduped
where delivery_rank = 1

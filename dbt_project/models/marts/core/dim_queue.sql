-- ACD queues (latest snapshot) with their SL threshold T and short-abandon limit; '-1' = unknown.
with queues as (
    select * from {{ ref('stg_telephony__queues') }}
)

select
    {{ surrogate_key(['queue_id']) }} as queue_sk,
    queue_id,
    queue_name,
    product_line,
    sl_threshold_s,
    short_abandon_s,
    open_hour,
    close_hour
from queues

union all

select
    '-1' as queue_sk,
    '-1' as queue_id,
    'unknown' as queue_name,
    cast(null as {{ dbt.type_string() }}) as product_line,
    cast(null as {{ dbt.type_bigint() }}) as sl_threshold_s,
    cast(null as {{ dbt.type_bigint() }}) as short_abandon_s,
    cast(null as {{ dbt.type_bigint() }}) as open_hour,
    cast(null as {{ dbt.type_bigint() }}) as close_hour

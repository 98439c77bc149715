-- Distributors (latest snapshot); '-1' = unknown.
with distributors as (
    select * from {{ ref('stg_crm__distributors') }}
)

select
    {{ surrogate_key(['distributor_id']) }} as distributor_sk,
    distributor_id,
    distributor_name,
    channel_type,
    province,
    contract_start,
    status
from distributors

union all

select
    '-1' as distributor_sk,
    '-1' as distributor_id,
    'unknown' as distributor_name,
    cast(null as {{ dbt.type_string() }}) as channel_type,
    cast(null as {{ dbt.type_string() }}) as province,
    cast(null as date) as contract_start,
    cast(null as {{ dbt.type_string() }}) as status

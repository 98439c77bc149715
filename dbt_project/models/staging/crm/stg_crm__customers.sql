-- One row per customer version (customer_id x updated_at): re-deliveries of the same version
-- are deduplicated (latest delivery wins); is_latest_version flags the current one (delta mode:
-- latest by updated_at, then by business date). PII is pseudonymised here.
with source as (
    select * from {{ source('crm', 'customers') }}
),

ranked as (
    select
        *,
        {{ service_delivery_rank(['customer_id', 'updated_at']) }} as delivery_rank
    from source
),

versions as (
    select * from ranked
    where delivery_rank = 1
)

select
    customer_id,
    {{ pseudonymise('customer_name') }} as customer_name_hmac,
    {{ pseudonymise('mobile_no') }} as mobile_no_hmac,
    {{ pseudonymise('id_card_no') }} as id_card_no_hmac,
    gender,
    birth_date,
    province,
    city,
    segment,
    product_line,
    plan_code,
    distributor_id,
    customer_level,
    activation_date,
    status,
    updated_at,
    {{ service_to_local('updated_at') }} as updated_at_local,
    cast({{ service_to_local('updated_at') }} as date) as updated_date,
    row_number() over (
        partition by customer_id
        order by updated_at desc, _business_date desc
    ) = 1 as is_latest_version,
    _business_date,
    _source_file,
    _load_id
from versions

-- Customers, type 2 on product_line, segment and customer_level (one version per local day of
-- change: the last change of a day wins). Other attributes are type 1 (latest version).
-- The first version is valid from 1900-01-01 so contacts before the first delivery still join.
-- PII only as salted HMAC (from staging). '-1' = unknown customer.
with versions as (
    select * from {{ ref('stg_crm__customers') }}
),

last_of_day as (
    select
        *,
        row_number() over (
            partition by customer_id, updated_date
            order by updated_at desc
        ) as day_rank
    from versions
),

daily as (
    select * from last_of_day
    where day_rank = 1
),

compared as (
    select
        customer_id,
        updated_date,
        product_line,
        segment,
        customer_level,
        lag(product_line) over (partition by customer_id order by updated_date) as prev_product_line,
        lag(segment) over (partition by customer_id order by updated_date) as prev_segment,
        lag(customer_level) over (partition by customer_id order by updated_date) as prev_customer_level,
        row_number() over (partition by customer_id order by updated_date) as day_no
    from daily
),

changes as (
    select
        customer_id,
        case when day_no = 1 then cast('1900-01-01' as date) else updated_date end as valid_from,
        product_line,
        segment,
        customer_level
    from compared
    where
        day_no = 1
        or product_line is distinct from prev_product_line
        or segment is distinct from prev_segment
        or customer_level is distinct from prev_customer_level
),

spans as (
    select
        *,
        coalesce(
            lead(valid_from) over (partition by customer_id order by valid_from),
            cast('9999-12-31' as date)
        ) as valid_to
    from changes
),

latest as (
    select * from versions
    where is_latest_version
)

select
    {{ surrogate_key(['spans.customer_id', 'spans.valid_from']) }} as customer_sk,
    spans.customer_id,
    spans.valid_from,
    spans.valid_to,
    spans.valid_to = cast('9999-12-31' as date) as is_current,
    spans.product_line,
    spans.segment,
    spans.customer_level,
    latest.customer_name_hmac,
    latest.mobile_no_hmac,
    latest.id_card_no_hmac,
    latest.gender,
    latest.birth_date,
    latest.province,
    latest.city,
    latest.plan_code,
    latest.distributor_id,
    latest.activation_date,
    latest.status
from spans
inner join latest
    on spans.customer_id = latest.customer_id

union all

select
    '-1' as customer_sk,
    '-1' as customer_id,
    cast('1900-01-01' as date) as valid_from,
    cast('9999-12-31' as date) as valid_to,
    true as is_current,
    cast(null as {{ dbt.type_string() }}) as product_line,
    cast(null as {{ dbt.type_string() }}) as segment,
    cast(null as {{ dbt.type_bigint() }}) as customer_level,
    cast(null as {{ dbt.type_string() }}) as customer_name_hmac,
    cast(null as {{ dbt.type_string() }}) as mobile_no_hmac,
    cast(null as {{ dbt.type_string() }}) as id_card_no_hmac,
    cast(null as {{ dbt.type_string() }}) as gender,
    cast(null as date) as birth_date,
    cast(null as {{ dbt.type_string() }}) as province,
    cast(null as {{ dbt.type_string() }}) as city,
    cast(null as {{ dbt.type_string() }}) as plan_code,
    cast(null as {{ dbt.type_string() }}) as distributor_id,
    cast(null as date) as activation_date,
    cast(null as {{ dbt.type_string() }}) as status

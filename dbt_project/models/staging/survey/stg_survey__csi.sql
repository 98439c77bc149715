-- Events: one row per CSI response_id (the latest delivery wins).
with source as (
    select * from {{ source('survey', 'csi') }}
),

ranked as (
    select
        *,
        {{ service_delivery_rank(['response_id']) }} as delivery_rank
    from source
)

select
    response_id,
    wave,
    customer_id,
    product_line,
    mode,
    interviewed_at,
    {%- for items in service_csi_constructs().values() %}
        {%- for item in items %}
            {{ item }},
        {%- endfor %}
    {%- endfor %}
    complained,
    {%- for dim in service_rating_dimensions() %}
        {{ dim }},
    {%- endfor %}
    _business_date,
    _source_file,
    _load_id
from ranked
where delivery_rank = 1

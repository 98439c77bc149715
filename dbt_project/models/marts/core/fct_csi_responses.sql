-- One row per CSI respondent. Construct score s = weighted mean of the respondent's answered
-- items of the construct (1-10; equal weights unless var csi_item_weights maps item -> weight;
-- unanswered items leave the denominator; null when none answered).
{%- set weights = var('csi_item_weights', {}) %}
with responses as (
    select * from {{ ref('stg_survey__csi') }}
)

select
    response_id,
    wave,
    product_line,
    mode,
    interviewed_at,
    cast({{ service_to_local('interviewed_at') }} as date) as interviewed_date,
    coalesce(customer_id, '-1') as customer_key,
    {%- for construct, items in service_csi_constructs().items() %}
        {{ service_weighted_mean(items, weights) }} as {{ construct }}_score,
    {%- endfor %}
    complained as has_complained,
    {%- for dim in service_rating_dimensions() %}
        {{ dim }},
    {%- endfor %}
    _business_date
from responses
